"""The Routr client against a loopback Routr following its REST API v1beta1."""

import pytest

from gigafibre.errors import ServiceError
from gigafibre.tests.routr_peer import PASSWORD, TOKEN, USER, RoutrPeer
from gigafibre.voice.routr import RoutrClient


@pytest.fixture
def routr():
	with RoutrPeer() as peer:
		yield peer


def test_agent_created_found_and_deleted(routr):
	client = RoutrClient(routr.url, USER, PASSWORD)
	ref = client.create_agent("Marie Tremblay", "1001", "s3cret", ["sip.gigafibre.ca"])
	assert routr.agents[ref]["spec"]["credentials"] == {"username": "1001", "secret": "s3cret"}
	assert routr.agents[ref]["kind"] == "Agent"
	token_call = routr.requests[0]
	assert token_call.path == "/api/v1beta1/credentials" and token_call.headers["authorization"].startswith(
		"Basic "
	)
	assert all(r.query["token"] == [TOKEN] for r in routr.requests[1:])
	client.delete_agent(ref)
	assert ref not in routr.agents
	client.delete_agent(ref)  # already gone: nothing to do


def test_number_created_with_its_reference_and_deleted(routr):
	client = RoutrClient(routr.url, USER, PASSWORD)
	ref = client.create_number("+15145550123", "sip:1001@sip.gigafibre.ca", "gweef506", city="Montréal")
	number = routr.numbers[ref]
	assert number["spec"]["location"] == {
		"telUrl": "tel:+15145550123",
		"aorLink": "sip:1001@sip.gigafibre.ca",
	}
	assert number["metadata"]["gwRef"] == "gweef506"
	client.delete_number(ref)
	assert routr.numbers == {}


def test_conflicts_and_missing_dependencies_are_service_errors(routr):
	client = RoutrClient(routr.url, USER, PASSWORD)
	client.create_number("+15145550123", "sip:1001@sip.gigafibre.ca", "gweef506")
	with pytest.raises(ServiceError) as err:
		client.create_number("+15145550123", "sip:1002@sip.gigafibre.ca", "gweef506")
	assert err.value.args_[0] == 409 and not err.value.retryable
	with pytest.raises(ServiceError):
		client.create_number("+15145550124", "sip:1002@sip.gigafibre.ca", "no-such-gateway")
	with pytest.raises(ServiceError):
		client.create_agent("X", "1002", "x", ["other.domain"])


def test_bad_credentials_and_expired_token(routr):
	with pytest.raises(ServiceError):
		RoutrClient(routr.url, USER, "wrong").create_agent("X", "1003", "x", ["sip.gigafibre.ca"])
	client = RoutrClient(routr.url, USER, PASSWORD)
	client._token = "expired"  # a 401 takes a fresh token once
	client.create_agent("X", "1004", "x", ["sip.gigafibre.ca"])
	assert client._token == TOKEN


def test_unreachable_and_unconfigured():
	with pytest.raises(ServiceError) as err:
		RoutrClient("http://127.0.0.1:9", USER, PASSWORD, timeout=1).delete_number("dd1")
	assert err.value.retryable
	with pytest.raises(ServiceError):
		RoutrClient("", USER, PASSWORD)
