"""A loopback Routr (REST API v1beta1, as its published docs describe it) for the client's tests:
basic auth on /credentials for a JWT string, `token` query parameter on every other call,
agents and numbers kept in memory. See gigafibre/voice/routr.py for the recorded wire format."""

import base64
import itertools
import json

from gigafibre.tests.peers import LoopbackPeer, Reply

USER, PASSWORD = "admin", "changeit"
TOKEN = "eyJhbGciOiJIUzUxMiJ9.eyJzdWIiOiJhZG1pbiJ9.loopback"
PREFIX = "/api/v1beta1"


class RoutrPeer(LoopbackPeer):
	def __init__(self, gateways=("gweef506",), domains=("sip.gigafibre.ca",)):
		self.agents: dict[str, dict] = {}
		self.numbers: dict[str, dict] = {}
		self.gateways, self.domains = set(gateways), set(domains)
		self.tokens = {TOKEN}
		self._refs = itertools.count(1)
		super().__init__(self.serve)

	def _error(self, status: int, message: str) -> Reply:
		return Reply(status if status < 600 else 409, {"status": str(status), "message": message})

	def serve(self, request) -> Reply:
		path = request.path.removeprefix(PREFIX)
		if path == "/credentials":
			expected = "Basic " + base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
			if request.headers.get("authorization") != expected:
				return self._error(401, "You are unauthorized to make this request.")
			# The token as a JSON string.
			return Reply(200, json.dumps(TOKEN), headers={"Content-Type": "application/json"})
		if (request.query.get("token") or [None])[0] not in self.tokens:
			return self._error(401, "You are unauthorized to make this request.")
		kind, _, ref = path.strip("/").partition("/")
		store = {"agents": self.agents, "numbers": self.numbers}.get(kind)
		if store is None:
			return self._error(404, "Not Found")
		if request.method == "GET" and not ref:
			data = list(store.values())
			return Reply(
				200,
				{
					"status": "200",
					"message": "Successful request",
					"meta": {"currentPage": 1, "totalPages": 1, "itemsPerPage": 30, "totalItems": len(data)},
					"data": data,
				},
			)
		if request.method == "DELETE" and ref:
			if store.pop(ref, None) is None:
				return self._error(404, "Not Found")
			return Reply(200, {"status": "200", "message": "Successful request"})
		if request.method == "POST" and not ref:
			resource = request.json()
			if (
				not isinstance(resource, dict)
				or resource.get("apiVersion") != "v1beta1"
				or "spec" not in resource
			):
				return self._error(400, "Bad Request")
			if kind == "agents":
				username = resource["spec"]["credentials"]["username"]
				if not set(resource["spec"].get("domains") or []) <= self.domains:
					return self._error(4091, "Found one or more unfulfilled dependencies")
				if any(a["spec"]["credentials"]["username"] == username for a in self.agents.values()):
					return self._error(409, "An attempt was made to create an object that already exists")
				new = f"ag{next(self._refs):06x}"
			else:
				if resource["metadata"].get("gwRef") not in self.gateways:
					return self._error(4091, "Found one or more unfulfilled dependencies")
				tel = resource["spec"]["location"]["telUrl"]
				if any(n["spec"]["location"]["telUrl"] == tel for n in self.numbers.values()):
					return self._error(409, "An attempt was made to create an object that already exists")
				new = f"dd{next(self._refs):06x}"
			resource["metadata"]["ref"] = new
			store[new] = resource
			body = {"status": "201", "message": "Created"}
			if kind == "numbers":
				body["data"] = new
			return Reply(201, body)
		return self._error(405, "Operation not supported by data source provider")
