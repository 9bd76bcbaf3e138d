"""Oktopus MQTT worker: device online / offline / heartbeat messages → `DeviceEvent`s for a callback.

Topics, as Oktopus's MQTT broker (`backend/services/mtp/mochi`) and USP agents use them:

- `oktopus/usp/v1/status/<device id>`: payload `1` when a device subscribes to its agent topic
  (online), `0` from its will or when it disconnects (offline). `online`/`offline` text and a JSON
  body `{"status": "online"|"offline"|1|0}` are accepted as well.
- `oktopus/usp/v1/controller[/<device id>]` and `oktopus/usp/v1/api/<device id>`: USP Records an
  agent sends to the controller (Notify, periodic events, responses). Any of them proves the device
  is alive: a heartbeat. The endpoint id is read from the record's `from_id` (protobuf field 3),
  without decoding the rest.

`parse_message(topic, payload)` is pure. `OktopusMqttWorker` runs paho-mqtt 2.x's network loop in
a background thread (`start`/`stop`) or in the foreground (`run_forever`, for a long-lived bench
worker stopped by SIGTERM), reconnects with exponential backoff (paho's `reconnect_delay_set`),
subscribes again after each reconnection, and never lets a failing callback stop the loop.

Nothing published while the worker is away is lost: given a fixed `client_id` (the bench command
derives one from the site), the worker keeps a persistent session on the broker — MQTT 5 with
`clean_start` off and a session expiry (`session_expiry`, default a day), or MQTT 3.1.1 with
`clean_session` off — and subscribes at QoS 1, so the broker queues every QoS 1 device message
while the worker is disconnected (broker restart, network cut, worker restart) and delivers it on
reconnection. Without a `client_id` it is a throwaway clean session (tests, one-off tools).

`on_state(state)` (optional) receives `state()` — connected flag, last message time, counters — on
each connection and disconnection and every `state_every` seconds, from the worker's threads: it
must not need the caller's thread (the bench shell writes it to Redis, see
`gigafibre.network.device_events.worker_status`).
"""

import json
import logging
import signal
import ssl
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from gigafibre.errors import ServiceError
from gigafibre.i18n import _

log = logging.getLogger(__name__)

ONLINE = "online"
OFFLINE = "offline"
HEARTBEAT = "heartbeat"
DEFAULT_PREFIX = "oktopus/usp/v1"
# How long the broker keeps the worker's session (and queues its messages) while it is away.
SESSION_EXPIRY = 24 * 3600


@dataclass(frozen=True)
class DeviceEvent:
	kind: str  # online | offline | heartbeat
	device_id: str  # MQTT username / USP endpoint id ("os::00D09E-2237A8M000123")
	serial: str | None
	topic: str
	at: datetime = field(default_factory=lambda: datetime.now(timezone.utc))


def serial_from_endpoint(endpoint_id: str) -> str | None:
	"""The serial of a USP endpoint id `<authority scheme>::<OUI>-[<ProductClass>-]<SerialNumber>`."""
	ident = endpoint_id.split("::", 1)[-1]
	if "-" not in ident:
		return ident or None
	return ident.rsplit("-", 1)[-1] or None


def usp_record_from_id(payload: bytes) -> str | None:
	"""`from_id` (field 3, a string) of a USP Record in protobuf wire format, or None."""
	i, end = 0, len(payload)

	def varint() -> int:
		nonlocal i
		shift = result = 0
		while i < end:
			byte = payload[i]
			i += 1
			result |= (byte & 0x7F) << shift
			if not byte & 0x80:
				return result
			shift += 7
			if shift > 63:
				break
		raise ValueError("bad varint")

	try:
		while i < end:
			key = varint()
			number, wire = key >> 3, key & 7
			if wire == 0:
				varint()
			elif wire == 2:
				length = varint()
				if i + length > end:
					return None
				if number == 3:
					return payload[i : i + length].decode("utf-8") or None
				i += length
			elif wire == 1:
				i += 8
			elif wire == 5:
				i += 4
			else:
				return None
	except (ValueError, UnicodeDecodeError):
		return None
	return None


def _status_kind(payload: bytes) -> str | None:
	text = payload.decode("utf-8", "replace").strip()
	value: object = text
	if text.startswith("{"):
		try:
			value = json.loads(text).get("status")
		except (ValueError, AttributeError):
			return None
	normal = str(value).strip().lower()
	if normal in ("1", "online", "true", "connected"):
		return ONLINE
	if normal in ("0", "offline", "false", "disconnected"):
		return OFFLINE
	return None


def parse_message(topic: str, payload: bytes, prefix: str = DEFAULT_PREFIX) -> DeviceEvent | None:
	"""The event a message means, or None when it means nothing we track."""
	prefix = prefix.rstrip("/")
	if not topic.startswith(prefix + "/"):
		return None
	rest = topic[len(prefix) + 1 :].split("/")
	kind_topic, device_part = rest[0], "/".join(rest[1:])
	if kind_topic == "status" and device_part:
		kind = _status_kind(payload)
		return DeviceEvent(kind, device_part, serial_from_endpoint(device_part), topic) if kind else None
	if kind_topic in ("controller", "api"):
		device_id = usp_record_from_id(payload) or device_part
		if not device_id:
			return None
		return DeviceEvent(HEARTBEAT, device_id, serial_from_endpoint(device_id), topic)
	return None


class OktopusMqttWorker:
	def __init__(
		self,
		on_event: Callable[[DeviceEvent], None],
		host: str,
		port: int = 1883,
		username: str | None = None,
		password: str | None = None,
		tls: bool | ssl.SSLContext = False,
		prefix: str = DEFAULT_PREFIX,
		client_id: str | None = None,
		keepalive: int = 30,
		reconnect_min: float = 1,
		reconnect_max: float = 60,
		connect_timeout: float = 10,
		session_expiry: int = SESSION_EXPIRY,
		mqtt_version: int = 5,
		on_state: Callable[[dict], None] | None = None,
		state_every: float = 15,
	):
		if not host:
			raise ServiceError(_("The Oktopus MQTT broker is not configured: set its host."))
		self.on_event = on_event
		self.on_state = on_state
		self.state_every = state_every
		self.host, self.port, self.keepalive = host, int(port), keepalive
		self.prefix = prefix.rstrip("/")
		# QoS 1 everywhere: with a persistent session the broker queues these while we are away.
		self.topics: list[tuple[str, int]] = [
			(f"{self.prefix}/status/+", 1),
			(f"{self.prefix}/controller", 1),
			(f"{self.prefix}/controller/+", 1),
			(f"{self.prefix}/api/+", 1),
		]
		self.persistent = bool(client_id)
		self.client_id = client_id or f"gigafibre-{uuid.uuid4().hex[:12]}"
		self.session_expiry = int(session_expiry)
		self.mqtt_version = mqtt_version
		self.connected = threading.Event()
		self.connections = 0  # successful CONNACKs, reconnections included
		self.session_resumed = 0  # CONNACKs whose session the broker had kept
		self.events_delivered = 0
		self.callback_errors = 0
		self.last_message_at: datetime | None = None
		self.connected_at: datetime | None = None
		self.disconnected_at: datetime | None = None
		self._state_lock = threading.Lock()
		self._stopping = threading.Event()
		self._foreground = False
		self._state_thread: threading.Thread | None = None
		if mqtt_version == 5:
			self.client = mqtt.Client(
				CallbackAPIVersion.VERSION2, client_id=self.client_id, protocol=mqtt.MQTTv5
			)
		else:
			self.client = mqtt.Client(
				CallbackAPIVersion.VERSION2,
				client_id=self.client_id,
				clean_session=not self.persistent,
				protocol=mqtt.MQTTv311,
			)
		if username:
			self.client.username_pw_set(username, password)
		if tls:
			self.client.tls_set_context(
				tls if isinstance(tls, ssl.SSLContext) else ssl.create_default_context()
			)
		self.client.reconnect_delay_set(
			min_delay=max(1, int(reconnect_min)), max_delay=max(1, int(reconnect_max))
		)
		self.client.connect_timeout = connect_timeout
		self.client.on_connect = self._on_connect
		self.client.on_disconnect = self._on_disconnect
		self.client.on_message = self._on_message

	def state(self) -> dict:
		"""What the health page shows: connected or not, since when, and the last message's time."""

		def iso(value):
			return value.isoformat() if value else None

		return {
			"connected": self.connected.is_set(),
			"client_id": self.client_id,
			"persistent_session": self.persistent,
			"broker": f"{self.host}:{self.port}",
			"last_message_at": iso(self.last_message_at),
			"connected_at": iso(self.connected_at),
			"disconnected_at": iso(self.disconnected_at),
			"connections": self.connections,
			"events_delivered": self.events_delivered,
			"callback_errors": self.callback_errors,
			"updated_at": datetime.now(timezone.utc).isoformat(),
		}

	def _report_state(self) -> None:
		if self.on_state is None:
			return
		# One report at a time, taken and delivered under the lock: a periodic report taken just
		# before a disconnection can otherwise land after it and leave "connected" as the last word.
		try:
			with self._state_lock:
				self.on_state(self.state())
		except Exception:  # the health record must never stop the worker
			log.exception("Oktopus MQTT: could not record the worker state")

	def _state_loop(self) -> None:
		while not self._stopping.wait(self.state_every):
			self._report_state()

	def _start_state_thread(self) -> None:
		if self.on_state is not None and not (self._state_thread and self._state_thread.is_alive()):
			self._state_thread = threading.Thread(target=self._state_loop, daemon=True)
			self._state_thread.start()

	def _connect_async(self) -> None:
		if self.mqtt_version == 5:
			properties = None
			if self.persistent:
				properties = Properties(PacketTypes.CONNECT)
				properties.SessionExpiryInterval = self.session_expiry
			self.client.connect_async(
				self.host,
				self.port,
				keepalive=self.keepalive,
				clean_start=not self.persistent,
				properties=properties,
			)
		else:
			self.client.connect_async(self.host, self.port, keepalive=self.keepalive)

	# paho callbacks (network thread)

	def _on_connect(self, client, userdata, flags, reason_code, properties):
		if reason_code.is_failure:
			log.warning("Oktopus MQTT: connection refused by %s:%s: %s", self.host, self.port, reason_code)
			return
		self.connections += 1
		resumed = bool(getattr(flags, "session_present", False))
		self.session_resumed += resumed
		# Subscribing again is harmless on a resumed session, and needed on a new one.
		client.subscribe(self.topics)
		self.connected_at = datetime.now(timezone.utc)
		self.connected.set()
		log.info(
			"Oktopus MQTT: connected to %s:%s as %s (%s session)",
			self.host,
			self.port,
			self.client_id,
			"resumed" if resumed else "new",
		)
		self._report_state()

	def _on_disconnect(self, client, userdata, flags, reason_code, properties):
		self.disconnected_at = datetime.now(timezone.utc)
		self.connected.clear()
		if self._stopping.is_set():
			log.info("Oktopus MQTT: disconnected from %s:%s (stopping)", self.host, self.port)
		else:
			log.warning("Oktopus MQTT: disconnected (%s); reconnecting with backoff", reason_code)
		self._report_state()

	def _on_message(self, client, userdata, message):
		self.last_message_at = datetime.now(timezone.utc)
		try:
			event = parse_message(message.topic, message.payload, self.prefix)
		except Exception:  # a malformed message must not stop the worker
			log.exception("Oktopus MQTT: could not parse a message on %s", message.topic)
			return
		if event is None:
			return
		try:
			self.on_event(event)
			self.events_delivered += 1
		except Exception:
			self.callback_errors += 1
			log.exception("Oktopus MQTT: the event callback failed for %s", event)

	# lifecycle

	def start(self) -> "OktopusMqttWorker":
		"""Connect in the background; a broker that is down at start is retried with backoff."""
		self._stopping.clear()
		self._connect_async()
		self.client.loop_start()
		self._start_state_thread()
		return self

	def wait_connected(self, timeout: float) -> bool:
		return self.connected.wait(timeout)

	def stop(self, timeout: float = 5) -> None:
		"""Clean shutdown: DISCONNECT sent, network thread joined."""
		self._stopping.set()
		try:
			self.client.disconnect()
		finally:
			if not self._foreground:
				self.client.loop_stop()
		self.connected.clear()
		self._report_state()

	def run_forever(self, install_signal_handlers: bool = True) -> None:
		"""Blocks until `stop()` or SIGTERM/SIGINT (for a long-lived worker process)."""
		if install_signal_handlers and threading.current_thread() is threading.main_thread():
			for sig in (signal.SIGTERM, signal.SIGINT):
				signal.signal(sig, lambda *_: self.stop())
		self._foreground = True
		self._stopping.clear()
		self._connect_async()
		self._start_state_thread()
		self.client.loop_forever(retry_first_connection=True)

	def __enter__(self) -> "OktopusMqttWorker":
		return self.start()

	def __exit__(self, *exc) -> None:
		self.stop()


def run_worker(on_event: Callable[[DeviceEvent], None], **settings) -> None:
	"""Entry point for a bench worker: `run_worker(callback, host=..., port=..., ...)`."""
	OktopusMqttWorker(on_event, **settings).run_forever()
