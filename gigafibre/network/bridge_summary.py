"""Modem bridge readings in the device summary. Pure functions: which devices go through the bridge,
the address the bridge opens, the TR-181 paths it reads, and how its values join the summary.

- Which devices: the summary's `model` (GenieACS `_ProductClass`, e.g. "XX230v") is one of the
  lines of Gigafibre Settings `modem_bridge_models` (case-insensitive; blank lines and lines
  starting with # are ignored).
- Which address: `http://<WAN IP>/`, the primary WAN's address from the GenieACS summary. GenieACS
  knows no other address of the modem: its LAN address (192.168.x.1) is the same at every customer
  and unreachable from our network. This assumes the modem's web UI answers on its WAN side for
  the bridge's source address (remote management, restricted to the bridge by the firmware
  profile) over plain HTTP; the XX230v redirects to its self-signed HTTPS page itself, and the
  bridge ignores certificate errors. No WAN address → no call (the summary says why).
- Which paths: the TR-181 leaves the summary reads (device info, optical, Wi-Fi SSIDs, radios and
  access points), for the instances GenieACS lists, or instance 1 and 2 when it lists none.
- The merge: the raw values go under `bridge`; summary fields GenieACS left empty are filled from
  a summary of the GenieACS document with the bridge's values laid over it (`merge_values`).
  GenieACS's own values are kept otherwise (they are what ops compare across devices); a Wi-Fi
  client count of 0 counts as empty (GenieACS shows 0 when it has no reading). The names of the
  filled fields go in `bridge_filled`.
"""

import ipaddress
from typing import Any

from gigafibre.network.genieacs_summary import instances, merge_values, summarize

DEVICE_INFO = ("Device.DeviceInfo.SoftwareVersion", "Device.DeviceInfo.UpTime")
LEAVES = {
	"Device.Optical.Interface": ("OpticalSignalLevel", "TransmitOpticalLevel", "Status"),
	"Device.WiFi.SSID": ("SSID", "Enable", "Status", "LowerLayers", "BSSID"),
	"Device.WiFi.Radio": ("Channel", "OperatingFrequencyBand"),
	"Device.WiFi.AccessPoint": ("SSIDReference", "AssociatedDeviceNumberOfEntries"),
}
DEFAULT_INSTANCES = {"Device.Optical.Interface": ("1",)}
SCALARS = ("serial", "software_version", "uptime_s")
WIFI_FIELDS = ("ssid", "band", "channel", "enabled", "status", "bssid")
OPTICAL_FIELDS = ("rx_dbm", "tx_dbm", "status")


def bridge_models(text: str | None) -> frozenset[str]:
	"""The models of the setting, lower-cased."""
	lines = (line.strip() for line in (text or "").splitlines())
	return frozenset(line.lower() for line in lines if line and not line.startswith("#"))


def uses_bridge(model: str | None, models_text: str | None) -> bool:
	return bool(model) and model.strip().lower() in bridge_models(models_text)


def modem_url(summary: dict) -> str | None:
	"""http://<primary WAN IP>/ (IPv6 in brackets), or None when GenieACS has no valid address."""
	wan = summary.get("primary_wan") or {}
	raw = (wan.get("ip") or "").strip()
	try:
		address = ipaddress.ip_address(raw)
	except ValueError:
		return None
	if address.is_unspecified or address.is_multicast:
		return None
	host = f"[{address}]" if address.version == 6 else str(address)
	return f"http://{host}/"


def bridge_paths(device: dict | None) -> list[str]:
	"""The TR-181 paths to ask the bridge for, in a stable order."""
	paths = list(DEVICE_INFO)
	for base, leaves in LEAVES.items():
		numbers = [n for _path, n in instances(device or {}, base)]
		for number in numbers or DEFAULT_INSTANCES.get(base, ("1", "2")):
			paths.extend(f"{base}.{number}.{leaf}" for leaf in leaves)
	return paths


def _empty(value: Any) -> bool:
	return value is None or value == "" or value == []


def merge_bridge(summary: dict, device: dict | None, values: dict[str, Any]) -> dict:
	"""A copy of `summary` with the bridge's `values` under `bridge` and GenieACS's gaps filled."""
	out = dict(summary)
	out["bridge"] = dict(values)
	filled: list[str] = []
	out["bridge_filled"] = filled
	if not values:
		return out
	bridged = summarize(merge_values(device, values)).to_dict()
	for key in SCALARS:
		if _empty(out.get(key)) and not _empty(bridged.get(key)):
			out[key] = bridged[key]
			filled.append(key)

	theirs = bridged.get("optical")
	if theirs:
		ours = out.get("optical")
		if not ours:
			out["optical"] = theirs
			filled.append("optical")
		else:
			ours = dict(ours)
			for key in OPTICAL_FIELDS:
				if _empty(ours.get(key)) and not _empty(theirs.get(key)):
					ours[key] = theirs[key]
					filled.append(f"optical.{key}")
			out["optical"] = ours

	by_path = {w["path"]: w for w in bridged.get("wifi") or []}
	wifi = []
	for ours in out.get("wifi") or []:
		ours = dict(ours)
		theirs = by_path.pop(ours.get("path"), None)
		if theirs:
			for key in WIFI_FIELDS:
				if _empty(ours.get(key)) and not _empty(theirs.get(key)):
					ours[key] = theirs[key]
					filled.append(f"{ours['path']}{key}")
			if not ours.get("clients") and theirs.get("clients"):
				ours["clients"] = theirs["clients"]
				filled.append(f"{ours['path']}clients")
		wifi.append(ours)
	for theirs in by_path.values():  # SSIDs GenieACS does not list at all
		if _empty(theirs.get("ssid")):
			continue
		wifi.append(theirs)
		filled.append(theirs["path"])
	out["wifi"] = wifi
	return out
