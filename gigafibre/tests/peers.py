"""Loopback HTTP peers for client tests (pytest and bench): a real server on 127.0.0.1 that records each request
and answers with what the test's handler returns, in the vendor's wire format."""

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


@dataclass
class Request:
	method: str
	path: str
	query: dict
	headers: dict
	body: bytes

	def form(self) -> dict:
		return {k: v[0] if len(v) == 1 else v for k, v in parse_qs(self.body.decode()).items()}

	def json(self):
		return json.loads(self.body or b"null")


@dataclass
class Reply:
	status: int = 200
	body: object = None  # dict/list -> JSON, bytes/str sent as is
	headers: dict = field(default_factory=dict)
	delay: float = 0.0


Handler = Callable[[Request], Reply]


def gemini_reply(parts: list[dict], usage: tuple[int, int] = (120, 30), finish: str = "STOP") -> Reply:
	"""A Gemini generateContent answer as the REST API sends it: the model's `parts` (text or
	functionCall), with `usage` = (prompt, output) token counts."""
	prompt, output = usage
	return Reply(
		200,
		{
			"candidates": [
				{"content": {"parts": parts, "role": "model"}, "finishReason": finish, "index": 0}
			],
			"usageMetadata": {
				"promptTokenCount": prompt,
				"candidatesTokenCount": output,
				"totalTokenCount": prompt + output,
			},
			"modelVersion": "gemini-2.5-flash",
		},
	)


def gemini_json(payload, usage: tuple[int, int] = (120, 30), finish: str = "STOP") -> Reply:
	"""A structured-output answer: `payload` as the JSON text of the model's one part (a str as is)."""
	text = payload if isinstance(payload, str) else json.dumps(payload)
	return gemini_reply([{"text": text}], usage, finish)


class LoopbackPeer:
	def __init__(self, handler: Handler):
		self.handler = handler
		self.requests: list[Request] = []
		peer = self

		class _Handler(BaseHTTPRequestHandler):
			def _serve(self):
				url = urlsplit(self.path)
				length = int(self.headers.get("Content-Length") or 0)
				request = Request(
					method=self.command,
					path=url.path,
					query=parse_qs(url.query),
					headers={k.lower(): v for k, v in self.headers.items()},
					body=self.rfile.read(length) if length else b"",
				)
				peer.requests.append(request)
				reply = peer.handler(request)
				if reply.delay:
					threading.Event().wait(reply.delay)
				body = reply.body
				content_type = "application/json"
				if isinstance(body, dict | list) or body is None:
					payload = json.dumps(body if body is not None else {}).encode()
				else:
					payload = body.encode() if isinstance(body, str) else body
					content_type = "text/plain"
				try:
					self.send_response(reply.status)
					self.send_header("Content-Type", reply.headers.get("Content-Type", content_type))
					for key, value in reply.headers.items():
						if key != "Content-Type":
							self.send_header(key, value)
					self.send_header("Content-Length", str(len(payload)))
					self.end_headers()
					self.wfile.write(payload)
				except (BrokenPipeError, ConnectionResetError):
					pass  # the client gave up (timeout tests)

			do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve

			def log_message(self, *args):
				pass

		self.server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
		self.server.daemon_threads = True
		self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
		self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

	def __enter__(self) -> "LoopbackPeer":
		self._thread.start()
		return self

	def __exit__(self, *exc) -> None:
		self.server.shutdown()
		self.server.server_close()
