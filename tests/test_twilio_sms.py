"""The Twilio client against a loopback server speaking Twilio's Messages API (2010-04-01)."""

import base64
import socket
from datetime import datetime, timedelta, timezone

import pytest

from gigafibre.errors import ServiceError
from gigafibre.messaging.twilio_sms import OutcomeUnknown, TwilioSms
from gigafibre.tests.peers import LoopbackPeer, Reply
from gigafibre.tests.twilio_peer import TwilioMessages

SID = "AC" + "0" * 32
TOKEN = "test-auth-token"


def _message_created(request):
	form = request.form()
	return Reply(
		201,
		{
			"account_sid": SID,
			"api_version": "2010-04-01",
			"body": form["Body"],
			"date_created": "Wed, 25 Nov 2026 21:00:00 +0000",
			"direction": "outbound-api",
			"error_code": None,
			"error_message": None,
			"from": form["From"],
			"num_segments": "1",
			"sid": "SM" + "a" * 32,
			"status": "queued",
			"to": form["To"],
			"uri": f"/2010-04-01/Accounts/{SID}/Messages/SM{'a' * 32}.json",
		},
	)


def _client(peer, **kw):
	return TwilioSms(SID, TOKEN, "514 555-0100", api_base=peer.url, timeout=2, **kw)


def test_send_posts_the_message_form_with_basic_auth():
	with LoopbackPeer(_message_created) as peer:
		sent = _client(peer, status_callback="https://erp.example/cb").send("(438) 555-0123", "Bonjour!")
	assert sent.sid.startswith("SM") and sent.status == "queued" and sent.to == "+14385550123"
	(request,) = peer.requests
	assert request.method == "POST"
	assert request.path == f"/2010-04-01/Accounts/{SID}/Messages.json"
	assert request.form() == {
		"To": "+14385550123",
		"From": "+15145550100",
		"Body": "Bonjour!",
		"StatusCallback": "https://erp.example/cb",
	}
	assert request.headers["authorization"] == "Basic " + base64.b64encode(f"{SID}:{TOKEN}".encode()).decode()


def test_refusal_is_a_clear_error_not_retryable():
	def refuse(_request):
		return Reply(
			400,
			{
				"code": 21211,
				"message": "The 'To' number +15145550000 is not a valid phone number.",
				"more_info": "https://www.twilio.com/docs/errors/21211",
				"status": 400,
			},
		)

	with LoopbackPeer(refuse) as peer, pytest.raises(ServiceError) as err:
		_client(peer).send("514 555-0199", "Bonjour")
	assert "not a valid phone number" in str(err.value)
	assert err.value.retryable is False


@pytest.mark.parametrize("status", [429, 500, 503])
def test_overload_and_server_errors_are_retryable(status):
	with LoopbackPeer(
		lambda r: Reply(status, {"code": 20429, "message": "Too Many Requests", "status": status})
	) as peer:
		with pytest.raises(ServiceError) as err:
			_client(peer).send("514 555-0199", "Bonjour")
	assert err.value.retryable is True


def test_timeout_is_bounded_and_retryable():
	with LoopbackPeer(lambda r: Reply(201, {}, delay=1.5)) as peer:
		client = TwilioSms(SID, TOKEN, "5145550100", api_base=peer.url, timeout=0.3)
		with pytest.raises(ServiceError) as err:
			client.send("514 555-0199", "Bonjour")
	assert err.value.retryable is True


def test_a_timeout_after_the_request_left_is_an_unknown_outcome_looked_up_before_sending_again():
	"""The issue's case: Twilio takes the message but answers too late. The next attempt lists
	the messages to that number and finds it: one SMS, not two."""
	twilio = TwilioMessages(SID, late=1, late_delay=1.0)
	with LoopbackPeer(twilio) as peer:
		client = TwilioSms(SID, TOKEN, "514 555-0100", api_base=peer.url, timeout=0.3)
		first_attempt = datetime.now(timezone.utc)
		with pytest.raises(OutcomeUnknown) as err:
			client.send("438 555-0123", "Votre technicien arrive.")
		assert err.value.retryable is True and "may have been sent" in str(err.value)
		sent = client.send("438 555-0123", "Votre technicien arrive.", sent_since=first_attempt)
	assert [m["body"] for m in twilio.sent_to("+14385550123")] == ["Votre technicien arrive."]
	assert sent.sid == twilio.messages[0]["sid"] and sent.to == "+14385550123"
	(listing,) = [r for r in peer.requests if r.method == "GET"]
	assert listing.path == f"/2010-04-01/Accounts/{SID}/Messages.json"
	assert listing.query["To"] == ["+14385550123"] and listing.query["From"] == ["+15145550100"]


def test_the_lookup_sends_when_twilio_has_no_such_message():
	twilio = TwilioMessages(SID)
	with LoopbackPeer(twilio) as peer:
		client = _client(peer)
		client.send("438 555-0123", "Autre texte")
		# an older message with the same text (before the first attempt) and another text now
		twilio.messages[0]["date_created"] = "Mon, 30 Nov 2026 08:00:00 +0000"
		twilio.messages[0]["body"] = "Bonjour"
		client.send("438 555-0123", "Bonsoir")
		sent = client.send(
			"438 555-0123", "Bonjour", sent_since=datetime.now(timezone.utc) - timedelta(minutes=5)
		)
	assert [m["body"] for m in twilio.messages] == ["Bonjour", "Bonsoir", "Bonjour"]
	assert sent.sid == twilio.messages[2]["sid"]


def test_a_connection_that_never_opened_is_not_an_unknown_outcome():
	with socket.socket() as sock:
		sock.bind(("127.0.0.1", 0))
		port = sock.getsockname()[1]  # nothing listens here once closed
	client = TwilioSms(SID, TOKEN, "5145550100", api_base=f"http://127.0.0.1:{port}", timeout=0.5)
	with pytest.raises(ServiceError) as err:
		client.send("514 555-0199", "Bonjour")
	assert err.value.retryable is True and not isinstance(err.value, OutcomeUnknown)


def test_server_errors_may_have_been_taken_and_429_was_not():
	for status, unknown in ((500, True), (503, True), (429, False)):
		with LoopbackPeer(lambda r, s=status: Reply(s, {"code": 20500, "message": "x", "status": s})) as peer:
			with pytest.raises(ServiceError) as err:
				_client(peer).send("514 555-0199", "Bonjour")
		assert isinstance(err.value, OutcomeUnknown) is unknown, status


def test_bad_input_refused_before_any_request():
	with LoopbackPeer(_message_created) as peer:
		client = _client(peer)
		with pytest.raises(ServiceError, match="no text"):
			client.send("514 555-0199", "   ")
		with pytest.raises(ServiceError, match="too long"):
			client.send("514 555-0199", "x" * 1601)
		with pytest.raises(ValueError):
			client.send("not a phone", "Bonjour")
	assert peer.requests == []


def test_missing_configuration_is_named():
	with pytest.raises(ServiceError, match="not configured"):
		TwilioSms("", "", "")
