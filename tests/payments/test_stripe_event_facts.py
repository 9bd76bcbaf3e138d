"""Stripe events (as documented payloads) -> the payment facts the shell records."""

import json
from datetime import date
from decimal import Decimal

from gigafibre.payments.events import failure_from_event, payment_from_event, ppa_idempotency_key
from gigafibre.payments.setup import CUSTOM_FIELDS

CREATED = 1795644000  # 2026-11-25 19:20 UTC


def _event(kind, obj):
	return {
		"id": "evt_1",
		"object": "event",
		"api_version": "2025-10-29.clover",
		"created": CREATED,
		"type": kind,
		"livemode": False,
		"data": {"object": obj},
	}


def _session(**kw):
	obj = {
		"id": "cs_test_1",
		"object": "checkout.session",
		"amount_total": 9550,
		"client_reference_id": "SINV-1",
		"currency": "cad",
		"customer": "cus_1",
		"metadata": {"invoice": "SINV-1", "customer": "C1"},
		"mode": "payment",
		"payment_intent": "pi_1",
		"payment_status": "paid",
		"status": "complete",
	}
	obj.update(kw)
	return obj


def _intent(**kw):
	obj = {
		"id": "pi_1",
		"object": "payment_intent",
		"amount": 9550,
		"amount_received": 9550,
		"currency": "cad",
		"customer": "cus_1",
		"metadata": {"invoice": "SINV-1", "customer": "C1"},
		"payment_method": "pm_1",
		"setup_future_usage": None,
		"status": "succeeded",
	}
	obj.update(kw)
	return obj


def test_checkout_and_intent_of_one_payment_share_the_reference():
	from_session = payment_from_event(_event("checkout.session.completed", _session()))
	from_intent = payment_from_event(_event("payment_intent.succeeded", _intent()))
	assert from_session.reference == from_intent.reference == "pi_1"
	assert (from_session.invoice, from_session.customer, from_session.amount, from_session.currency) == (
		"SINV-1",
		"C1",
		Decimal("95.5"),
		"CAD",
	)
	assert from_session.paid_on == date(2026, 11, 25)
	assert from_intent.amount == Decimal("95.5") and from_intent.payment_method is None


def test_unpaid_session_and_foreign_intents_are_not_payments():
	assert payment_from_event(_event("checkout.session.completed", _session(payment_status="unpaid"))) is None
	assert payment_from_event(_event("checkout.session.completed", _session(mode="subscription"))) is None
	assert payment_from_event(_event("payment_intent.succeeded", _intent(metadata={}))) is None
	assert payment_from_event(_event("customer.created", {"id": "cus_1"})) is None


def test_invoice_from_metadata_when_no_client_reference():
	payment = payment_from_event(
		_event(
			"checkout.session.completed", _session(client_reference_id=None, payment_intent={"id": "pi_9"})
		)
	)
	assert (payment.invoice, payment.reference) == ("SINV-1", "pi_9")


def test_card_saved_for_off_session_use():
	payment = payment_from_event(
		_event(
			"payment_intent.succeeded",
			_intent(setup_future_usage="off_session", metadata={"invoice": "S", "ppa": "1"}),
		)
	)
	assert (payment.payment_method, payment.stripe_customer, payment.ppa) == ("pm_1", "cus_1", True)


def test_failure():
	failed = failure_from_event(
		_event(
			"payment_intent.payment_failed",
			_intent(
				status="requires_payment_method",
				metadata={"invoice": "SINV-1", "customer": "C1", "ppa": "1"},
				last_payment_error={
					"type": "card_error",
					"code": "card_declined",
					"decline_code": "insufficient_funds",
					"message": "Your card has insufficient funds.",
				},
			),
		)
	)
	assert (failed.reference, failed.invoice, failed.code, failed.ppa) == (
		"pi_1",
		"SINV-1",
		"insufficient_funds",
		True,
	)
	assert failure_from_event(_event("payment_intent.succeeded", _intent())) is None


def test_ppa_key_changes_with_the_day():
	assert ppa_idempotency_key("SINV-1", date(2026, 11, 25)) == "ppa-SINV-1-20261125"
	assert ppa_idempotency_key("SINV-1", date(2026, 11, 26)) != ppa_idempotency_key(
		"SINV-1", date(2026, 11, 25)
	)
