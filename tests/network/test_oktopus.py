"""The Oktopus REST client against a loopback controller speaking its API (router of
backend/services/controller/internal/api: PUT /api/auth/login, /api/device, /api/device/auth)."""

import pytest

from gigafibre.errors import InvalidValue, ServiceError
from gigafibre.network.oktopus import OktopusClient, device_status
from gigafibre.tests.peers import LoopbackPeer
from tests.network.oktopus_peer import EMAIL, PASSWORD, Controller


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
