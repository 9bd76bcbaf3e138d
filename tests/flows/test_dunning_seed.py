"""The seed dunning flow, walked by the pure engine: its calendar (day 3, 10, 17, 21 after the due
date), what each step sends, and how a paid or held invoice changes the walk."""

import json
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from gigafibre.flows.action_catalog import ACTIONS, params_problems
from gigafibre.flows.engine import (
	COMPLETED,
	RUNNING,
	WAITING,
	FlowTemplate,
	action_succeeded,
	resume_on_time,
	should_start,
	start,
)
from gigafibre.flows.validation import find_problems

SEEDS = Path(__file__).resolve().parents[2] / "gigafibre" / "flows" / "seed_templates.json"
TITLE = "Relances : facture d'abonnement impayée"
EVENT = "on_invoice_submitted"
SUBMITTED = datetime(2026, 1, 1, 9, 30)
DUE = date(2026, 1, 5)


def seed() -> dict:
	return next(t for t in json.loads(SEEDS.read_text()) if t["title"] == TITLE)


FLOW = FlowTemplate.from_dict({**seed(), "name": TITLE})


def invoice(**fields) -> dict:
	return {
		"doctype": "Sales Invoice",
		"name": "ACC-SINV-2026-00042",
		"docstatus": 1,
		"customer": "CUST-1",
		"subscription": "ACC-SUB-2026-00001",
		"gigafibre_billing_key": "ACC-SUB-2026-00001/2026-01-01",
		"gigafibre_service_location": "LOC-0001",
		"due_date": DUE.isoformat(),  # as a run stores it (JSON)
		"outstanding_amount": 103.48,
		"gigafibre_ppa_pending": None,
		"gigafibre_disputed": 0,
		**fields,
	}


def customer(**fields) -> dict:
	return {
		"name": "CUST-1",
		"customer_name": "Marie Tremblay",
		"mobile_no": "+15145550123",
		"email_id": "marie@exemple.ca",
		"sms_opt_out": False,
		"payment_arrangement": False,
		**fields,
	}


class Walk:
	"""One run of the seed flow, woken exactly when it asks, every action succeeding."""

	def __init__(self, doc=None, cust=None):
		self.doc, self.customer = doc or invoice(), cust or customer()
		self.state, self.effects = start(FLOW, self.doc, EVENT, SUBMITTED, customer=self.customer)
		self.sent: list[tuple[datetime, str, dict]] = []
		self.clock = SUBMITTED
		self.perform()

	def wake(self, **doc_changes):
		"""Wake at wake_at with the document and customer as they are then; perform its actions."""
		assert self.state.status == WAITING, self.state
		self.doc = {**self.doc, **doc_changes}
		self.clock = self.state.wake_at
		self.state, self.effects = resume_on_time(
			FLOW, self.state, self.clock, doc=self.doc, context={"customer": self.customer}
		)
		self.perform()
		return self

	def perform(self):
		while self.state.status == RUNNING:
			(effect,) = self.effects
			self.sent.append((self.clock, effect.action, effect.params))
			self.state, self.effects = action_succeeded(FLOW, self.state, {"status": "Sent"}, self.clock)

	def run_to_end(self, limit=50):
		for _ in range(limit):
			if self.state.status != WAITING:
				break
			self.wake()
		return self


def test_the_seed_is_a_valid_editable_template():
	template = seed()
	assert find_problems(template, ACTIONS) == []
	for step in FLOW.steps:
		if step.step_type == "action":
			assert params_problems(step.action, step.parsed_params(), step.step_id) == []
	assert template["trigger_event"] == EVENT and template["reference_doctype"] == "Sales Invoice"


@pytest.mark.parametrize(
	("doc", "starts"),
	[
		(invoice(), True),
		(invoice(subscription=None), True),  # the billing key alone says it is a subscription's
		(invoice(subscription=None, gigafibre_billing_key=None), False),  # a one-time invoice
		(invoice(outstanding_amount=0), False),  # paid at once (pre-authorized, credit applied)
		(invoice(is_return=1, outstanding_amount=-20), False),
	],
)
def test_starts_for_unpaid_subscription_invoices_only(doc, starts):
	assert should_start(FLOW, doc, {"customer": customer()}) is starts


def test_unpaid_invoice_walks_day_3_10_17_then_the_suspension_proposal_on_day_21():
	walk = Walk()
	assert walk.state.status == WAITING and walk.state.wake_at == datetime(2026, 1, 8, 10)  # day 3
	walk.run_to_end()
	assert walk.state.status == COMPLETED and walk.state.current_step == "done"
	when = [(at, action) for at, action, _ in walk.sent]
	assert when == [
		(datetime(2026, 1, 8, 10), "send_sms"),  # day 3, 10:00, outside the quiet hours
		(datetime(2026, 1, 15, 10), "send_sms"),  # day 10
		(datetime(2026, 1, 22, 10), "send_sms"),  # day 17: the suspension notice
		(datetime(2026, 1, 26, 10), "enqueue_method"),  # day 21
	]
	reminder, second, notice = (params for _, action, params in walk.sent if action == "send_sms")
	assert reminder["to"] == "+15145550123" and reminder["quiet_hours"] is True
	assert "ACC-SINV-2026-00042" in reminder["body"] and "103.48 $" in reminder["body"]
	assert "2026-01-05" in reminder["body"]
	assert "2e avis" in second["body"] and "suspendu" in notice["body"]
	_, _, proposal = walk.sent[-1]
	assert proposal["method"] == "gigafibre.billing.suspension.propose"
	assert proposal["kwargs"]["invoice"] == "ACC-SINV-2026-00042"
	assert proposal["kwargs"]["service_location"] == "LOC-0001"
	assert "ACC-SINV-2026-00042" in proposal["kwargs"]["reason"]


def test_the_calendar_keeps_ten_oclock_across_a_daylight_saving_change():
	walk = Walk(invoice(due_date="2026-03-05")).run_to_end()  # clocks change on 8 March
	assert [at for at, _, _ in walk.sent] == [
		datetime(2026, 3, 8, 10),
		datetime(2026, 3, 15, 10),
		datetime(2026, 3, 22, 10),
		datetime(2026, 3, 26, 10),
	]


def test_the_calendar_counts_from_the_due_date_not_from_the_submission():
	# Due the day it is issued, at 09:30: the reminder is still day 3 at 10:00.
	walk = Walk(invoice(due_date=SUBMITTED.date().isoformat()))
	assert walk.state.wake_at == datetime(2026, 1, 4, 10)
	# Already past its day 3 when submitted (an invoice made late): reminded at once, the rest
	# of the calendar counting from there.
	walk = Walk(invoice(due_date="2025-12-01"))
	assert [(at, action) for at, action, _ in walk.sent] == [(SUBMITTED, "send_sms")]
	assert walk.state.wake_at == SUBMITTED + timedelta(days=7)


def test_paid_on_any_wake_ends_the_run_without_a_message():
	walk = Walk()
	walk.wake(outstanding_amount=0)  # paid before day 3
	assert walk.state.status == COMPLETED and walk.state.current_step == "paid" and walk.sent == []
	walk = Walk().wake()  # day 3 sent
	walk.wake(docstatus=2)  # cancelled before day 10
	assert walk.state.current_step == "paid" and len(walk.sent) == 1


@pytest.mark.parametrize(
	("doc_hold", "customer_hold", "reason"),
	[
		({"gigafibre_ppa_pending": "pi_123"}, {}, "paiement en cours"),
		({"gigafibre_disputed": 1}, {}, "litige"),
		({}, {"payment_arrangement": True}, "entente de paiement"),
	],
)
def test_a_held_invoice_sends_nothing_rechecks_daily_and_resumes_when_the_hold_ends(
	doc_hold, customer_hold, reason
):
	walk = Walk()  # waiting for day 3
	walk.customer = customer(**customer_hold)
	walk.wake(**doc_hold)  # day 3, held
	assert walk.sent == [] and walk.state.current_step == "rappel_hold_wait"
	assert walk.state.context["vars"]["hold"] == {"count": 1, "reason": reason}
	assert walk.state.wake_at == datetime(2026, 1, 9, 10)
	walk.wake().wake()  # days 4 and 5: still held
	assert walk.sent == [] and walk.state.context["vars"]["hold"]["count"] == 3
	# The hold ends (payment failed, dispute won, arrangement over): the reminder goes out at the
	# next daily check, and the rest of the calendar counts from there.
	walk.customer = customer()
	walk.wake(gigafibre_ppa_pending=None, gigafibre_disputed=0)
	assert [(at, action) for at, action, _ in walk.sent] == [(datetime(2026, 1, 11, 10), "send_sms")]
	walk.run_to_end()
	assert [at for at, _, _ in walk.sent][1:] == [
		datetime(2026, 1, 18, 10),
		datetime(2026, 1, 25, 10),
		datetime(2026, 1, 29, 10),
	]


def test_a_hold_is_bounded_then_left_to_staff():
	walk = Walk(invoice(gigafibre_disputed=1)).run_to_end(limit=200)
	assert walk.state.status == COMPLETED
	assert [action for _, action, _ in walk.sent] == ["create_todo"]
	_, _, todo = walk.sent[0]
	assert "ACC-SINV-2026-00042" in todo["description"] and "litige" in todo["description"]
	assert walk.state.context["vars"]["hold"]["count"] == 121


def test_a_suspension_proposal_is_held_too():
	walk = Walk().wake().wake().wake()  # day 3, day 10, day 17
	assert len(walk.sent) == 3
	walk.wake(gigafibre_disputed=1)  # disputed before day 21
	assert len(walk.sent) == 3 and walk.state.current_step == "suspension_hold_wait"


@pytest.mark.parametrize(
	("cust", "channel"),
	[
		(customer(), "send_sms"),
		(customer(mobile_no=None), "send_email"),
		(customer(sms_opt_out=True), "send_email"),  # answered STOP: the reminder goes by email
		(customer(mobile_no=None, email_id=None), None),
	],
)
def test_sms_else_email_else_nothing_but_the_calendar_goes_on(cust, channel):
	walk = Walk(cust=cust).run_to_end()
	actions = [action for _, action, _ in walk.sent]
	assert actions == ([channel] * 3 if channel else []) + ["enqueue_method"]
	if channel == "send_email":
		_, _, email = walk.sent[0]
		assert email["recipients"] == "marie@exemple.ca" and email["quiet_hours"] is True
		assert "ACC-SINV-2026-00042" in email["subject"]


def test_a_rescheduled_due_date_moves_the_calendar():
	walk = Walk()
	walk.wake(due_date="2026-01-20")  # the due date pushed back before day 3 came
	assert walk.state.current_step == "rappel_wait" and walk.state.wake_at == datetime(2026, 1, 23, 10)
	assert walk.sent == []
