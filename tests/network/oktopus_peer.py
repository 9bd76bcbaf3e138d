"""A loopback Oktopus controller speaking its REST API (router of
backend/services/controller/internal/api: PUT /api/auth/login, /api/device, /api/device/auth).
Shared by the pytest client tests and the bench provisioning test (no pytest import here)."""

import json

from gigafibre.tests.peers import Reply

EMAIL, PASSWORD = "api@gigafibre.ca", "s3cret"


def _device(n: int, status: int = 2) -> dict:
	return {
		"SN": f"2237A8M{n:06}",
		"Model": "XX230v",
		"Customer": "",
		"Vendor": "TP-Link",
		"Version": "1.2.7",
		"ProductClass": "XX230v",
		"Alias": "",
		"Status": status,
		"Mqtt": status,
		"Stomp": 0,
		"Websockets": 0,
		"Cwmp": 0,
	}


class Controller:
	"""The controller's behaviour: tokens, pagination (skip = page x (size - 1), as the Go code does),
	the device credential KV store, admin-only device auth."""

	def __init__(self, devices: int = 7, admin: bool = True):
		self.devices = [_device(n, 2 if n % 3 else 0) for n in range(devices)]
		self.kv: dict[str, str] = {}
		self.tokens = {"tok-1"}
		self.issued = 0
		self.admin = admin

	def __call__(self, request) -> Reply:
		if request.path == "/api/auth/login":
			if request.method != "PUT":
				return Reply(405, b"")
			body = request.json()
			if (body.get("email"), body.get("password")) != (EMAIL, PASSWORD):
				return Reply(401, "Invalid Credentials")
			self.issued += 1
			token = f"tok-{self.issued}"
			self.tokens.add(token)
			# json.NewEncoder(w).Encode(token): a JSON string and a newline
			return Reply(200, json.dumps(token) + "\n", headers={"Content-Type": "application/json"})
		if request.headers.get("authorization") not in self.tokens:
			return Reply(401, b"")
		if request.path == "/api/device" and request.method == "GET":
			if "id" in request.query:
				sn = request.query["id"][0]
				found = [d for d in self.devices if d["SN"] == sn]
				return Reply(200, found[0]) if found else Reply(404, "Device not found")
			page = int(request.query.get("page_number", ["0"])[0])
			size = int(request.query.get("page_size", ["20"])[0])
			if size > 50:
				return Reply(400, "Page size must not exceed 50")
			skip = 0 if len(self.devices) < size else page * size
			return Reply(
				200,
				{
					"pages": len(self.devices) // size,
					"page": page,
					"size": size,
					"devices": self.devices[skip : skip + size],
				},
			)
		if request.path == "/api/device/auth":
			if not self.admin:
				return Reply(403, b"")
			if request.method == "POST":
				body = request.json()
				if not body.get("id"):
					return Reply(400, "device must have a user")
				if body["id"] in self.kv:
					return Reply(409, "Username already exists")
				self.kv[body["id"]] = body["password"]
				return Reply(200, b"")
			device_id = request.query.get("id", [""])[0]
			if request.method == "GET":
				return (
					Reply(200, {device_id: self.kv[device_id]}) if device_id in self.kv else Reply(404, b"")
				)
			if request.method == "DELETE":
				return Reply(200, b"") if self.kv.pop(device_id, None) is not None else Reply(404, b"")
		return Reply(404, "404 page not found")
