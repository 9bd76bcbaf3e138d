"""A loopback Oktopus controller speaking its REST API (router of
backend/services/controller/internal/api: PUT /api/auth/login, /api/device, /api/device/auth).
Shared by the pytest client tests and the bench provisioning test (no pytest import here)."""

import json
from urllib.parse import unquote

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
		self.messages: list[dict] = []  # USP messages devices answered: {"sn", "mtp", "command", "body"}
		self.silent: set[str] = set()  # online devices whose agent never answers (504)
		self.refusing: set[str] = set()  # devices answering a Set with an oper_failure

	def _device_message(self, request, sn: str, mtp: str, command: str) -> Reply:
		"""PUT /api/device/<sn>/<mtp>/<command>, as internal/api/usp.go answers it."""
		if request.method != "PUT":
			return Reply(405, b"")
		if mtp not in ("mqtt", "ws", "stomp", "any", ":mtp"):
			return Reply(400, json.dumps("Invalid MTP, valid options are: mqtt, ws, stomp"))
		found = [d for d in self.devices if d["SN"] == sn]
		if not found:
			return Reply(404, json.dumps("Device not found"))
		if found[0]["Status"] != 2:
			return Reply(503, json.dumps("Device is offline"))
		if sn in self.silent:
			return Reply(504, json.dumps("usp message response timeout"))
		body = request.json() or {}
		if command == "set":
			results = []
			for obj in body.get("update_objs") or []:
				path = obj.get("obj_path")
				if sn in self.refusing:
					status = {"oper_failure": {"err_code": 7004, "err_msg": "Invalid value"}}
				else:
					params = {p.get("param"): p.get("value") for p in obj.get("param_settings") or []}
					status = {
						"oper_success": {
							"updated_inst_results": [{"affected_path": path, "updated_params": params}]
						}
					}
				results.append({"requested_path": path, "oper_status": {"OperStatus": status}})
			answer = {"updated_obj_results": results}
		elif command == "operate":
			answer = {
				"operation_results": [
					{
						"executed_command": body.get("command"),
						"OperationResp": {"req_output_args": {"output_args": {}}},
					}
				]
			}
		else:
			return Reply(404, "404 page not found")
		self.messages.append({"sn": sn, "mtp": mtp, "command": command, "body": body})
		return Reply(200, answer)

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
		parts = request.path.strip("/").split("/")
		if len(parts) == 5 and parts[:2] == ["api", "device"] and parts[2] not in ("auth", "cwmp"):
			return self._device_message(request, unquote(parts[2]), parts[3], parts[4])
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
