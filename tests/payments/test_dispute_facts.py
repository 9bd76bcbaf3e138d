"""Stripe dispute events (as documented payloads) -> whether the invoice is disputed."""

import pytest

from gigafibre.payments.events import Dispute, dispute_from_event


def _event(kind, **obj):
	dispute = {
		"id": "dp_1",
		"object": "dispute",
		"amount": 10348,
		"currency": "cad",
		"charge": "ch_1",
		"payment_intent": "pi_1",
		"reason": "fraudulent",
		"status": "needs_response",
		"metadata": {},
		**obj,
	}
	return {"id": "evt_1", "object": "event", "type": kind, "data": {"object": dispute}}


def test_an_opened_dispute_marks_the_invoice():
	assert dispute_from_event(_event("charge.dispute.created")) == Dispute(
		dispute="dp_1", payment_intent="pi_1", charge="ch_1", status="needs_response", disputed=True
	)
	# An inquiry (warning_needs_response) holds the dunning too.
	assert dispute_from_event(_event("charge.dispute.created", status="warning_needs_response")).disputed


@pytest.mark.parametrize(("status", "disputed"), [("won", False), ("warning_closed", False), ("lost", True)])
def test_a_closed_dispute_clears_the_mark_unless_it_was_lost(status, disputed):
	assert dispute_from_event(_event("charge.dispute.closed", status=status)).disputed is disputed


def test_expanded_objects_and_what_is_not_a_dispute_of_ours():
	expanded = _event("charge.dispute.created", payment_intent={"id": "pi_9"}, charge={"id": "ch_9"})
	assert (dispute_from_event(expanded).payment_intent, dispute_from_event(expanded).charge) == (
		"pi_9",
		"ch_9",
	)
	assert dispute_from_event(_event("charge.dispute.updated")) is None
	assert dispute_from_event(_event("charge.dispute.funds_withdrawn")) is None
	assert dispute_from_event(_event("charge.dispute.created", payment_intent=None, charge=None)) is None
	assert dispute_from_event({"type": "charge.dispute.created"}) is None
