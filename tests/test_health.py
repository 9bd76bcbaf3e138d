"""The health report's core (facts in, lines out), the concurrent probes, and each client's `check`
against a loopback peer speaking the vendor's wire format."""

import time

import pytest

from gigafibre.errors import ServiceError
from gigafibre.health import checks
from gigafibre.health.checks import FAIL, OK, WARN, Facts, ProbeTimeout, evaluate, overall, probe_all
from gigafibre.tests.peers import LoopbackPeer, Reply

ALL_SETTINGS = {f for i in checks.INTEGRATIONS for f in (*i.required, *i.recommended)} | {
	"portal_base_url",
	"tech_base_url",
	"jwt_secret",
}


def by_key(lines):
	return {line.key: line for line in lines}


def healthy(**changes) -> Facts:
	values = dict(
		settings={f: True for f in ALL_SETTINGS},
		probes={i.key: None for i in checks.INTEGRATIONS},
		outgoing_email=True,
		scheduler="enabled",
		workers={"short": 1, "default": 2, "long": 1},
		wkhtmltopdf=True,
		stuck={"webhook_events": 0, "flow_runs": 0, "emails": 0},
	)
	values.update(changes)
	return Facts(**values)


def test_a_fresh_site_has_a_failing_line_for_each_thing_not_set_up():
	lines = by_key(evaluate(Facts(stuck={"webhook_events": 0, "flow_runs": 0})))
	for spec in checks.INTEGRATIONS:
		assert lines[f"integration.{spec.key}"].status == FAIL
		assert lines[f"integration.{spec.key}"].fix == spec.fix
	for key in (
		"portal_base_url",
		"tech_base_url",
		"jwt_secret",
		"outgoing_email",
		"scheduler",
		"wkhtmltopdf",
	):
		assert lines[key].status == FAIL, key
		assert lines[key].fix, key
	assert lines["workers"].status == FAIL  # Redis did not answer
	assert lines["stuck.webhook_events"].status == OK
	assert "oktopus_worker" not in lines  # nothing known of it
	assert overall(list(lines.values())) == FAIL


def test_missing_fields_are_named_by_their_labels():
	line = by_key(evaluate(Facts(settings={"stripe_secret_key": True})))["integration.stripe"]
	assert (line.status, line.detail_args) == (FAIL, ("stripe_webhook_secret",))
	labels = {
		"stripe_secret_key": "Stripe Secret Key",
		"stripe_webhook_secret": "Stripe Webhook Signing Secret",
	}
	line = by_key(evaluate(Facts(labels=labels)))["integration.stripe"]
	assert line.detail_args == ("Stripe Secret Key, Stripe Webhook Signing Secret",)


def test_everything_set_up_and_answering_is_green():
	lines = evaluate(healthy())
	assert [line.key for line in lines if line.status != OK] == []
	assert overall(lines) == OK
	workers = by_key(lines)["workers.default"]
	assert (workers.title_args, workers.detail_args) == (("default",), (2,))


def test_a_service_that_does_not_answer_fails_with_what_went_wrong():
	facts = healthy(probes={"stripe": "Stripe refused the secret key", "twilio": None})
	lines = by_key(evaluate(facts))
	assert lines["integration.stripe"].status == FAIL
	assert lines["integration.stripe"].detail_args == ("Stripe refused the secret key",)
	assert lines["integration.stripe"].fix == checks.ANSWER_FIX
	# not probed (no client call for it): configured is enough
	assert lines["integration.gemini"].status == OK
	assert lines["integration.gemini"].detail == "Configured (not called by this check)."


def test_a_recommended_setting_missing_is_a_warning():
	settings = {f: True for f in ALL_SETTINGS} | {"twilio_public_url": False}
	line = by_key(evaluate(healthy(settings=settings)))["integration.twilio"]
	assert (line.status, line.detail_args) == (WARN, ("twilio_public_url",))


def test_integrations_left_out_are_not_reported():
	lines = by_key(evaluate(healthy(integrations=("stripe",))))
	assert "integration.stripe" in lines and "integration.traccar" not in lines


def test_scheduler_workers_and_stuck_rows():
	lines = by_key(
		evaluate(
			healthy(
				scheduler="paused",
				workers={"short": 0, "default": 1},
				stuck={"webhook_events": 3, "flow_runs": 0, "emails": 0, "outgoing_messages": 2},
				email_errors=4,
			)
		)
	)
	assert lines["scheduler"].status == FAIL and "pause" in lines["scheduler"].detail
	assert lines["workers.short"].status == FAIL
	assert lines["workers.long"].status == FAIL  # no worker listed for it at all
	assert (lines["stuck.webhook_events"].status, lines["stuck.webhook_events"].detail_args) == (FAIL, (3,))
	assert lines["stuck.outgoing_messages"].status == FAIL
	assert (lines["stuck.emails"].status, lines["stuck.emails"].detail_args) == (WARN, (4,))
	assert lines["stuck.flow_runs"].status == OK
	given_up = by_key(evaluate(healthy(given_up_webhooks=2)))["stuck.webhook_events"]
	assert (given_up.status, given_up.detail_args) == (WARN, (2,))


def test_oktopus_worker_line_only_when_its_broker_is_set():
	assert "oktopus_worker" not in by_key(evaluate(healthy(oktopus_worker="running")))
	settings = {f: True for f in ALL_SETTINGS} | {"oktopus_mqtt_host": True}
	assert (
		by_key(evaluate(healthy(settings=settings, oktopus_worker="running")))["oktopus_worker"].status == OK
	)
	down = by_key(evaluate(healthy(settings=settings, oktopus_worker="not connected")))["oktopus_worker"]
	assert (down.status, down.detail_args) == (FAIL, ("not connected",))


def test_every_failing_line_has_a_fix():
	for line in evaluate(Facts(stuck={"webhook_events": 1, "flow_runs": 1, "emails": 1}, workers={})):
		if line.status != OK:
			assert line.fix, line.key


# ------------------------------------------------------------------ probes


def test_probes_run_at_once_and_a_slow_one_is_cut_at_the_deadline():
	def boom():
		raise ServiceError("down")

	started = time.monotonic()
	results = probe_all(
		{
			"a": lambda: time.sleep(0.3),
			"b": lambda: time.sleep(0.3),
			"c": lambda: time.sleep(0.3),
			"boom": boom,
			"slow": lambda: time.sleep(5),
		},
		deadline=1.0,
	)
	elapsed = time.monotonic() - started
	assert 0.9 <= elapsed < 1.6
	assert results["a"] is None and results["b"] is None and results["c"] is None
	assert isinstance(results["boom"], ServiceError)
	assert isinstance(results["slow"], ProbeTimeout) and results["slow"].seconds == 1.0


def test_probes_return_as_soon_as_all_answered():
	started = time.monotonic()
	assert probe_all({"a": lambda: None, "b": lambda: time.sleep(0.1)}, deadline=5) == {"a": None, "b": None}
	assert time.monotonic() - started < 1
	assert probe_all({}, deadline=5) == {}


# ------------------------------------------------------------------ clients' checks


def test_stripe_check_reads_the_balance_with_the_key():
	from gigafibre.payments.stripe_client import KEY_REFUSED, PaymentError, StripePayments

	def stripe(request):
		if request.headers.get("authorization") != "Bearer sk_test_good":
			return Reply(
				401, {"error": {"type": "invalid_request_error", "message": "Invalid API Key provided"}}
			)
		return Reply(200, {"object": "balance", "available": [], "pending": [], "livemode": False})

	with LoopbackPeer(stripe) as peer:
		StripePayments("sk_test_good", api_base=peer.url, timeout=2, max_network_retries=0).check()
		assert [(r.method, r.path) for r in peer.requests] == [("GET", "/v1/balance")]
		with pytest.raises(PaymentError) as refused:
			StripePayments("sk_test_bad", api_base=peer.url, timeout=2, max_network_retries=0).check()
		assert refused.value.code == KEY_REFUSED


def test_stripe_without_a_key_says_it_is_not_set_up():
	from gigafibre.payments.stripe_client import NOT_CONFIGURED, SETUP_CODES, PaymentError, StripePayments

	with pytest.raises(PaymentError) as unset:
		StripePayments("")
	assert unset.value.code == NOT_CONFIGURED and NOT_CONFIGURED in SETUP_CODES


def test_twilio_check_fetches_the_account():
	from gigafibre.messaging.twilio_sms import TwilioSms

	sid = "AC" + "1" * 32

	def twilio(request):
		if request.path == f"/2010-04-01/Accounts/{sid}.json":
			return Reply(200, {"sid": sid, "status": "active", "friendly_name": "Gigafibre"})
		return Reply(404, {"code": 20404, "message": "The requested resource was not found", "status": 404})

	with LoopbackPeer(twilio) as peer:
		TwilioSms(sid, "token", "+15145550100", api_base=peer.url, timeout=2).check()
		assert [(r.method, r.path) for r in peer.requests] == [("GET", f"/2010-04-01/Accounts/{sid}.json")]
		with pytest.raises(ServiceError, match="refused the account"):
			TwilioSms("AC" + "2" * 32, "token", "+15145550100", api_base=peer.url, timeout=2).check()


def test_gemini_check_reads_the_model():
	from gigafibre.vision.client import VisionClient

	def gemini(request):
		if request.headers.get("x-goog-api-key") != "good-key":
			return Reply(
				400, {"error": {"code": 400, "message": "API key not valid.", "status": "INVALID_ARGUMENT"}}
			)
		return Reply(200, {"name": "models/gemini-2.5-flash", "displayName": "Gemini 2.5 Flash"})

	with LoopbackPeer(gemini) as peer:
		VisionClient("good-key", base_url=peer.url, timeout=2).check()
		assert peer.requests[0].method == "GET"
		assert peer.requests[0].path.endswith("/models/gemini-2.5-flash")
		with pytest.raises(ServiceError, match="Gemini API key"):
			VisionClient("bad-key", base_url=peer.url, timeout=2).check()


def test_bridge_check_sends_no_modem_and_tells_a_refused_token():
	from gigafibre.network.bridge_client import BridgeClient

	def bridge(request):
		if request.headers.get("authorization") != "Bearer good-token-0123456789":
			return Reply(401, {"error": "unauthorized"})
		return Reply(400, {"error": "The modem address (url) is required."})

	with LoopbackPeer(bridge) as peer:
		BridgeClient(peer.url, "good-token-0123456789", timeout=2, retries=0).check()
		assert [(r.method, r.path, r.json()) for r in peer.requests] == [("POST", "/read", {})]
		with pytest.raises(ServiceError, match="refused our token"):
			BridgeClient(peer.url, "bad-token", timeout=2, retries=0).check()


def test_bridge_check_against_the_real_bridge_server():
	from gigafibre.network.bridge_client import BridgeClient
	from gigafibre.network.bridge_server import BridgeServer
	from gigafibre.network.modem_bridge import ModemBridge

	token = "bridge-token-0123456789abcdef"
	server = BridgeServer(ModemBridge(token), port=0).start()
	try:
		BridgeClient(server.url, token, timeout=2, retries=0).check()
		with pytest.raises(ServiceError, match="refused our token"):
			BridgeClient(server.url, "wrong-token-0123456789abcdef", timeout=2, retries=0).check()
	finally:
		server.stop()
