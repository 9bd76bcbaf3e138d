"""The Oktopus REST client against a loopback controller speaking its API (router of
backend/services/controller/internal/api: PUT /api/auth/login, /api/device, /api/device/auth)."""

import json

import pytest

from gigafibre.errors import InvalidValue, ServiceError
from gigafibre.network.oktopus import OktopusClient, device_status
from gigafibre.tests.peers import LoopbackPeer, Reply

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


@pytest.fixture
def controller():
	ctl = Controller()
	with LoopbackPeer(ctl) as peer:
		ctl.peer = peer
		yield ctl


@pytest.fixture
def client(controller):
	return OktopusClient(controller.peer.url, EMAIL, PASSWORD, timeout=2, backoff=0.01)


def test_logs_in_then_lists_devices_with_the_raw_token(client, controller):
	page = client.devices(page=0, size=5)
	login, listing = controller.peer.requests
	assert login.method == "PUT" and login.json() == {"email": EMAIL, "password": PASSWORD}
	assert listing.headers["authorization"] == "tok-1"  # no "Bearer"
	assert listing.query == {"page_number": ["0"], "page_size": ["5"]}
	assert [d["SN"] for d in page.devices] == [f"2237A8M{n:06}" for n in range(5)] and page.pages == 1
	assert [device_status(d) for d in page.devices[:3]] == ["offline", "online", "online"]


def test_iterates_all_pages_and_clamps_the_page_size(client, controller):
	assert len(list(client.iter_devices(size=3))) == 7
	assert client.devices(size=500).size == 50


def test_device_by_serial(client):
	assert client.device("2237A8M000004")["Model"] == "XX230v"
	assert client.device("NOPE") is None
	with pytest.raises(InvalidValue):
		client.device(" ")


def test_preauthorization_lifecycle(client, controller):
	assert client.preauthorize("os::00D09E-2237A8M000004", "dev-pass") is True
	assert controller.kv == {"os::00D09E-2237A8M000004": "dev-pass"}
	assert client.is_preauthorized("os::00D09E-2237A8M000004")
	assert client.preauthorize("os::00D09E-2237A8M000004", "other", exist_ok=True) is False
	with pytest.raises(ServiceError, match="already has credentials"):
		client.preauthorize("os::00D09E-2237A8M000004", "other")
	assert controller.kv["os::00D09E-2237A8M000004"] == "dev-pass"
	client.revoke("os::00D09E-2237A8M000004")
	client.revoke("os::00D09E-2237A8M000004")  # idempotent
	assert not client.is_preauthorized("os::00D09E-2237A8M000004")
	with pytest.raises(InvalidValue):
		client.preauthorize("", "x")


def test_expired_token_logs_in_again_once(client, controller):
	client.devices()
	controller.tokens.clear()  # the JWT expired
	assert client.device("2237A8M000001")
	assert [r.path for r in controller.peer.requests] == [
		"/api/auth/login",
		"/api/device",
		"/api/device",
		"/api/auth/login",
		"/api/device",
	]


def test_bad_credentials_and_non_admin_are_clear_errors(controller):
	with pytest.raises(ServiceError, match="refused the API user"):
		OktopusClient(controller.peer.url, EMAIL, "wrong", timeout=2).devices()
	controller.admin = False
	with pytest.raises(ServiceError, match="HTTP 403") as err:
		OktopusClient(controller.peer.url, EMAIL, PASSWORD, timeout=2).preauthorize("x", "y")
	assert err.value.retryable is False


def test_not_configured():
	with pytest.raises(ServiceError, match="not configured"):
		OktopusClient("http://127.0.0.1:1", "", "")
