"""The modem bridge as a long-lived HTTP service (the seed's Playwright sidecar).

	POST /read   {"url", "username", "password", "paths": [...]}  →  200 {"values": {path: value}}
	GET  /health →  200 {"status": "ok", "active": n, "peak": n}  (no token: it says nothing of a modem)

The token comes in `Authorization: Bearer <token>` or `X-Bridge-Token` and is checked before the
body is read. Errors answer `{"error": <English text>, "message": <template>, "args": [...],
"retryable": bool}` so the caller can translate the template: 401 no or wrong token, 400 bad input
(413 above 64 KiB), 503 too many requests waiting, 504 the modem (or Chromium) did not answer in
time, 502 the modem refused or failed.

Design: stdlib `ThreadingHTTPServer` (no web framework among the dependencies) parses HTTP; one
asyncio loop in its own thread owns the `ModemBridge` (one Chromium, at most `pool_size` sessions).
Request threads hand their read to that loop and wait; at most `max_pending` requests wait or run at
once (the others get 503 at once, not a growing queue of threads). SIGTERM or SIGINT: stop accepting,
let the running reads end (bounded by the bridge timeout), close Chromium, exit 0.

Run it with `bench --site <site> gigafibre-modem-bridge --port 8765` (token from Gigafibre Settings)
or, without Frappe, `python -m gigafibre.network.bridge_server --port 8765` with the token in
`--token` or the environment variable GIGAFIBRE_MODEM_BRIDGE_TOKEN.
"""

import argparse
import asyncio
import concurrent.futures
import json
import logging
import os
import shutil
import signal
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

from gigafibre.errors import GigafibreError, InvalidValue, ServiceError
from gigafibre.i18n import _
from gigafibre.network.modem_bridge import AccessDenied, ModemBridge, ModemTimeout

TOKEN_ENV = "GIGAFIBRE_MODEM_BRIDGE_TOKEN"
MAX_BODY = 64 * 1024
log = logging.getLogger("gigafibre.modem_bridge")


def error_body(err: GigafibreError) -> dict:
	return {
		"error": str(err),
		"message": err.message,
		"args": [a if isinstance(a, int | float) else str(a) for a in err.args_],
		"retryable": bool(getattr(err, "retryable", False)),
	}


def status_for(err: Exception) -> int:
	if isinstance(err, AccessDenied):
		return 401
	if isinstance(err, InvalidValue):
		return 400
	if isinstance(err, ModemTimeout):
		return 504
	return 502


def request_token(headers) -> str | None:
	auth = (headers.get("Authorization") or "").strip()
	if auth[:7].lower() == "bearer ":
		return auth[7:].strip()
	return (headers.get("X-Bridge-Token") or "").strip() or None


def parse_read(body: bytes) -> dict:
	"""The read request's fields, or InvalidValue."""
	try:
		data = json.loads(body or b"null")
	except ValueError:
		raise InvalidValue(_("The request body is not valid JSON.")) from None
	if not isinstance(data, dict):
		raise InvalidValue(_("Send a JSON object with url, username, password and paths."))
	url, paths = data.get("url"), data.get("paths")
	username, password = data.get("username") or "", data.get("password") or ""
	if not isinstance(url, str) or not url.strip():
		raise InvalidValue(_("The modem address (url) is required."))
	if not isinstance(paths, list) or not all(isinstance(p, str) for p in paths):
		raise InvalidValue(_("Give the parameters to read as a list of paths."))
	if not isinstance(username, str) or not isinstance(password, str):
		raise InvalidValue(_("The modem username and password must be text."))
	return {"url": url.strip(), "username": username, "password": password, "paths": paths}


class BridgeServer:
	def __init__(
		self, bridge: ModemBridge, host: str = "127.0.0.1", port: int = 8765, max_pending: int | None = None
	):
		self.bridge = bridge
		self.loop = asyncio.new_event_loop()
		self._loop_thread = threading.Thread(
			target=self.loop.run_forever, name="modem-bridge-loop", daemon=True
		)
		self._pending = threading.BoundedSemaphore(max_pending or bridge.pool_size * 4)
		self.httpd = ThreadingHTTPServer((host, port), _handler(self))
		# server_close joins the request threads: a read running at shutdown finishes and answers
		self.httpd.daemon_threads = False
		self.httpd.block_on_close = True
		self.port = self.httpd.server_address[1]
		self.url = f"http://{host}:{self.port}"
		self._serve_thread: threading.Thread | None = None

	def start(self) -> "BridgeServer":
		self._loop_thread.start()
		self._serve_thread = threading.Thread(
			target=self.httpd.serve_forever, name="modem-bridge-http", daemon=True
		)
		self._serve_thread.start()
		return self

	def read(self, token: str | None, body: bytes) -> tuple[int, dict]:
		"""(HTTP status, JSON answer) of one POST /read whose token was already checked."""
		try:
			request = parse_read(body)
		except InvalidValue as err:
			return 400, error_body(err)
		if not self._pending.acquire(blocking=False):
			busy = ServiceError(_("The modem bridge is busy: try again in a moment."), retryable=True)
			return 503, error_body(busy)
		started = time.monotonic()
		host = urlsplit(request["url"]).hostname
		try:
			future = asyncio.run_coroutine_threadsafe(self.bridge.read(token, **request), self.loop)
			try:
				# the bridge has its own bound; this one only guards against a stuck loop
				values = future.result(self.bridge.timeout + 5)
			except concurrent.futures.TimeoutError:
				future.cancel()
				raise ModemTimeout(
					_("The modem at {0} did not answer within {1} s."),
					host,
					self.bridge.timeout,
					retryable=True,
				) from None
		except GigafibreError as err:
			status = status_for(err)
			log.info("read %s: %s in %.1fs (%s)", host, status, time.monotonic() - started, err)
			return status, error_body(err)
		finally:
			self._pending.release()
		log.info("read %s: 200, %d values in %.1fs", host, len(values), time.monotonic() - started)
		return 200, {"values": values}

	def stop(self, timeout: float = 15.0) -> None:
		"""Stop accepting, wait for the running reads (ThreadingHTTPServer joins them), close Chromium."""
		self.httpd.shutdown()
		self.httpd.server_close()
		if self._loop_thread.is_alive():
			try:
				asyncio.run_coroutine_threadsafe(self.bridge.close(), self.loop).result(timeout)
			except Exception:
				log.exception("closing Chromium")
			self.loop.call_soon_threadsafe(self.loop.stop)
			self._loop_thread.join(timeout)
		if not self.loop.is_running():
			self.loop.close()

	def __enter__(self) -> "BridgeServer":
		return self.start()

	def __exit__(self, *exc) -> None:
		self.stop()


def _handler(server: BridgeServer) -> type[BaseHTTPRequestHandler]:
	class Handler(BaseHTTPRequestHandler):
		server_version = "GigafibreModemBridge/1"
		# HTTP/1.0 (one request per connection): no idle keep-alive thread holds up the shutdown;
		# a client that sends nothing is dropped after this many seconds
		timeout = 30

		def log_message(self, *args):
			pass  # one line per read is logged by BridgeServer.read, without the query or body

		def _send(self, status: int, payload: dict, headers: dict | None = None) -> None:
			body = json.dumps(payload).encode()
			try:
				self.send_response(status)
				self.send_header("Content-Type", "application/json")
				self.send_header("Content-Length", str(len(body)))
				self.send_header("Cache-Control", "no-store")
				for key, value in (headers or {}).items():
					self.send_header(key, value)
				self.end_headers()
				self.wfile.write(body)
			except (BrokenPipeError, ConnectionResetError):
				pass  # the caller gave up

		def do_GET(self):
			if urlsplit(self.path).path == "/health":
				bridge = server.bridge
				return self._send(200, {"status": "ok", "active": bridge.active, "peak": bridge.peak})
			self._send(404, {"error": "not found"})

		def do_POST(self):
			if urlsplit(self.path).path != "/read":
				self.close_connection = True
				return self._send(404, {"error": "not found"})
			token = request_token(self.headers)
			try:
				server.bridge.check_token(token)
			except AccessDenied as err:
				self.close_connection = True  # the body is not read
				return self._send(401, error_body(err), {"WWW-Authenticate": 'Bearer realm="modem-bridge"'})
			try:
				length = int(self.headers.get("Content-Length") or 0)
			except ValueError:
				length = -1
			if length < 0 or length > MAX_BODY:
				self.close_connection = True
				too_big = InvalidValue(_("The request is too large ({0} bytes at most)."), MAX_BODY)
				return self._send(413 if length > 0 else 400, error_body(too_big))
			status, payload = server.read(token, self.rfile.read(length) if length else b"")
			self._send(status, payload)

	return Handler


def serve(
	token: str,
	host: str = "127.0.0.1",
	port: int = 8765,
	pool_size: int = 2,
	timeout: float = 30.0,
	executable_path: str | None = None,
) -> None:
	"""Run until SIGTERM or SIGINT; then stop cleanly."""
	bridge = ModemBridge(token, pool_size=pool_size, timeout=timeout, executable_path=executable_path)
	server = BridgeServer(bridge, host, port)
	stop = threading.Event()

	def on_signal(signum, _frame):
		log.info("signal %s: stopping", signum)
		stop.set()

	previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGTERM, signal.SIGINT)}
	server.start()
	log.info("modem bridge listening on %s (pool of %d)", server.url, bridge.pool_size)
	try:
		while not stop.wait(0.5):
			pass
	finally:
		server.stop()
		for sig, handler in previous.items():
			signal.signal(sig, handler)
		log.info("modem bridge stopped")


def default_chromium() -> str | None:
	"""CHROMIUM, else the system's chromium (Debian's /usr/bin/chromium), else Playwright's own."""
	return os.environ.get("CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")


def main(argv: list[str] | None = None) -> None:
	parser = argparse.ArgumentParser(description="Gigafibre modem bridge (HTTP service).")
	parser.add_argument("--host", default="127.0.0.1")
	parser.add_argument("--port", type=int, default=8765)
	parser.add_argument("--token", default=None, help=f"or the environment variable {TOKEN_ENV}")
	parser.add_argument("--pool-size", type=int, default=2)
	parser.add_argument("--timeout", type=float, default=30.0)
	parser.add_argument("--chromium", default=None, help="Chromium executable (default: $CHROMIUM, chromium)")
	args = parser.parse_args(argv)
	token = args.token or os.environ.get(TOKEN_ENV) or ""
	if not token:
		parser.error(f"give the token with --token or {TOKEN_ENV}")
	logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
	serve(
		token,
		host=args.host,
		port=args.port,
		pool_size=args.pool_size,
		timeout=args.timeout,
		executable_path=args.chromium or default_chromium(),
	)


if __name__ == "__main__":
	main()
