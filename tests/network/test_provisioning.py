"""Provisioning decisions (which server, which USP endpoint ID) and the USP pre-authorization
against the loopback Oktopus controller."""

import pytest

from gigafibre.errors import InvalidValue, ServiceError
from gigafibre.network.oktopus import OktopusClient
from gigafibre.network.provisioning import (
	GENIEACS,
	OKTOPUS,
	management,
	preauthorize_usp,
	preset_for,
	usp_endpoint_id,
)
from gigafibre.tests.peers import LoopbackPeer
from tests.network.oktopus_peer import EMAIL, PASSWORD, Controller


def test_which_server_provisions():
	assert management("Installed", "ONT", "00259E-HG8245Q2-4857", "4857", True) == GENIEACS
	assert management("Installed", "Set-Top Box", "ACS-ID", "X", False) == GENIEACS
	assert management("Installed", "ONT", "", "2237A8M000123", True) == OKTOPUS
	assert management("Installed", "Router", None, "2237A8M000123", True) == OKTOPUS
	assert management("Installed", "Router", None, "2237A8M000123", False) is None  # no Oktopus
	assert management("Installed", "Set-Top Box", None, "STB1", True) is None
	assert management("Installed", "ONT", None, "  ", True) is None  # nothing to name it by
	assert management("In Stock", "ONT", None, "2237A8M000123", True) is None
	assert management("Returned", "ONT", "ACS-ID", "X", True) is None


def test_usp_endpoint_id_is_oui_and_serial():
	assert usp_endpoint_id("2237a8m000123", "5c-62-8b-9a-0b-1c") == "os::5C628B-2237A8M000123"
	assert usp_endpoint_id(" 2237A8M000123 ") == "2237A8M000123"
	assert usp_endpoint_id("2237A8M000123", "not a mac") == "2237A8M000123"
	with pytest.raises(InvalidValue):
		usp_endpoint_id("")


def test_preset_names_the_data_models_inform_interval():
	assert preset_for("X", "TR-181")["configurations"][0]["name"].startswith("Device.")
	assert preset_for("X", None)["configurations"][0]["name"].startswith("InternetGatewayDevice.")


@pytest.fixture
def oktopus():
	controller = Controller()
	with LoopbackPeer(controller) as peer:
		controller.peer = peer
		yield controller, OktopusClient(peer.url, EMAIL, PASSWORD, timeout=2, backoff=0.01)


def test_preauthorizes_then_verifies_and_keeps_an_existing_password(oktopus):
	controller, client = oktopus
	assert preauthorize_usp(client, "os::5C628B-2237A8M000123") is True
	first = controller.kv["os::5C628B-2237A8M000123"]
	assert len(first) >= 24  # a random password, never a fixed one
	assert preauthorize_usp(client, "os::5C628B-2237A8M000123") is False
	assert controller.kv["os::5C628B-2237A8M000123"] == first
	methods = [(r.method, r.path) for r in controller.peer.requests if r.path == "/api/device/auth"]
	assert methods == [("POST", "/api/device/auth"), ("GET", "/api/device/auth")] * 2


def test_a_credential_oktopus_did_not_keep_is_an_error(oktopus):
	controller, client = oktopus
	controller.kv = type("Forgetful", (dict,), {"__setitem__": lambda self, k, v: None})()
	with pytest.raises(ServiceError, match="did not keep the credentials"):
		preauthorize_usp(client, "2237A8M000123", "pw")


def test_non_admin_api_user_is_a_clear_error(oktopus):
	controller, client = oktopus
	controller.admin = False
	with pytest.raises(ServiceError, match="HTTP 403"):
		preauthorize_usp(client, "2237A8M000123")
