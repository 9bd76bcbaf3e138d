"""A loopback Traccar server speaking its published API on 127.0.0.1 (one port, REST and WebSocket):

- `POST /api/session` (form `email`, `password`) → the User and a `JSESSIONID` cookie; 401 otherwise.
  `GET /api/session?token=` opens a session from a token.
- `GET /api/devices`, `GET /api/positions` (latest per device), `GET /api/reports/route?deviceId=&from=&to=`
  (JSON when `Accept: application/json`, else the Excel media type Traccar answers with): 401 without
  a valid session cookie.
- `GET /api/socket` (WebSocket upgrade, the cookie required, 401 otherwise): on connect
  `{"positions": [latest of every device]}` (as Traccar's AsyncSocket does), then one
  `{"positions": [p]}` per `push`, and `{}` keepalives when asked.

The WebSocket side is written here from RFC 6455 (text frames out, masked frames in, ping → pong,
close), so the peer does not depend on the library the client uses. Sessions live in memory: `restart()`
(stop, then serve again on the same port) forgets them, as a restarted Traccar does.
Shared by the pytest tests, the bench test and the benchmark: no pytest or Frappe import.
"""

import base64
import hashlib
import json
import secrets
import socket
import struct
import threading
import time
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

EMAIL, PASSWORD, TOKEN = "dispatch@gigafibre.ca", "tr@cc4r", "tok-traccar-1"
WS_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
EXCEL = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
KNOT_KMH = 1.852


def iso(moment: datetime) -> str:
	"""Traccar's date format: `2026-12-02T14:03:11.000+00:00`."""
	moment = moment.astimezone(timezone.utc)
	return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}+00:00"


def _parse(value: str) -> datetime:
	return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(timezone.utc)


class _WebSocket:
	"""The server end of one upgraded connection."""

	def __init__(self, conn: socket.socket):
		self.conn = conn
		self.lock = threading.Lock()
		self.open = True

	def send_text(self, text: str) -> bool:
		payload = text.encode()
		header = bytearray([0x81])
		n = len(payload)
		if n < 126:
			header.append(n)
		elif n < 1 << 16:
			header.append(126)
			header += struct.pack("!H", n)
		else:
			header.append(127)
			header += struct.pack("!Q", n)
		return self._send(bytes(header) + payload)

	def _send(self, data: bytes) -> bool:
		with self.lock:
			if not self.open:
				return False
			try:
				self.conn.sendall(data)
				return True
			except OSError:
				self.open = False
				return False

	def _recv_exact(self, n: int) -> bytes:
		data = b""
		while len(data) < n:
			chunk = self.conn.recv(n - len(data))
			if not chunk:
				raise ConnectionError("closed")
			data += chunk
		return data

	def serve(self) -> None:
		"""Read the client's frames until it closes: answer pings, echo the close."""
		try:
			while self.open:
				b1, b2 = self._recv_exact(2)
				opcode, masked, n = b1 & 0x0F, b2 & 0x80, b2 & 0x7F
				if n == 126:
					(n,) = struct.unpack("!H", self._recv_exact(2))
				elif n == 127:
					(n,) = struct.unpack("!Q", self._recv_exact(8))
				mask = self._recv_exact(4) if masked else b"\0\0\0\0"
				payload = bytes(b ^ mask[i % 4] for i, b in enumerate(self._recv_exact(n)))
				if opcode == 0x9:  # ping
					self._send(bytes([0x8A, len(payload)]) + payload)
				elif opcode == 0x8:  # close
					self._send(bytes([0x88, len(payload)]) + payload)
					break
		except (OSError, ConnectionError, ValueError):
			pass
		finally:
			self.kill()

	def kill(self) -> None:
		with self.lock:
			self.open = False
		try:
			self.conn.shutdown(socket.SHUT_RDWR)
		except OSError:
			pass
		try:
			self.conn.close()
		except OSError:
			pass


class TraccarPeer:
	def __init__(self, devices: list[dict] | None = None, port: int = 0, initial_state: bool = True):
		self.devices = (
			devices
			if devices is not None
			else [
				{"id": 1, "name": "Camion 1", "uniqueId": "358240051111110", "status": "online"},
				{"id": 2, "name": "Camion 2", "uniqueId": "358240052222220", "status": "online"},
			]
		)
		self.history: list[dict] = []  # every position, in the order received
		self.latest: dict[int, dict] = {}
		self.sessions: set[str] = set()
		self.sockets: list[_WebSocket] = []
		self.requests: list[tuple[str, str]] = []  # (method, path)
		self.initial_state = initial_state
		self.sent: dict[int, float] = {}  # position id → time.time() it was sent on the sockets
		self._next_id = 1
		self._lock = threading.Lock()
		self._connections: set[socket.socket] = set()
		self.port = port
		self.server: ThreadingHTTPServer | None = None
		self._thread: threading.Thread | None = None

	# Data

	def position(
		self, device_id: int, lat: float, lon: float, at: datetime | None = None, speed_kmh: float = 0.0
	) -> dict:
		"""A position as Traccar serializes it (speed in knots)."""
		at = at or datetime.now(timezone.utc)
		with self._lock:
			pid = self._next_id
			self._next_id += 1
		return {
			"id": pid,
			"attributes": {"batteryLevel": 87, "motion": speed_kmh > 0},
			"deviceId": device_id,
			"protocol": "osmand",
			"serverTime": iso(datetime.now(timezone.utc)),
			"deviceTime": iso(at),
			"fixTime": iso(at),
			"outdated": False,
			"valid": True,
			"latitude": lat,
			"longitude": lon,
			"altitude": 35.0,
			"speed": speed_kmh / KNOT_KMH,
			"course": 90.0,
			"address": None,
			"accuracy": 5.0,
			"network": None,
			"geofenceIds": None,
		}

	def store(self, position: dict) -> dict:
		"""Record a position a device reported, without telling the sockets (as while nobody listens)."""
		with self._lock:
			self.history.append(position)
			current = self.latest.get(position["deviceId"])
			if current is None or _parse(current["fixTime"]) <= _parse(position["fixTime"]):
				self.latest[position["deviceId"]] = position
		return position

	def push(self, position: dict) -> dict:
		"""A device reported `position`: stored, and sent to every live socket."""
		self.store(position)
		self.sent[position["id"]] = time.time()
		self.broadcast({"positions": [position]})
		return position

	def broadcast(self, message: dict) -> int:
		text = json.dumps(message)
		sent = 0
		for ws in list(self.sockets):
			if ws.send_text(text):
				sent += 1
			else:
				self.sockets.remove(ws)
		return sent

	def keepalive(self) -> int:
		return self.broadcast({})

	def live_sockets(self) -> int:
		return sum(1 for ws in self.sockets if ws.open)

	def wait_sockets(self, count: int = 1, timeout: float = 10.0) -> bool:
		deadline = time.monotonic() + timeout
		while time.monotonic() < deadline:
			if self.live_sockets() >= count:
				return True
			time.sleep(0.01)
		return False

	# Server

	@property
	def url(self) -> str:
		return f"http://127.0.0.1:{self.port}"

	def start(self) -> "TraccarPeer":
		peer = self

		class Handler(BaseHTTPRequestHandler):
			protocol_version = "HTTP/1.1"

			def setup(self):
				super().setup()
				peer._connections.add(self.connection)

			def finish(self):
				try:
					super().finish()
				finally:
					peer._connections.discard(self.connection)

			def log_message(self, *args):
				pass

			def _reply(
				self, status: int, body=None, headers: dict | None = None, content_type="application/json"
			):
				payload = (
					b"" if body is None else (body if isinstance(body, bytes) else json.dumps(body).encode())
				)
				self.send_response(status)
				if payload or status == 200:
					self.send_header("Content-Type", content_type)
				for key, value in (headers or {}).items():
					self.send_header(key, value)
				self.send_header("Content-Length", str(len(payload)))
				self.end_headers()
				self.wfile.write(payload)

			def _session(self) -> str | None:
				for part in (self.headers.get("Cookie") or "").split(";"):
					name, _, value = part.strip().partition("=")
					if name == "JSESSIONID" and value in peer.sessions:
						return value
				return None

			def _new_session(self, user: dict) -> None:
				sid = secrets.token_hex(12)
				peer.sessions.add(sid)
				self._reply(200, user, {"Set-Cookie": f"JSESSIONID={sid}; Path=/; HttpOnly"})

			def do_POST(self):
				url = urlsplit(self.path)
				peer.requests.append(("POST", url.path))
				length = int(self.headers.get("Content-Length") or 0)
				body = self.rfile.read(length).decode() if length else ""
				if url.path != "/api/session":
					return self._reply(401 if not self._session() else 404)
				form = {k: v[0] for k, v in parse_qs(body).items()}
				if "application/x-www-form-urlencoded" not in (self.headers.get("Content-Type") or ""):
					return self._reply(415)
				if (form.get("email"), form.get("password")) != (EMAIL, PASSWORD):
					return self._reply(401)
				self._new_session({"id": 1, "name": "Dispatch", "email": EMAIL, "administrator": False})

			def do_GET(self):
				url = urlsplit(self.path)
				query = parse_qs(url.query)
				peer.requests.append(("GET", url.path))
				if url.path == "/api/session":
					if query.get("token") == [TOKEN]:
						return self._new_session({"id": 1, "name": "Dispatch", "email": EMAIL})
					return (
						self._reply(200, {"id": 1, "email": EMAIL}) if self._session() else self._reply(404)
					)
				if url.path == "/api/socket":
					return self._upgrade()
				if not self._session():
					return self._reply(401)
				if url.path == "/api/devices":
					return self._reply(200, peer.devices)
				if url.path == "/api/positions":
					return self._reply(200, list(peer.latest.values()))
				if url.path == "/api/reports/route":
					if "application/json" not in (self.headers.get("Accept") or ""):
						return self._reply(200, b"PK\x03\x04 xlsx", content_type=EXCEL)
					try:
						ids = {int(v) for v in query.get("deviceId", [])}
						start, end = _parse(query["from"][0]), _parse(query["to"][0])
					except (KeyError, ValueError):
						return self._reply(400, b"bad request", content_type="text/plain")
					route = [
						p
						for p in peer.history
						if p["deviceId"] in ids and start <= _parse(p["fixTime"]) <= end
					]
					return self._reply(200, route)
				return self._reply(404)

			def _upgrade(self):
				key = self.headers.get("Sec-WebSocket-Key")
				if (self.headers.get("Upgrade") or "").lower() != "websocket" or not key:
					return self._reply(400)
				if not self._session():
					return self._reply(401)
				accept = base64.b64encode(hashlib.sha1((key + WS_GUID).encode()).digest()).decode()
				self.send_response(101)
				self.send_header("Upgrade", "websocket")
				self.send_header("Connection", "Upgrade")
				self.send_header("Sec-WebSocket-Accept", accept)
				self.end_headers()
				self.wfile.flush()
				ws = _WebSocket(self.connection)
				if peer.initial_state:
					ws.send_text(json.dumps({"positions": list(peer.latest.values())}))
				peer.sockets.append(ws)
				ws.serve()  # this handler thread reads the client's frames until it closes
				self.close_connection = True

		self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
		self.server.daemon_threads = True
		self.port = self.server.server_address[1]
		self._thread = threading.Thread(target=self.server.serve_forever, daemon=True, name="traccar-peer")
		self._thread.start()
		return self

	def stop(self) -> None:
		"""Stop serving and drop every connection (sessions are forgotten)."""
		if self.server:
			self.server.shutdown()
			self.server.server_close()
			self.server = None
		for ws in list(self.sockets):
			ws.kill()
		self.sockets.clear()
		for conn in list(self._connections):  # keep-alive connections die with the server, too
			try:
				conn.shutdown(socket.SHUT_RDWR)
			except OSError:
				pass
		self._connections.clear()
		self.sessions.clear()

	def restart(self, down_for: float = 0.0) -> None:
		self.stop()
		if down_for:
			time.sleep(down_for)
		self.start()

	def __enter__(self) -> "TraccarPeer":
		return self.start()

	def __exit__(self, *exc) -> None:
		self.stop()
