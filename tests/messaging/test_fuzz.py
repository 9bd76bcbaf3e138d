"""Arbitrary input never breaks the pure pieces: a bool, a keyword or None, or a clear InvalidValue."""

from datetime import datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from gigafibre.errors import InvalidValue
from gigafibre.messaging import twilio_webhooks as tw
from gigafibre.messaging.pbx_events import parse_call_event
from gigafibre.voice import ivr

text = st.text(max_size=60)
params = st.dictionaries(text, text, max_size=6)


@settings(max_examples=300, deadline=None)
@given(token=text, url=text, form=params, signature=st.one_of(st.none(), text))
def test_verify_signature_only_answers_true_or_false(token, url, form, signature):
	assert tw.verify_signature(token, url, form, signature) in (True, False)


@settings(max_examples=300, deadline=None)
@given(token=st.text(min_size=1, max_size=40), form=params)
def test_a_signature_never_verifies_for_other_params(token, form):
	url = "https://erp.gigafibre.ca/api/method/gigafibre.api.webhooks.twilio.sms"
	signature = tw.RequestValidator(token).compute_signature(url, form)
	assert tw.verify_signature(token, url, form, signature)
	assert not tw.verify_signature(
		token, url, {**form, "Injected": form.get("Injected", "") + "x"}, signature
	)


@settings(max_examples=300, deadline=None)
@given(body=st.one_of(st.none(), text))
def test_keyword_is_total(body):
	assert tw.keyword(body) in ("opt_out", "opt_in", None)


@settings(max_examples=300, deadline=None)
@given(digit=st.one_of(st.none(), text), speech=st.one_of(st.none(), text))
def test_ivr_choice_is_always_twiml(digit, speech):
	context = ivr.Context(
		caller=ivr.Caller("+15145550100", "CUST-1", "Marie", balance=1.0),
		lang="fr",
		now=datetime(2026, 12, 2, 10, 0),
		url=lambda step, **params: f"https://x.example/voice?s={step}",
		translate=lambda template, lang: template,
	)
	assert ivr.choose(context, digit, speech).twiml.startswith("<?xml")


@settings(max_examples=300, deadline=None)
@given(
	payload=st.dictionaries(
		st.sampled_from(
			[
				"call_id",
				"CallID",
				"state",
				"CallType",
				"direction",
				"from",
				"to",
				"Number",
				"duration",
				"Duration",
				"agent",
				"x",
			]
		),
		st.one_of(text, st.integers()),
	)
)
def test_call_events_parse_or_fail_clearly(payload):
	try:
		event = parse_call_event(payload)
	except InvalidValue:
		return
	assert event.call_id and event.direction in ("inbound", "outbound") and event.duration_seconds >= 0
