"""Twilio webhook signatures computed as Twilio computes them, keywords, TwiML, delivery status."""

import base64
import hashlib
import hmac
import xml.etree.ElementTree as ET

import pytest

from gigafibre.messaging import twilio_webhooks as tw

TOKEN = "12345678901234567890123456789012"
URL = "https://erp.gigafibre.ca/api/method/gigafibre.api.webhooks.twilio.sms"
PARAMS = {
	"AccountSid": "AC" + "0" * 32,
	"Body": "Bonjour, mon internet ne marche plus",
	"From": "+15145550123",
	"MessageSid": "SM" + "1" * 32,
	"NumMedia": "0",
	"To": "+15145550100",
}


def twilio_signature(token: str, url: str, params: dict) -> str:
	"""Twilio's documented scheme: URL, then each POST parameter sorted by name as name+value,
	HMAC-SHA1 keyed with the auth token, base64."""
	data = url + "".join(name + params[name] for name in sorted(params))
	return base64.b64encode(hmac.new(token.encode(), data.encode(), hashlib.sha1).digest()).decode()


def test_good_signature_verifies():
	assert tw.verify_signature(TOKEN, URL, PARAMS, twilio_signature(TOKEN, URL, PARAMS))


class MultiDict(dict):
	"""The shape of a parsed form (werkzeug's MultiDict): one key, several values."""

	def __init__(self, pairs):
		super().__init__()
		self.pairs = pairs
		for key, value in pairs:
			self.setdefault(key, value)

	def getlist(self, key):
		return [v for k, v in self.pairs if k == key]


def test_form_with_repeated_keys_verifies():
	pairs = [*PARAMS.items(), ("MediaUrl", "https://b.example/2"), ("MediaUrl", "https://a.example/1")]
	form = MultiDict(pairs)
	# Twilio: a repeated name contributes each of its values, sorted.
	data = URL + "".join(n + v for n, v in sorted(pairs))
	signature = base64.b64encode(hmac.new(TOKEN.encode(), data.encode(), hashlib.sha1).digest()).decode()
	assert tw.verify_signature(TOKEN, URL, form, signature)
	assert not tw.verify_signature(TOKEN, URL, MultiDict(pairs[:-1]), signature)


def test_known_vector_from_twilio_docs():
	# The vector of twilio-python's own test suite (tests/unit/test_request_validator.py).
	url = "https://mycompany.com/myapp.php?foo=1&bar=2"
	params = {
		"CallSid": "CA1234567890ABCDE",
		"Caller": "+14158675309",
		"Digits": "1234",
		"From": "+14158675309",
		"To": "+18005551212",
	}
	assert twilio_signature("12345", url, params) == "RSOYDt4T1cUTdK1PDd93/VVr8B8="
	assert tw.verify_signature("12345", url, params, "RSOYDt4T1cUTdK1PDd93/VVr8B8=")


def test_wrong_token_fails():
	assert not tw.verify_signature(TOKEN, URL, PARAMS, twilio_signature("another-token", URL, PARAMS))


@pytest.mark.parametrize("signature", [None, "", "not-base64", "RSOYDt4T1cUTdK1PDd93/VVr8B8="])
def test_missing_or_garbage_signature_fails(signature):
	assert not tw.verify_signature(TOKEN, URL, PARAMS, signature)


def test_missing_token_fails():
	assert not tw.verify_signature("", URL, PARAMS, twilio_signature("", URL, PARAMS))
	assert not tw.verify_signature(None, URL, PARAMS, "x")


def test_tampered_param_fails():
	signature = twilio_signature(TOKEN, URL, PARAMS)
	assert not tw.verify_signature(TOKEN, URL, {**PARAMS, "Body": "STOP"}, signature)
	assert not tw.verify_signature(TOKEN, URL, {**PARAMS, "Extra": "1"}, signature)
	assert not tw.verify_signature(
		TOKEN, URL, {k: v for k, v in PARAMS.items() if k != "NumMedia"}, signature
	)


def test_url_mismatch_fails():
	signature = twilio_signature(TOKEN, URL, PARAMS)
	internal = "http://127.0.0.1:8000/api/method/gigafibre.api.webhooks.twilio.sms"
	assert not tw.verify_signature(TOKEN, internal, PARAMS, signature)
	assert not tw.verify_signature(TOKEN, URL.replace(".sms", ".status"), PARAMS, signature)
	assert not tw.verify_signature(TOKEN, URL + "?x=1", PARAMS, signature)


def test_default_port_is_tolerated_as_the_sdk_does():
	signature = twilio_signature(TOKEN, URL, PARAMS)
	with_port = URL.replace("gigafibre.ca/", "gigafibre.ca:443/")
	assert tw.verify_signature(TOKEN, with_port, PARAMS, signature)


def test_public_url_rebuilds_what_twilio_called():
	assert (
		tw.public_url("https://erp.gigafibre.ca/", "/api/method/x") == "https://erp.gigafibre.ca/api/method/x"
	)
	assert tw.public_url("https://erp.gigafibre.ca", "/api/method/x", b"a=1&b=2") == (
		"https://erp.gigafibre.ca/api/method/x?a=1&b=2"
	)


@pytest.mark.parametrize(
	"body",
	["STOP", "stop", " Stop. ", "ARRET", "arrêt", "ARRÊT!", "unsubscribe", "StopAll", "Arrêter", "cancel"],
)
def test_opt_out_keywords(body):
	assert tw.keyword(body) == "opt_out"


@pytest.mark.parametrize("body", ["START", "start", "Unstop", "début"])
def test_opt_in_keywords(body):
	assert tw.keyword(body) == "opt_in"


@pytest.mark.parametrize(
	"body", ["", None, "stop the noise please", "Mon internet est arrêté", "STOP STOP", "bonjour"]
)
def test_ordinary_messages_are_not_keywords(body):
	assert tw.keyword(body) is None


def test_empty_responses():
	assert ET.fromstring(tw.empty_messaging_response()).tag == "Response"
	assert len(ET.fromstring(tw.empty_messaging_response())) == 0
	assert len(ET.fromstring(tw.empty_voice_response())) == 0


def test_delivery_status_moves_forward_only():
	assert tw.next_delivery_status(None, "queued") == "Sending"
	assert tw.next_delivery_status("Sending", "sent") is None
	assert tw.next_delivery_status("Sending", "delivered") == "Sent"
	assert tw.next_delivery_status("Sent", "sent") is None  # a late "sent" after "delivered"
	assert tw.next_delivery_status("Sending", "undelivered") == "Bounced"
	assert tw.next_delivery_status("Sending", "failed") == "Error"
	assert tw.next_delivery_status("Sent", "read") == "Read"
	assert tw.next_delivery_status("Sent", "unknown-status") is None
