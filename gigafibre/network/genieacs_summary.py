"""Device JSON (as GenieACS's NBI returns it) → a summary ops can read. Pure functions, both data models.

A GenieACS device document nests objects by path segment; each leaf parameter is an object with
`_value` (and `_type`, `_timestamp`, `_writable`). Instances of multi-instance objects are keys
`"1"`, `"2"`, …. Metadata lives at the top: `_id`, `_deviceId` (`_Manufacturer`, `_OUI`,
`_ProductClass`, `_SerialNumber`), `_lastInform`, `_lastBoot`, `_tags`.

TR-098 (`InternetGatewayDevice.`)
	WAN   WANDevice.{i}.WANConnectionDevice.{j}.WANPPPConnection|WANIPConnection.{k}
	      .ConnectionStatus, .ExternalIPAddress, .Username (PPP), .Uptime (s), .DefaultGateway|RemoteIPAddress
	LAN   LANDevice.1.LANHostConfigManagement (.IPInterface.1.IPInterfaceIPAddress, .DHCPServerEnable, …)
	Wi-Fi LANDevice.{l}.WLANConfiguration.{n} .SSID, .Channel, .TotalAssociations / AssociatedDevice.{m}
	Hosts LANDevice.{l}.Hosts.Host.{n} .MACAddress, .IPAddress, .HostName, .Active, .InterfaceType
	Optical: no standard object; vendor objects under WANDevice.{i} whose name mentions PON/Optical
	      (Huawei `X_GponInterafceConfig` — sic —, ZTE `X_ZTE-COM_WANPONInterfaceConfig`, …) .RXPower/.TXPower

TR-181 (`Device.`)
	WAN   Device.IP.Interface.{n} other than the LAN one (the DHCPv4 server pool's `Interface`) and
	      loopback; PPPoE when its LowerLayers is a Device.PPP.Interface (.Username, .ConnectionStatus);
	      uptime is the interface's `LastChange` (seconds in its current state) when it is Up.
	LAN   Device.DHCPv4.Server.Pool.1 (.Interface, .MinAddress, .MaxAddress) + that IP interface's address
	Wi-Fi Device.WiFi.SSID.{n} → LowerLayers Device.WiFi.Radio.{r} (.Channel, .OperatingFrequencyBand);
	      clients from the Device.WiFi.AccessPoint whose SSIDReference is that SSID
	Hosts Device.Hosts.Host.{n} .PhysAddress, .IPAddress, .HostName, .Active, .Layer1Interface
	Optical Device.Optical.Interface.{n} .OpticalSignalLevel / .TransmitOpticalLevel, in 0.001 dBm (TR-181)

Optical values: dBm as a float. A value whose magnitude is above 100 is taken as 0.001 dBm
(TR-181's unit, also used by some TR-098 vendor objects) and divided by 1000.
"""

import copy
from dataclasses import asdict, dataclass, field
from typing import Any

from gigafibre.equipment.identifiers import normalize_mac
from gigafibre.errors import InvalidValue

TR098 = "TR-098"
TR181 = "TR-181"


@dataclass
class Wan:
	path: str
	kind: str  # "pppoe" | "ip"
	status: str | None = None
	ip: str | None = None
	pppoe_username: str | None = None
	uptime_s: int | None = None
	gateway: str | None = None
	dns: str | None = None
	mac: str | None = None


@dataclass
class Lan:
	ip: str | None = None
	subnet_mask: str | None = None
	dhcp_enabled: bool | None = None
	dhcp_min: str | None = None
	dhcp_max: str | None = None


@dataclass
class Wifi:
	path: str
	ssid: str | None = None
	band: str | None = None
	channel: int | None = None
	enabled: bool | None = None
	status: str | None = None
	clients: int = 0
	bssid: str | None = None


@dataclass
class Optical:
	path: str
	rx_dbm: float | None = None
	tx_dbm: float | None = None
	status: str | None = None


@dataclass
class Host:
	mac: str | None
	ip: str | None = None
	hostname: str | None = None
	active: bool | None = None
	interface: str | None = None
	source: str | None = None


@dataclass
class DeviceSummary:
	device_id: str | None
	data_model: str | None
	serial: str | None = None
	manufacturer: str | None = None
	model: str | None = None
	software_version: str | None = None
	last_inform: str | None = None
	uptime_s: int | None = None
	tags: list[str] = field(default_factory=list)
	wan: list[Wan] = field(default_factory=list)
	lan: Lan | None = None
	wifi: list[Wifi] = field(default_factory=list)
	optical: Optical | None = None
	hosts: list[Host] = field(default_factory=list)

	@property
	def primary_wan(self) -> Wan | None:
		"""The connected WAN with an address, else the first one."""
		for wan in self.wan:
			if wan.ip and (wan.status or "").lower() in ("connected", "up"):
				return wan
		return self.wan[0] if self.wan else None

	def to_dict(self) -> dict:
		data = asdict(self)
		primary = self.primary_wan
		data["primary_wan"] = asdict(primary) if primary else None
		return data


# Reading the document


def node(device: dict, path: str) -> Any:
	"""The object at a dotted path (trailing dot allowed), or None."""
	current: Any = device
	for part in path.strip(".").split("."):
		if not isinstance(current, dict) or part not in current:
			return None
		current = current[part]
	return current


def value(device: dict, path: str) -> Any:
	"""The `_value` of the parameter at `path`, or None when absent."""
	leaf = node(device, path)
	if isinstance(leaf, dict):
		return leaf.get("_value")
	return None


def instances(device: dict, path: str) -> list[tuple[str, str]]:
	"""(instance path with trailing dot, instance number) of a multi-instance object, in number order."""
	obj = node(device, path)
	if not isinstance(obj, dict):
		return []
	base = path.strip(".")
	keys = sorted((k for k in obj if k.isdigit()), key=int)
	return [(f"{base}.{k}.", k) for k in keys]


def data_model(device: dict) -> str | None:
	if isinstance(device.get("InternetGatewayDevice"), dict):
		return TR098
	if isinstance(device.get("Device"), dict):
		return TR181
	return None


def _str(raw: Any) -> str | None:
	if raw is None:
		return None
	text = str(raw).strip()
	return text or None


def _int(raw: Any) -> int | None:
	try:
		return int(float(raw))
	except (TypeError, ValueError):
		return None


def _bool(raw: Any) -> bool | None:
	if isinstance(raw, bool):
		return raw
	if raw is None:
		return None
	text = str(raw).strip().lower()
	if text in ("true", "1", "yes", "up", "enabled"):
		return True
	if text in ("false", "0", "no", "down", "disabled"):
		return False
	return None


def _mac(raw: Any) -> str | None:
	try:
		return normalize_mac(_str(raw))
	except InvalidValue:
		return _str(raw)


def dbm(raw: Any) -> float | None:
	"""An optical level in dBm from what a CPE reports (dBm, or 0.001 dBm when |value| > 100)."""
	try:
		level = float(str(raw).strip())
	except (TypeError, ValueError):
		return None
	if abs(level) > 100:
		level /= 1000
	if not -60 <= level <= 20:
		return None
	return round(level, 2)


def _ref(raw: Any) -> str:
	"""A TR-181 path reference without its trailing dot ('Device.WiFi.SSID.1')."""
	return (_str(raw) or "").split(",")[0].strip().rstrip(".")


def _band(raw_band: Any, channel: int | None) -> str | None:
	band = _str(raw_band)
	if band:
		return band
	if channel is None or channel == 0:
		return None
	return "2.4GHz" if channel <= 14 else "5GHz"


def merge_values(device: dict | None, values: dict[str, Any]) -> dict:
	"""A copy of a device document with flat `{path: value}` readings (e.g. from the modem bridge)
	set as `_value`s, so `summarize` reads them like GenieACS's own."""
	merged = copy.deepcopy(device) if device else {}
	for path, raw in values.items():
		parts = path.strip(".").split(".")
		current = merged
		for part in parts[:-1]:
			nxt = current.get(part)
			if not isinstance(nxt, dict):
				nxt = current[part] = {"_object": True}
			current = nxt
		leaf = current.get(parts[-1])
		if isinstance(leaf, dict):
			leaf["_value"] = raw
		else:
			current[parts[-1]] = {"_value": raw, "_type": "xsd:string"}
	return merged


# Summaries


def summarize(device: dict) -> DeviceSummary:
	"""The whole summary of a GenieACS device document (either data model)."""
	model = data_model(device)
	ident = device.get("_deviceId") or {}
	root = "InternetGatewayDevice" if model == TR098 else "Device"
	summary = DeviceSummary(
		device_id=device.get("_id"),
		data_model=model,
		serial=_str(ident.get("_SerialNumber")) or _str(value(device, f"{root}.DeviceInfo.SerialNumber")),
		manufacturer=_str(ident.get("_Manufacturer"))
		or _str(value(device, f"{root}.DeviceInfo.Manufacturer")),
		model=_str(ident.get("_ProductClass")) or _str(value(device, f"{root}.DeviceInfo.ProductClass")),
		software_version=_str(value(device, f"{root}.DeviceInfo.SoftwareVersion")),
		last_inform=_str(device.get("_lastInform")),
		uptime_s=_int(value(device, f"{root}.DeviceInfo.UpTime")),
		tags=list(device.get("_tags") or []),
	)
	if model == TR098:
		summary.wan = wan_tr098(device)
		summary.lan = lan_tr098(device)
		summary.wifi = wifi_tr098(device)
		summary.optical = optical_tr098(device)
		summary.hosts = hosts_tr098(device)
	elif model == TR181:
		summary.wan = wan_tr181(device)
		summary.lan = lan_tr181(device)
		summary.wifi = wifi_tr181(device)
		summary.optical = optical_tr181(device)
		summary.hosts = hosts_tr181(device)
	return summary


def wan_tr098(device: dict) -> list[Wan]:
	found = []
	for wan_device, _i in instances(device, "InternetGatewayDevice.WANDevice"):
		for conn_device, _j in instances(device, wan_device + "WANConnectionDevice"):
			for kind, obj in (("pppoe", "WANPPPConnection"), ("ip", "WANIPConnection")):
				for path, _k in instances(device, conn_device + obj):
					found.append(
						Wan(
							path=path,
							kind=kind,
							status=_str(value(device, path + "ConnectionStatus")),
							ip=_str(value(device, path + "ExternalIPAddress")),
							pppoe_username=_str(value(device, path + "Username"))
							if kind == "pppoe"
							else None,
							uptime_s=_int(value(device, path + "Uptime")),
							gateway=_str(
								value(device, path + "DefaultGateway")
								or value(device, path + "RemoteIPAddress")
							),
							dns=_str(value(device, path + "DNSServers")),
							mac=_mac(value(device, path + "MACAddress")),
						)
					)
	return found


def lan_tr098(device: dict) -> Lan | None:
	base = "InternetGatewayDevice.LANDevice.1.LANHostConfigManagement."
	if node(device, base) is None:
		return None
	return Lan(
		ip=_str(value(device, base + "IPInterface.1.IPInterfaceIPAddress")),
		subnet_mask=_str(
			value(device, base + "IPInterface.1.IPInterfaceSubnetMask") or value(device, base + "SubnetMask")
		),
		dhcp_enabled=_bool(value(device, base + "DHCPServerEnable")),
		dhcp_min=_str(value(device, base + "MinAddress")),
		dhcp_max=_str(value(device, base + "MaxAddress")),
	)


def wifi_tr098(device: dict) -> list[Wifi]:
	found = []
	for lan, _l in instances(device, "InternetGatewayDevice.LANDevice"):
		for path, _n in instances(device, lan + "WLANConfiguration"):
			channel = _int(value(device, path + "Channel"))
			clients = _int(value(device, path + "TotalAssociations"))
			if clients is None:
				clients = len(instances(device, path + "AssociatedDevice"))
			found.append(
				Wifi(
					path=path,
					ssid=_str(value(device, path + "SSID")),
					band=_band(value(device, path + "OperatingFrequencyBand"), channel),
					channel=channel,
					enabled=_bool(value(device, path + "Enable")),
					status=_str(value(device, path + "Status")),
					clients=clients,
					bssid=_mac(value(device, path + "BSSID")),
				)
			)
	return found


_RX_NAMES = ("RXPower", "RxPower", "RxOpticalPower", "OpticalSignalLevel", "RXPowerDbm")
_TX_NAMES = ("TXPower", "TxPower", "TxOpticalPower", "TransmitOpticalLevel", "TXPowerDbm")


def optical_tr098(device: dict) -> Optical | None:
	for wan_device, _i in instances(device, "InternetGatewayDevice.WANDevice"):
		obj = node(device, wan_device) or {}
		for name in obj:
			lowered = name.lower()
			if not isinstance(obj[name], dict) or not ("pon" in lowered or "optical" in lowered):
				continue
			path = f"{wan_device}{name}."
			rx = next(
				(value(device, path + n) for n in _RX_NAMES if value(device, path + n) is not None), None
			)
			tx = next(
				(value(device, path + n) for n in _TX_NAMES if value(device, path + n) is not None), None
			)
			if rx is None and tx is None:
				continue
			return Optical(
				path=path,
				rx_dbm=dbm(rx),
				tx_dbm=dbm(tx),
				status=_str(value(device, path + "Status") or value(device, path + "LinkStatus")),
			)
	return None


def hosts_tr098(device: dict) -> list[Host]:
	found = []
	for lan, _l in instances(device, "InternetGatewayDevice.LANDevice"):
		for path, _n in instances(device, lan + "Hosts.Host"):
			found.append(
				Host(
					mac=_mac(value(device, path + "MACAddress")),
					ip=_str(value(device, path + "IPAddress")),
					hostname=_str(value(device, path + "HostName")),
					active=_bool(value(device, path + "Active")),
					interface=_str(value(device, path + "InterfaceType")),
					source=_str(value(device, path + "AddressSource")),
				)
			)
	return found


def _lan_interface_tr181(device: dict) -> str | None:
	for path, _n in instances(device, "Device.DHCPv4.Server.Pool"):
		ref = _ref(value(device, path + "Interface"))
		if ref:
			return ref
	return None


def _ipv4(device: dict, interface: str) -> tuple[str | None, str | None]:
	for path, _n in instances(device, interface + ".IPv4Address"):
		ip = _str(value(device, path + "IPAddress"))
		if ip and _bool(value(device, path + "Enable")) is not False:
			return ip, _str(value(device, path + "SubnetMask"))
	return None, None


def wan_tr181(device: dict) -> list[Wan]:
	lan = _lan_interface_tr181(device)
	found = []
	for path, _n in instances(device, "Device.IP.Interface"):
		if path.rstrip(".") == lan or _bool(value(device, path + "Loopback")):
			continue
		if (_str(value(device, path + "Name")) or "").lower() in ("lo", "loopback"):
			continue
		lower = _ref(value(device, path + "LowerLayers"))
		ip, _mask = _ipv4(device, path.rstrip("."))
		ppp = lower + "." if lower.startswith("Device.PPP.Interface.") else None
		status_path = ppp or path
		status = _str(value(device, status_path + ("ConnectionStatus" if ppp else "Status")))
		is_up = (status or "").lower() in ("connected", "up")
		found.append(
			Wan(
				path=path,
				kind="pppoe" if ppp else "ip",
				status=status,
				ip=ip or (_str(value(device, ppp + "IPCP.LocalIPAddress")) if ppp else None),
				pppoe_username=_str(value(device, ppp + "Username")) if ppp else None,
				uptime_s=_int(value(device, status_path + "LastChange")) if is_up else None,
				gateway=_str(value(device, ppp + "IPCP.RemoteIPAddress")) if ppp else None,
				dns=_str(value(device, ppp + "IPCP.DNSServers")) if ppp else None,
			)
		)
	return found


def lan_tr181(device: dict) -> Lan | None:
	pools = instances(device, "Device.DHCPv4.Server.Pool")
	if not pools:
		return None
	pool = pools[0][0]
	interface = _ref(value(device, pool + "Interface"))
	ip, mask = _ipv4(device, interface) if interface else (None, None)
	return Lan(
		ip=ip,
		subnet_mask=mask or _str(value(device, pool + "SubnetMask")),
		dhcp_enabled=_bool(value(device, pool + "Enable")),
		dhcp_min=_str(value(device, pool + "MinAddress")),
		dhcp_max=_str(value(device, pool + "MaxAddress")),
	)


def wifi_tr181(device: dict) -> list[Wifi]:
	clients_by_ssid: dict[str, int] = {}
	for ap, _a in instances(device, "Device.WiFi.AccessPoint"):
		ssid_ref = _ref(value(device, ap + "SSIDReference"))
		count = _int(value(device, ap + "AssociatedDeviceNumberOfEntries"))
		if count is None:
			count = len(instances(device, ap + "AssociatedDevice"))
		clients_by_ssid[ssid_ref] = clients_by_ssid.get(ssid_ref, 0) + count
	found = []
	for path, _n in instances(device, "Device.WiFi.SSID"):
		radio = _ref(value(device, path + "LowerLayers"))
		channel = _int(value(device, radio + ".Channel")) if radio else None
		found.append(
			Wifi(
				path=path,
				ssid=_str(value(device, path + "SSID")),
				band=_band(value(device, radio + ".OperatingFrequencyBand") if radio else None, channel),
				channel=channel,
				enabled=_bool(value(device, path + "Enable")),
				status=_str(value(device, path + "Status")),
				clients=clients_by_ssid.get(path.rstrip("."), 0),
				bssid=_mac(value(device, path + "BSSID")),
			)
		)
	return found


def optical_tr181(device: dict) -> Optical | None:
	for path, _n in instances(device, "Device.Optical.Interface"):
		return Optical(
			path=path,
			rx_dbm=dbm(value(device, path + "OpticalSignalLevel")),
			tx_dbm=dbm(value(device, path + "TransmitOpticalLevel")),
			status=_str(value(device, path + "Status")),
		)
	return None


def hosts_tr181(device: dict) -> list[Host]:
	return [
		Host(
			mac=_mac(value(device, path + "PhysAddress")),
			ip=_str(value(device, path + "IPAddress")),
			hostname=_str(value(device, path + "HostName")),
			active=_bool(value(device, path + "Active")),
			interface=_ref(value(device, path + "Layer1Interface")) or None,
			source=_str(value(device, path + "AddressSource")),
		)
		for path, _n in instances(device, "Device.Hosts.Host")
	]
