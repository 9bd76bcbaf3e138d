"""Oktopus (USP controller) REST client: devices and pre-authorization.

Wire format, from the controller's router (`backend/services/controller/internal/api`):

- `PUT /api/auth/login` `{"email", "password"}` → a JSON string, the JWT; later requests send it
  as is in `Authorization` (no "Bearer"). An expired token answers 401: we log in again, once.
- `GET /api/device?page_number=<n>&page_size=<≤50>` → `{"pages", "page", "size", "devices": [...]}`;
  `GET /api/device?id=<serial>` → one device. A device carries `SN`, `Model`, `Vendor`, `Version`,
  `ProductClass`, `Alias`, `Status` (0 offline, 1 associating, 2 online) and one status per MTP
  (`Mqtt`, `Stomp`, `Websockets`, `Cwmp`).
- A USP message to one device: `PUT /api/device/<sn>/<mtp>/<set|operate|add|del|get>` with the
  message as JSON (the protobuf field names: `{"allow_partial", "update_objs": [{"obj_path",
  "param_settings": [{"param", "value", "required"}]}]}` for a Set, `{"command", "command_key",
  "send_resp", "input_args"}` for an Operate); `<mtp>` is `mqtt`, `ws`, `stomp` or `any` (the one
  the device is online on). → 200 and the device's response as JSON; 503 "Device is offline", 504
  "usp message response timeout" when it did not answer, 400 for an unknown MTP.
- Pre-authorization is the MQTT broker's device credential store (admin users only):
  `POST /api/device/auth` `{"id": <MQTT username>, "password"}` → 200, 409 when the id exists;
  `GET /api/device/auth?id=` → `{id: password}` or 404; `DELETE /api/device/auth?id=`.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import quote

from gigafibre.errors import InvalidValue, ServiceError
from gigafibre.i18n import _
from gigafibre.network.http import JsonHttp

SERVICE = "Oktopus"
PAGE_SIZE_LIMIT = 50
STATUS = {0: "offline", 1: "associating", 2: "online"}
DEVICE_COMMANDS = ("set", "operate", "add", "del", "get")
# How long the controller may wait for the device's answer on top of the client's timeout.
DEVICE_ANSWER_S = 20.0


@dataclass(frozen=True)
class DevicePage:
	devices: list[dict]
	page: int
	pages: int
	size: int


def device_status(device: dict) -> str:
	return STATUS.get(device.get("Status"), "unknown")


class OktopusClient:
	def __init__(
		self,
		base_url: str,
		email: str,
		password: str,
		timeout: float = 10.0,
		retries: int = 2,
		backoff: float = 0.3,
	):
		if not (email and password):
			raise ServiceError(_("Oktopus is not configured: set the API user's email and password."))
		self.http = JsonHttp(SERVICE, base_url, timeout=timeout, retries=retries, backoff=backoff)
		self._email = email
		self._password = password
		self._token: str | None = None

	def login(self) -> str:
		try:
			token = self.http.json(
				"PUT", "/api/auth/login", json={"email": self._email, "password": self._password}
			)
		except ServiceError as err:
			if getattr(err, "status", None) == 401:
				raise ServiceError(_("Oktopus refused the API user's email or password.")) from err
			raise
		if not isinstance(token, str) or not token:
			raise ServiceError(_("{0} sent an unexpected answer to the login."), SERVICE)
		self._token = token
		return token

	def _call(self, method: str, path: str, **kw):
		if not self._token:
			self.login()
		try:
			return self.http.request(method, path, headers={"Authorization": self._token}, **kw)
		except ServiceError as err:
			if getattr(err, "status", None) != 401:
				raise
		self.login()  # the token expired: once more with a fresh one
		return self.http.request(method, path, headers={"Authorization": self._token}, **kw)

	# Devices

	def devices(self, page: int = 0, size: int = PAGE_SIZE_LIMIT) -> DevicePage:
		size = max(1, min(int(size), PAGE_SIZE_LIMIT))
		body = self._call("GET", "/api/device", params={"page_number": int(page), "page_size": size}).json()
		if not isinstance(body, dict) or not isinstance(body.get("devices"), list | None):
			raise ServiceError(_("{0} sent an unexpected answer to a device list."), SERVICE)
		return DevicePage(
			devices=body.get("devices") or [],
			page=int(body.get("page") or 0),
			pages=int(body.get("pages") or 0),
			size=int(body.get("size") or size),
		)

	def iter_devices(self, size: int = PAGE_SIZE_LIMIT, max_pages: int = 1000) -> Iterator[dict]:
		for number in range(max_pages):
			page = self.devices(number, size)
			yield from page.devices
			if not page.devices or number >= page.pages:
				return

	def device(self, serial: str) -> dict | None:
		if not serial or not serial.strip():
			raise InvalidValue(_("Serial number is required."))
		response = self._call("GET", "/api/device", params={"id": serial.strip()}, expect=(200, 404))
		if response.status_code == 404 or not response.content:
			return None
		body = response.json()
		return body if isinstance(body, dict) and body.get("SN") else None

	def device_message(self, serial: str, command: str, body: dict, mtp: str = "any") -> tuple[int, object]:
		"""One USP message to a device through the controller: (HTTP status, the device's answer).
		A device offline (503) or silent (504) raises a retryable `ServiceError`."""
		if not serial or not serial.strip():
			raise InvalidValue(_("Serial number is required."))
		if command not in DEVICE_COMMANDS:
			raise InvalidValue(_("Unknown Oktopus command {0}."), command)
		path = f"/api/device/{quote(serial.strip(), safe='')}/{quote(mtp or 'any', safe='')}/{command}"
		response = self._call("PUT", path, json=body, timeout=self.http.timeout + DEVICE_ANSWER_S)
		try:
			answer = response.json() if response.content else None
		except ValueError:
			answer = response.text[:2000]
		return response.status_code, answer

	# Pre-authorization (MQTT device credentials)

	def preauthorize(self, device_id: str, password: str, exist_ok: bool = False) -> bool:
		"""True when created; False when it already existed and `exist_ok` (its password is kept)."""
		if not device_id or not password:
			raise InvalidValue(_("A device ID and a password are required to pre-authorize a device."))
		response = self._call(
			"POST", "/api/device/auth", json={"id": device_id, "password": password}, expect=(200, 201, 409)
		)
		if response.status_code == 409:
			if exist_ok:
				return False
			raise ServiceError(_("Oktopus already has credentials for device {0}."), device_id)
		return True

	def is_preauthorized(self, device_id: str) -> bool:
		response = self._call("GET", "/api/device/auth", params={"id": device_id}, expect=(200, 404))
		return response.status_code == 200

	def revoke(self, device_id: str) -> None:
		self._call("DELETE", "/api/device/auth", params={"id": device_id}, expect=(200, 204, 404))

	def close(self) -> None:
		self.http.close()
