"""GenieACS NBI client (the north-bound REST API, port 7557 by default).

Wire format (GenieACS 1.2 `lib/nbi.ts`, docs "API Reference"):

- `GET /devices/?query=<mongo JSON>&projection=<comma list>&limit=<n>` → a JSON array of device
  documents. A query on a parameter path compares its `_value`; `_id`, `_tags`, `_lastInform`,
  `_deviceId._SerialNumber` … are matched as they are.
- `POST /devices/<url-encoded id>/tasks?connection_request&timeout=<ms>` with a task body
  (`{"name": "refreshObject", "objectName": …}`, `{"name": "reboot"}`,
  `{"name": "setParameterValues", "parameterValues": [[path, value, xsd type], …]}`) →
  200 and the task when the device ran it within the timeout, 202 when it is queued (device offline
  or connection request refused); the task then runs at the next inform.
- `POST|DELETE /devices/<id>/tags/<tag>`; `PUT|DELETE /presets/<name>`; `DELETE /tasks/<id>`.

Live modem state is never stored: callers fetch on demand and summarize with `genieacs_summary`.
"""

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from gigafibre.equipment.identifiers import normalize_mac, normalize_serial
from gigafibre.errors import InvalidValue, ServiceError
from gigafibre.i18n import _
from gigafibre.network.http import JsonHttp

SERVICE = "GenieACS"

# Where a CPE reports the MAC a label carries (WAN side first, then LAN bridge), per data model.
# GenieACS queries have no wildcards, so the usual instances are listed (Huawei puts the internet
# PPPoE on WANConnectionDevice.2, TR-069 management on .1).
MAC_PATHS = (
	*(
		f"InternetGatewayDevice.WANDevice.1.WANConnectionDevice.{j}.{obj}.1.MACAddress"
		for j in (1, 2, 3)
		for obj in ("WANPPPConnection", "WANIPConnection")
	),
	"InternetGatewayDevice.LANDevice.1.LANEthernetInterfaceConfig.1.MACAddress",
	"Device.Ethernet.Interface.1.MACAddress",
	"Device.Ethernet.Link.1.MACAddress",
	"Device.Optical.Interface.1.X_MACAddress",
)

# Enough of each data model for a full summary (genieacs_summary), without the rest of the tree.
SUMMARY_PROJECTION = (
	"_id",
	"_deviceId",
	"_lastInform",
	"_lastBoot",
	"_tags",
	"InternetGatewayDevice.DeviceInfo",
	"InternetGatewayDevice.WANDevice",
	"InternetGatewayDevice.LANDevice",
	"Device.DeviceInfo",
	"Device.IP.Interface",
	"Device.PPP.Interface",
	"Device.DHCPv4.Server",
	"Device.WiFi",
	"Device.Optical",
	"Device.Hosts",
)

SET_TYPES = {bool: "xsd:boolean", int: "xsd:int", str: "xsd:string"}


@dataclass(frozen=True)
class TaskResult:
	device_id: str
	name: str
	task_id: str | None
	done: bool  # False: queued, runs at the device's next inform
	task: dict


class GenieAcsClient:
	def __init__(
		self,
		base_url: str,
		username: str | None = None,
		password: str | None = None,
		timeout: float = 10.0,
		retries: int = 2,
		backoff: float = 0.3,
		connection_request_timeout_ms: int = 3000,
	):
		self.http = JsonHttp(
			SERVICE,
			base_url,
			timeout=timeout,
			retries=retries,
			backoff=backoff,
			auth=(username, password or "") if username else None,
		)
		self.connection_request_timeout_ms = connection_request_timeout_ms

	# Lookup

	def find_devices(
		self, query: dict, projection: Iterable[str] | None = None, limit: int | None = None
	) -> list[dict]:
		params: list[tuple[str, Any]] = [("query", json.dumps(query, separators=(",", ":")))]
		if projection:
			params.append(("projection", ",".join(projection)))
		if limit:
			params.append(("limit", int(limit)))
		devices = self.http.json("GET", "/devices/", params=params)
		if not isinstance(devices, list):
			raise ServiceError(_("{0} sent an unexpected answer to a device search."), SERVICE)
		return devices

	def get_device(self, device_id: str, projection: Iterable[str] | None = None) -> dict | None:
		devices = self.find_devices({"_id": device_id}, projection, limit=1)
		return devices[0] if devices else None

	def device_by_serial(self, serial: str, projection: Iterable[str] | None = None) -> dict | None:
		serial = normalize_serial(serial)
		devices = self.find_devices({"_deviceId._SerialNumber": serial}, projection, limit=2)
		if len(devices) > 1:
			raise ServiceError(_("GenieACS has more than one device with serial number {0}."), serial)
		return devices[0] if devices else None

	def device_by_mac(self, mac: str, projection: Iterable[str] | None = None) -> dict | None:
		normal = normalize_mac(mac)
		if not normal:
			raise InvalidValue(_("MAC address is required."))
		# CPEs report MACs in either case; GenieACS compares strings exactly.
		forms = sorted({normal, normal.lower()})
		query = {"$or": [{path: form} for path in MAC_PATHS for form in forms]}
		devices = self.find_devices(query, projection, limit=2)
		if len(devices) > 1:
			raise ServiceError(_("GenieACS has more than one device with MAC address {0}."), normal)
		return devices[0] if devices else None

	def devices_by_tag(self, tag: str, projection: Iterable[str] | None = None) -> list[dict]:
		if not tag or not tag.strip():
			raise InvalidValue(_("Tag is required."))
		return self.find_devices({"_tags": tag.strip()}, projection)

	# Tasks

	def push_task(self, device_id: str, task: dict, connection_request: bool = True) -> TaskResult:
		if not device_id:
			raise InvalidValue(_("Device ID is required."))
		path = f"/devices/{quote(device_id, safe='')}/tasks"
		params: dict[str, Any] = {}
		wait = 0.0
		if connection_request:
			params = {"connection_request": "", "timeout": self.connection_request_timeout_ms}
			wait = self.connection_request_timeout_ms / 1000
		response = self.http.request(
			"POST", path, params=params, json=task, expect=(200, 202), timeout=self.http.timeout + wait
		)
		try:
			body = response.json() if response.content else {}
		except ValueError:
			body = {}
		return TaskResult(
			device_id=device_id,
			name=task.get("name", ""),
			task_id=(body or {}).get("_id"),
			done=response.status_code == 200,
			task=body or {},
		)

	def refresh(self, device_id: str, object_name: str = "", connection_request: bool = True) -> TaskResult:
		return self.push_task(
			device_id, {"name": "refreshObject", "objectName": object_name}, connection_request
		)

	def reboot(self, device_id: str, connection_request: bool = True) -> TaskResult:
		return self.push_task(device_id, {"name": "reboot"}, connection_request)

	def set_parameter_values(
		self,
		device_id: str,
		values: Sequence[tuple[str, Any] | tuple[str, Any, str]],
		connection_request: bool = True,
	) -> TaskResult:
		"""`values`: (path, value) or (path, value, xsd type); the type defaults from the Python value."""
		if not values:
			raise InvalidValue(_("No parameter to set."))
		triples = []
		for item in values:
			path, value = item[0], item[1]
			if not path or path.endswith("."):
				raise InvalidValue(_("Parameter path {0} is not valid."), path)
			xsd = item[2] if len(item) > 2 else SET_TYPES.get(type(value), "xsd:string")
			triples.append([path, value, xsd])
		return self.push_task(
			device_id, {"name": "setParameterValues", "parameterValues": triples}, connection_request
		)

	def delete_task(self, task_id: str) -> None:
		self.http.request("DELETE", f"/tasks/{quote(task_id, safe='')}", expect=(200, 404))

	# Tags and presets

	def add_tag(self, device_id: str, tag: str) -> None:
		self.http.request("POST", f"/devices/{quote(device_id, safe='')}/tags/{quote(tag, safe='')}")

	def remove_tag(self, device_id: str, tag: str) -> None:
		self.http.request("DELETE", f"/devices/{quote(device_id, safe='')}/tags/{quote(tag, safe='')}")

	def put_preset(self, name: str, preset: dict) -> None:
		if not name:
			raise InvalidValue(_("Preset name is required."))
		self.http.request("PUT", f"/presets/{quote(name, safe='')}", json=preset)

	def delete_preset(self, name: str) -> None:
		self.http.request("DELETE", f"/presets/{quote(name, safe='')}", expect=(200, 404))

	def close(self) -> None:
		self.http.close()
