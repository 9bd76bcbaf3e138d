"""A loopback fake of a TP-Link XX230v web UI whose JavaScript encrypts everything after login.

Server side of the handshake in fake_modem/modem.js: RSA-OAEP (SHA-256) unwraps the AES-256 key and
IV the browser made; request and answer bodies are AES-CBC (PKCS#7) ciphertext in base64, with a
sequence number the server checks. Only a browser running the page's JavaScript can read values.
"""

import base64
import json
import secrets
import threading
from http.cookies import SimpleCookie
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from cryptography.hazmat.primitives import hashes, padding
from cryptography.hazmat.primitives.asymmetric import padding as asym
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

STATIC = Path(__file__).parent / "fake_modem"

TR181 = {
	"Device.DeviceInfo.SoftwareVersion": "1.2.7 Build 20250310 rel.45123(4555)",
	"Device.DeviceInfo.SerialNumber": "2237A8M000123",
	"Device.DeviceInfo.UpTime": "1209600",
	"Device.Optical.Interface.1.OpticalSignalLevel": "-21450",
	"Device.Optical.Interface.1.TransmitOpticalLevel": "1870",
	"Device.Optical.Interface.1.Status": "Up",
	"Device.WiFi.SSID.1.SSID": "Gigafibre-0B1C",
	"Device.WiFi.Radio.1.Channel": "11",
	"Device.PPP.Interface.1.Username": "gf0067890@gigafibre.ca",
	"Device.IP.Interface.2.IPv4Address.1.IPAddress": "142.118.52.201",
}


class FakeModem:
	def __init__(self, password: str = "modem-pass", values: dict | None = None, hang_paths: tuple = ()):
		self.password = password
		self.values = dict(values or TR181)
		self.hang_paths = hang_paths
		self.private_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
		self.sessions: dict[str, dict] = {}
		self.pending: dict[str, int] = {}  # seq offered at getParm
		self.wire: list[bytes] = []  # every request and answer body of the encrypted API
		self.logins = 0
		self._release = threading.Event()
		modem = self

		class Handler(BaseHTTPRequestHandler):
			def log_message(self, *args):
				pass

			def _send(self, status, body: bytes, content_type="text/plain", cookie: str | None = None):
				self.send_response(status)
				self.send_header("Content-Type", content_type)
				if cookie:
					self.send_header("Set-Cookie", f"parm={cookie}; Path=/; HttpOnly")
				self.send_header("Content-Length", str(len(body)))
				self.end_headers()
				self.wfile.write(body)

			def do_GET(self):
				if self.path in modem.hang_paths:
					modem._release.wait(10)
					return
				name = {"/": "index.html", "/js/modem.js": "modem.js"}.get(self.path)
				if not name:
					return self._send(404, b"not found")
				kind = "text/html" if name.endswith(".html") else "application/javascript"
				self._send(200, (STATIC / name).read_bytes(), kind)

			def do_POST(self):
				length = int(self.headers.get("Content-Length") or 0)
				body = self.rfile.read(length)
				if self.path == "/cgi/getParm":
					pub = modem.private_key.public_key().public_bytes(
						Encoding.DER, PublicFormat.SubjectPublicKeyInfo
					)
					seq, handshake = secrets.randbelow(10**6), secrets.token_hex(8)
					modem.pending[handshake] = seq
					return self._send(
						200,
						json.dumps({"pubkey": base64.b64encode(pub).decode(), "seq": seq}).encode(),
						"application/json",
						cookie=handshake,
					)
				modem.wire.append(body)
				if self.path == "/cgi/login":
					cookie = SimpleCookie(self.headers.get("Cookie") or "")
					handshake = cookie["parm"].value if "parm" in cookie else ""
					return self._send(200, modem._login(body, handshake))
				if self.path == "/cgi_gdpr":
					status, answer = modem._read(self.headers.get("TokenID"), body)
					modem.wire.append(answer)
					return self._send(status, answer)
				self._send(404, b"not found")

		self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
		self.server.daemon_threads = True
		self.url = f"http://127.0.0.1:{self.server.server_address[1]}/"
		self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

	# crypto

	@staticmethod
	def _aes(key: bytes, iv: bytes):
		return Cipher(algorithms.AES(key), modes.CBC(iv))

	def _open(self, key: bytes, iv: bytes, text: bytes) -> dict:
		decryptor = self._aes(key, iv).decryptor()
		padded = decryptor.update(base64.b64decode(text)) + decryptor.finalize()
		unpadder = padding.PKCS7(128).unpadder()
		return json.loads(unpadder.update(padded) + unpadder.finalize())

	def _seal(self, key: bytes, iv: bytes, obj: dict) -> bytes:
		padder = padding.PKCS7(128).padder()
		padded = padder.update(json.dumps(obj).encode()) + padder.finalize()
		encryptor = self._aes(key, iv).encryptor()
		return base64.b64encode(encryptor.update(padded) + encryptor.finalize())

	def _login(self, body: bytes, handshake: str) -> bytes:
		fields = dict(part.split("=", 1) for part in body.decode().split("\r\n"))
		key_iv = self.private_key.decrypt(
			base64.b64decode(fields["sign"]),
			asym.OAEP(mgf=asym.MGF1(algorithm=hashes.SHA256()), algorithm=hashes.SHA256(), label=None),
		)
		key, iv = key_iv[:32], key_iv[32:48]
		request = self._open(key, iv, fields["data"].encode())
		if request.get("seq") != self.pending.pop(handshake, -2) + 1:
			return self._seal(key, iv, {"errorcode": 1, "message": "bad sequence"})
		if request.get("username") != "admin" or request.get("password") != self.password:
			return self._seal(key, iv, {"errorcode": 2, "message": "The password is incorrect."})
		token = secrets.token_hex(16)
		self.sessions[token] = {"key": key, "iv": iv, "seq": request["seq"]}
		self.logins += 1
		return self._seal(key, iv, {"errorcode": 0, "token": token})

	def _read(self, token: str | None, body: bytes) -> tuple[int, bytes]:
		session = self.sessions.get(token or "")
		if not session:
			return 403, b"session expired"
		request = self._open(session["key"], session["iv"], body.decode().split("=", 1)[1].encode())
		if request.get("seq", 0) <= session["seq"]:
			return 200, self._seal(session["key"], session["iv"], {"errorcode": 1, "message": "replay"})
		session["seq"] = request["seq"]
		values = {p: self.values[p] for p in request.get("paths", []) if p in self.values}
		return 200, self._seal(session["key"], session["iv"], {"errorcode": 0, "values": values})

	def __enter__(self) -> "FakeModem":
		self._thread.start()
		return self

	def __exit__(self, *exc) -> None:
		self._release.set()
		self.server.shutdown()
		self.server.server_close()
