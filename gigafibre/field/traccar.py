"""Traccar client: REST (session, devices, latest positions, route report) and the live WebSocket.

Wire format, from Traccar's published API (openapi.yaml) and its server (`org.traccar.api`):

- `POST /api/session`, form `email` + `password` → 200 and the User as JSON, with the session in a
  `JSESSIONID` cookie; 401 for wrong credentials. `GET /api/session?token=<token>` opens the same
  session from a user's API token. Every other call needs the cookie (401 without it, or once the
  server forgot the session, e.g. after a restart: we log in again, once).
- `GET /api/devices` → `[{id, name, uniqueId, status, lastUpdate, positionId, …}]`.
- `GET /api/positions` → the latest position of each of the user's devices:
  `[{id, deviceId, fixTime, deviceTime, serverTime, valid, latitude, longitude, speed (knots),
  course, accuracy, attributes, …}]`, dates ISO 8601 (`2026-12-02T14:03:11.000+00:00`).
- `GET /api/reports/route?deviceId=<id>&from=<ISO>&to=<ISO>` with `Accept: application/json` → the
  device's positions in the period (the same objects; `Accept` decides JSON vs. Excel).
- `GET /api/socket` (WebSocket, the session cookie in the upgrade request): the server sends JSON
  text messages, `{"positions": [...]}` (first the latest of every device, then each new one),
  `{"devices": [...]}`, `{"events": [...]}`, and `{}` as a keepalive.

Failures become a `ServiceError` naming Traccar, `retryable` for timeouts, unreachable servers, 429
and 5xx. Speeds are converted to km/h here; times are timezone-aware UTC datetimes.
"""

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timezone
from urllib.parse import urlsplit, urlunsplit

from gigafibre.errors import InvalidValue, ServiceError
from gigafibre.field.positions import iso_utc
from gigafibre.i18n import _
from gigafibre.network.http import JsonHttp

SERVICE = "Traccar"
KNOT_KMH = 1.852
SESSION_COOKIE = "JSESSIONID"


@dataclass(frozen=True)
class Position:
	id: int | None
	device_id: int
	latitude: float
	longitude: float
	at: datetime  # the fix time, UTC
	speed_kmh: float | None
	server_time: datetime | None = None


def parse_time(value) -> datetime | None:
	"""Traccar's ISO 8601 dates (`…T14:03:11.000+00:00`, `…Z`) as aware UTC datetimes."""
	if not value or not isinstance(value, str):
		return None
	text = value.strip()
	if text.endswith("Z"):
		text = text[:-1] + "+00:00"
	try:
		moment = datetime.fromisoformat(text)
	except ValueError:
		return None
	if moment.tzinfo is None:
		moment = moment.replace(tzinfo=timezone.utc)
	return moment.astimezone(timezone.utc)


def parse_position(item: object) -> Position | None:
	"""A Position from one of Traccar's position objects; None when it has no usable fix."""
	if not isinstance(item, dict):
		return None
	try:
		device_id = int(item["deviceId"])
		lat, lon = float(item["latitude"]), float(item["longitude"])
	except (KeyError, TypeError, ValueError):
		return None
	if not (-90 <= lat <= 90 and -180 <= lon <= 180) or (lat == 0 and lon == 0):
		return None  # no fix yet: Traccar reports 0, 0
	at = (
		parse_time(item.get("fixTime"))
		or parse_time(item.get("deviceTime"))
		or parse_time(item.get("serverTime"))
	)
	if at is None:
		return None
	speed = item.get("speed")
	try:
		speed_kmh = round(float(speed) * KNOT_KMH, 1) if speed is not None else None
	except (TypeError, ValueError):
		speed_kmh = None
	position_id = item.get("id")
	return Position(
		id=int(position_id) if isinstance(position_id, int) else None,
		device_id=device_id,
		latitude=lat,
		longitude=lon,
		at=at,
		speed_kmh=speed_kmh,
		server_time=parse_time(item.get("serverTime")),
	)


def parse_positions(items: object) -> list[Position]:
	if not isinstance(items, list):
		return []
	return [p for p in (parse_position(i) for i in items) if p is not None]


class TraccarClient:
	def __init__(
		self,
		base_url: str,
		email: str | None = None,
		password: str | None = None,
		token: str | None = None,
		timeout: float = 10.0,
		retries: int = 2,
		backoff: float = 0.3,
	):
		if not (token or (email and password)):
			raise ServiceError(
				_("Traccar is not configured: set the user's email and password (or an API token).")
			)
		self.http = JsonHttp(SERVICE, base_url, timeout=timeout, retries=retries, backoff=backoff)
		self.timeout = timeout
		self._email, self._password, self._token = email, password, token
		self._logged_in = False

	# Session

	def login(self) -> dict:
		self.http.session.cookies.clear()
		try:
			if self._token:
				user = self.http.json("GET", "/api/session", params={"token": self._token})
			else:
				user = self.http.json(
					"POST",
					"/api/session",
					data={"email": self._email, "password": self._password},
					headers={"Accept": "application/json"},
				)
		except ServiceError as err:
			if getattr(err, "status", None) in (400, 401, 404):
				raise ServiceError(_("Traccar refused the user's email and password (or token).")) from err
			raise
		if not self.session_cookie():
			raise ServiceError(_("{0} sent no session cookie after the login."), SERVICE, retryable=True)
		self._logged_in = True
		return user if isinstance(user, dict) else {}

	def session_cookie(self) -> str | None:
		return self.http.session.cookies.get(SESSION_COOKIE)

	def _get(self, path: str, params=None):
		if not self._logged_in:
			self.login()
		headers = {"Accept": "application/json"}
		try:
			return self.http.json("GET", path, params=params, headers=headers)
		except ServiceError as err:
			if getattr(err, "status", None) != 401:
				raise
		self.login()  # the server forgot the session (restart, expiry): once more with a new one
		return self.http.json("GET", path, params=params, headers=headers)

	# REST

	def devices(self) -> list[dict]:
		body = self._get("/api/devices")
		if not isinstance(body, list):
			raise ServiceError(_("{0} sent an unexpected answer to a device list."), SERVICE)
		return [d for d in body if isinstance(d, dict) and "id" in d]

	def positions(self) -> list[Position]:
		"""The latest position of each device."""
		body = self._get("/api/positions")
		if not isinstance(body, list):
			raise ServiceError(_("{0} sent an unexpected answer to a position list."), SERVICE)
		return parse_positions(body)

	def route(self, device_id: int, start: datetime, end: datetime) -> list[Position]:
		"""A device's positions between `start` and `end` (aware datetimes), oldest first."""
		if start.tzinfo is None or end.tzinfo is None:
			raise InvalidValue(_("A period needs dates with a time zone."))
		if end <= start:
			raise InvalidValue(_("The end of the period must come after its start."))
		body = self._get(
			"/api/reports/route",
			params=[("deviceId", int(device_id)), ("from", iso_utc(start)), ("to", iso_utc(end))],
		)
		if not isinstance(body, list):
			raise ServiceError(_("{0} sent an unexpected answer to a route report."), SERVICE)
		return sorted(parse_positions(body), key=lambda p: p.at)

	# Live

	def socket_url(self) -> str:
		parts = urlsplit(self.http.base_url)
		scheme = "wss" if parts.scheme == "https" else "ws"
		return urlunsplit((scheme, parts.netloc, parts.path.rstrip("/") + "/api/socket", "", ""))

	def socket(self, ping_interval: float | None = 20.0) -> "TraccarSocket":
		"""The live socket, opened with this session (logging in first when needed)."""
		if not self._logged_in:
			self.login()
		try:
			return TraccarSocket(self.socket_url(), self.session_cookie(), self.timeout, ping_interval)
		except ServiceError as err:
			if getattr(err, "status", None) != 401:
				raise
		self.login()
		return TraccarSocket(self.socket_url(), self.session_cookie(), self.timeout, ping_interval)

	def close(self) -> None:
		self.http.close()


@dataclass(frozen=True)
class Update:
	"""One message of the live socket."""

	positions: list[Position]
	devices: list[dict]
	events: list[dict]


def parse_update(text: str | bytes) -> Update:
	try:
		body = json.loads(text)
	except ValueError as err:
		raise ServiceError(_("{0} sent a live message that is not JSON."), SERVICE, retryable=True) from err
	if not isinstance(body, dict):
		body = {}
	devices = body.get("devices") if isinstance(body.get("devices"), list) else []
	events = body.get("events") if isinstance(body.get("events"), list) else []
	return Update(parse_positions(body.get("positions")), devices, events)


class TraccarSocket:
	"""Traccar's `/api/socket`, through websockets' sync client. `receive(timeout)` answers the
	next Update, or None when nothing came within `timeout`; a lost connection raises a retryable
	`ServiceError`."""

	def __init__(self, url: str, cookie: str | None, timeout: float, ping_interval: float | None = 20.0):
		from websockets.exceptions import InvalidStatus, WebSocketException
		from websockets.sync.client import connect

		options = {
			"additional_headers": {"Cookie": f"{SESSION_COOKIE}={cookie}"} if cookie else None,
			"open_timeout": timeout,
			"close_timeout": min(timeout, 5.0),
			"max_size": 8 * 1024 * 1024,  # the first message holds every device's position
			"compression": None,
			# keepalive pings (websockets >= 14) and no proxy from the environment (>= 15)
			"ping_interval": ping_interval,
			"ping_timeout": ping_interval,
			"proxy": None,
		}
		accepted = _connect_parameters(connect)
		try:
			self.connection = connect(url, **{k: v for k, v in options.items() if k in accepted})
		except InvalidStatus as err:
			status = err.response.status_code
			error = ServiceError(
				_("{0} refused the live connection: HTTP {1}"), SERVICE, status, retryable=status != 403
			)
			error.status = status
			raise error from err
		except TimeoutError as err:
			raise ServiceError(
				_("{0} did not answer within {1} s."), SERVICE, timeout, retryable=True
			) from err
		except (OSError, WebSocketException) as err:
			raise ServiceError(_("{0} could not be reached: {1}"), SERVICE, str(err), retryable=True) from err

	def receive(self, timeout: float | None) -> Update | None:
		from websockets.exceptions import ConnectionClosed

		try:
			text = self.connection.recv(timeout=timeout)
		except TimeoutError:
			return None
		except (ConnectionClosed, OSError) as err:
			raise ServiceError(_("{0} closed the live connection."), SERVICE, retryable=True) from err
		return parse_update(text)

	def close(self) -> None:
		try:
			self.connection.close()
		except Exception:
			pass

	def __enter__(self) -> "TraccarSocket":
		return self

	def __exit__(self, *exc) -> None:
		self.close()


def _connect_parameters(connect) -> frozenset[str]:
	import inspect

	return frozenset(inspect.signature(connect).parameters)


def device_index(devices: Iterable[dict]) -> dict[str, int]:
	"""Traccar's numeric id for each way a technician's `traccar_device_id` may name a device: its
	unique identifier (IMEI, or the phone app's identifier — what Traccar's screens show), else its
	numeric id. An identifier that is also another device's numeric id means the identifier."""
	devices = list(devices)
	index: dict[str, int] = {}
	for device in devices:
		try:
			index[str(int(device["id"]))] = int(device["id"])
		except (KeyError, TypeError, ValueError):
			continue
	for device in devices:
		try:
			device_id = int(device["id"])
		except (KeyError, TypeError, ValueError):
			continue
		if device.get("uniqueId"):
			index[str(device["uniqueId"]).strip()] = device_id
	return index
