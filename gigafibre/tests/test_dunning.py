"""Dunning as flows, in a real bench with frozen time: the seed flow walks an unpaid subscription
invoice from the day-3 reminder to the suspension proposal, stops when it is paid, sends nothing
while it is held (payment processing, dispute, arrangement), respects quiet hours and STOP; Stripe
disputes mark the invoice."""

import json
import random
from datetime import datetime, time, timedelta
from unittest.mock import patch

import frappe
from frappe.utils import add_days, get_datetime, getdate, nowdate

from gigafibre.errors import ServiceError
from gigafibre.flows import runner
from gigafibre.flows.actions import RunContext, perform
from gigafibre.install import ensure_seed_flows
from gigafibre.messaging import outbox
from gigafibre.messaging.service import set_opt_out
from gigafibre.tests.test_stripe import StripeTestCase, event, intent_succeeded, post_webhook, sign
from gigafibre.tests.utils import (
	SmsTestCase,
	company,
	ensure_outgoing_email_account,
	make_location,
	make_submitted_invoice,
	pay,
	test_customer,
)

DUNNING = "Relances : facture d'abonnement impayée"
PROPOSE = "gigafibre.billing.suspension.propose"
ITEM = "_Test Gigafibre Plan"  # tests.utils.TEST_ITEM, made by make_submitted_invoice


def unique(prefix: str = "") -> str:
	return prefix + frappe.generate_hash(length=8)


def at(day, hour: int, minute: int = 0) -> datetime:
	return datetime.combine(day, time(hour, minute))


def to_the_second(value) -> datetime:
	"""A stored datetime without the microsecond the frozen clocks add."""
	return get_datetime(value).replace(microsecond=0)


class DunningTestCase(SmsTestCase):
	"""Only the seed dunning flow listens; quiet hours 21:00-08:00; every test on its own customer."""

	settings = {"quiet_hours_start": "21:00:00", "quiet_hours_end": "08:00:00"}  # noqa: RUF012

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		# The seed as shipped (a site keeps its own edited copy: this test's copy is rolled back).
		if frappe.db.exists("Flow Template", DUNNING):
			frappe.delete_doc("Flow Template", DUNNING, force=True, ignore_permissions=True)
		ensure_seed_flows()
		for name in frappe.get_all("Flow Template", filters={"enabled": 1}, pluck="name"):
			frappe.db.set_value("Flow Template", name, "enabled", 0)
		frappe.db.set_value("Flow Template", DUNNING, "enabled", 1)
		runner.clear_cache()
		frappe.clear_document_cache("Gigafibre Settings", "Gigafibre Settings")
		ensure_outgoing_email_account()
		make_submitted_invoice(test_customer()).cancel()  # the test item exists from here on
		cls.today = getdate(nowdate())

	@classmethod
	def tearDownClass(cls):
		super().tearDownClass()
		frappe.clear_document_cache("Gigafibre Settings", "Gigafibre Settings")
		runner.clear_cache()

	def freeze_time(self, when, *args, **kwargs):
		# Never on a whole second: Frappe compares `modified` as text, and a datetime without
		# microseconds prints without them (a save would then look like a concurrent edit).
		when = get_datetime(when)
		return super().freeze_time(
			when if when.microsecond else when + timedelta(microseconds=1), *args, **kwargs
		)

	# ---------------------------------------------------------------- fixtures

	def customer(self, mobile: bool = True, email: bool = False, **fields) -> tuple[str, str | None]:
		"""A customer of this test alone (and its E.164 mobile)."""
		phone = f"+1438555{random.randint(100, 199):03d}{random.randint(0, 9)}" if mobile else None
		name = test_customer(unique("_Test Dunning "), mobile=phone)
		values = {"email_id": f"{unique('dun')}@exemple.ca" if email else None, **fields}
		frappe.db.set_value("Customer", name, values)
		return name, phone

	def invoice(self, customer: str, due_days: int = 0, **fields):
		"""A submitted subscription invoice of this run (its billing key, a location of the customer)."""
		location = make_location(customer=customer, address_line1=unique("12 rue des Relances "))
		invoice = frappe.get_doc(
			{
				"doctype": "Sales Invoice",
				"customer": customer,
				"company": company(),
				"posting_date": nowdate(),
				"due_date": add_days(nowdate(), due_days),
				"gigafibre_billing_key": f"{unique('_Test-DUN-')}/{nowdate()}",
				"gigafibre_service_location": location.name,
				"items": [{"item_code": ITEM, "qty": 1, "rate": 103.48}],
				**fields,
			}
		)
		invoice.insert()
		invoice.submit()
		return invoice

	def run_of(self, invoice) -> "frappe.model.document.Document":
		(name,) = frappe.get_all(
			"Flow Run",
			filters={
				"flow_template": DUNNING,
				"reference_doctype": "Sales Invoice",
				"reference_name": invoice.name,
			},
			pluck="name",
		)
		return frappe.get_doc("Flow Run", name)

	def wake(self, run, late: timedelta = timedelta(0)):
		"""Move the clock to the run's wake_at (plus `late`) and let the scheduler wake it."""
		when = to_the_second(run.wake_at) + late
		with self.freeze_time(when):
			runner.resume_run(run.name)
		return run.reload()

	def texts_to(self, phone: str) -> list[str]:
		return [
			r.form()["Body"]
			for r in self.twilio.requests
			if r.method == "POST" and r.form().get("To") == phone
		]

	def step_output(self, run, step_id: str):
		return json.loads(run.context)["steps"].get(step_id)


class TestDunningWalk(DunningTestCase):
	def test_unpaid_invoice_walks_day_3_10_17_to_the_suspension_proposal(self):
		with self.freeze_time(at(self.today, 9)):
			customer, phone = self.customer()
			invoice = self.invoice(customer)
		run = self.run_of(invoice)
		# Due today: the reminder waits for day 3 at 10:00, counted from the due date's midnight.
		self.assertEqual((run.status, run.current_step), ("Waiting", "rappel_wait"))
		self.assertEqual(to_the_second(run.wake_at), at(add_days(self.today, 3), 10))

		run = self.wake(run)
		(reminder,) = self.texts_to(phone)
		self.assertIn(invoice.name, reminder)
		self.assertIn(f"{invoice.outstanding_amount:.2f} $", reminder)  # the rounded total on a CAD site
		self.assertEqual(self.step_output(run, "rappel_sms")["status"], "Sent")
		self.assertEqual(to_the_second(run.wake_at), at(add_days(self.today, 10), 10))

		run = self.wake(run)
		self.assertIn("2e avis", self.texts_to(phone)[-1])
		self.assertEqual(to_the_second(run.wake_at), at(add_days(self.today, 17), 10))
		run = self.wake(run)
		self.assertIn("sera suspendu", self.texts_to(phone)[-1])
		self.assertEqual(to_the_second(run.wake_at), at(add_days(self.today, 21), 10))

		queued = []
		real_enqueue = frappe.enqueue

		def enqueue(method, *args, **kwargs):
			if method == PROPOSE:
				queued.append(kwargs)
				return None
			return real_enqueue(method, *args, **kwargs)

		with patch("frappe.enqueue", side_effect=enqueue):
			run = self.wake(run)
		self.assertEqual((run.status, run.current_step), ("Completed", "done"))
		self.assertEqual(len(self.texts_to(phone)), 3)
		(job,) = queued
		self.assertEqual(job["invoice"], invoice.name)
		self.assertEqual(job["service_location"], invoice.gigafibre_service_location)
		self.assertIn(invoice.name, job["reason"])
		self.assertEqual(job["flow_run"], run.name)
		self.assertEqual(self.step_output(run, "suspension_propose")["method"], PROPOSE)

		if frappe.db.exists("DocType", "Service Suspension"):
			# The suspension capability is there: the job it would run makes the day's proposal.
			with self.freeze_time(at(add_days(self.today, 21), 10, 1)):
				kwargs = {k: v for k, v in job.items() if k not in ("queue", "enqueue_after_commit")}
				proposal = frappe.get_attr(PROPOSE)(**kwargs)
			self.assertTrue(proposal)
			self.assertEqual(
				frappe.db.get_value("Service Suspension", proposal, "service_location"),
				invoice.gigafibre_service_location,
			)

	def test_a_paid_invoice_stops_its_run(self):
		with self.freeze_time(at(self.today, 9)):
			customer, phone = self.customer()
			invoice = self.invoice(customer)
		with self.freeze_time(at(add_days(self.today, 1), 14)):
			pay(invoice)
		run = self.wake(self.run_of(invoice))
		self.assertEqual((run.status, run.current_step), ("Completed", "paid"))
		self.assertEqual(self.texts_to(phone), [])

	def test_an_invoice_due_later_waits_for_its_due_date(self):
		with self.freeze_time(at(self.today, 9)):
			customer, _phone = self.customer()
			invoice = self.invoice(customer, due_days=5)
		run = self.run_of(invoice)
		self.assertEqual(
			(run.current_step, to_the_second(run.wake_at)), ("rappel_wait", at(add_days(self.today, 8), 10))
		)

	def test_invoices_not_of_a_subscription_are_not_dunned(self):
		with self.freeze_time(at(self.today, 9)):
			customer, _phone = self.customer()
			invoice = make_submitted_invoice(customer)
		self.assertFalse(
			frappe.db.exists("Flow Run", {"flow_template": DUNNING, "reference_name": invoice.name})
		)


class TestDunningHolds(DunningTestCase):
	def test_processing_payment_dispute_or_arrangement_send_nothing_until_the_hold_ends(self):
		with self.freeze_time(at(self.today, 9)):
			ppa_customer, ppa_phone = self.customer()
			ppa = self.invoice(ppa_customer)
			disputed_customer, disputed_phone = self.customer()
			disputed = self.invoice(disputed_customer)
			arranged_customer, arranged_phone = self.customer(
				gigafibre_payment_arrangement_until=add_days(self.today, 4),
				gigafibre_payment_arrangement_note="Deux versements, le 5 et le 20.",
			)
			arranged = self.invoice(arranged_customer)
		ppa.db_set("gigafibre_ppa_pending", "pi_" + unique())
		disputed.db_set("gigafibre_disputed", 1)
		phones = (ppa_phone, disputed_phone, arranged_phone)
		runs = {}
		for invoice, reason in (
			(ppa, "paiement en cours"),
			(disputed, "litige"),
			(arranged, "entente de paiement"),
		):
			run = self.wake(self.run_of(invoice))  # day 3
			self.assertEqual((run.status, run.current_step), ("Waiting", "rappel_hold_wait"))
			self.assertEqual(json.loads(run.context)["vars"]["hold"], {"count": 1, "reason": reason})
			self.assertEqual(to_the_second(run.wake_at), at(add_days(self.today, 4), 10))
			runs[invoice.name] = run
		for phone in phones:
			self.assertEqual(self.texts_to(phone), [])
		self.assertFalse(frappe.db.exists("Outgoing Message", {"reference_name": ("in", list(runs))}))

		# Day 4: the arrangement runs through today (inclusive), the others still hold.
		for name in runs:
			runs[name] = self.wake(runs[name])
			self.assertEqual(runs[name].current_step, "rappel_hold_wait")
		# Day 5: the arrangement is over; the run reads the customer as it is now, and reminds.
		run = self.wake(runs[arranged.name])
		self.assertEqual(len(self.texts_to(arranged_phone)), 1)
		self.assertEqual(run.current_step, "second_avis_wait")
		self.assertEqual(to_the_second(run.wake_at), at(add_days(self.today, 12), 10))
		# The processing payment failed and was cleared: the reminder follows at the next check.
		ppa.db_set("gigafibre_ppa_pending", None)
		run = self.wake(runs[ppa.name])
		self.assertEqual(len(self.texts_to(ppa_phone)), 1)
		# The disputed one holds on.
		run = self.wake(runs[disputed.name])
		self.assertEqual(json.loads(run.context)["vars"]["hold"]["count"], 3)
		self.assertEqual(self.texts_to(disputed_phone), [])


class TestDunningMessages(DunningTestCase):
	def test_quiet_hours_defer_the_text_to_their_end_and_the_step_goes_on(self):
		with self.freeze_time(at(self.today, 9)):
			customer, phone = self.customer()
			invoice = self.invoice(customer)
		# The scheduler wakes the run late, at 22:30 on day 3.
		run = self.wake(self.run_of(invoice), late=timedelta(hours=12, minutes=30))
		self.assertEqual(self.texts_to(phone), [])
		output = self.step_output(run, "rappel_sms")
		morning = at(add_days(self.today, 4), 8)
		self.assertEqual((output["status"], to_the_second(output["not_before"])), ("Deferred", morning))
		self.assertEqual((run.status, run.current_step), ("Waiting", "second_avis_wait"))
		message = frappe.get_doc("Outgoing Message", output["message"])
		self.assertEqual((message.status, to_the_second(message.not_before)), ("Queued", morning))

		with self.freeze_time(morning - timedelta(minutes=1)):
			outbox.sweep()
			outbox.send(message.name, commit=False)  # a stray job before its time sends nothing
		self.assertEqual(self.texts_to(phone), [])
		with self.freeze_time(morning + timedelta(minutes=1)):
			outbox.sweep()
		(text,) = self.texts_to(phone)
		self.assertIn(invoice.name, text)
		self.assertEqual(message.reload().status, "Sent")

	def test_a_number_that_sent_stop_gets_no_dunning_text_the_reminder_goes_by_email(self):
		with self.freeze_time(at(self.today, 9)):
			customer, phone = self.customer(email=True)
			invoice = self.invoice(customer)
		set_opt_out(phone, True)
		run = self.wake(self.run_of(invoice))
		self.assertEqual(self.texts_to(phone), [])
		email = self.step_output(run, "rappel_email")
		(message,) = email["messages"]
		self.assertEqual(
			frappe.db.get_value("Outgoing Message", message, ["channel", "status"]), ("Email", "Sent")
		)
		self.assertTrue(frappe.db.exists("Email Queue", {"message": ("like", f"%{invoice.name}%")}))

		# And the SMS path itself refuses that number: nothing reaches Twilio, the row is Failed.
		with self.freeze_time(at(add_days(self.today, 3), 11)), self.assertRaises(ServiceError):
			perform(
				"send_sms",
				{"to": phone, "body": f"Rappel {invoice.name}", "quiet_hours": True},
				RunContext(run=run.name, reference_doctype="Sales Invoice", reference_name=invoice.name),
			)
		self.assertEqual(self.texts_to(phone), [])
		self.assertEqual(
			frappe.db.get_value("Outgoing Message", {"recipient": phone, "channel": "SMS"}, "status"),
			"Failed",
		)

	def test_no_mobile_means_an_email_and_no_contact_at_all_skips_to_the_next_notice(self):
		with self.freeze_time(at(self.today, 9)):
			with_email, _ = self.customer(mobile=False, email=True)
			by_email = self.invoice(with_email)
			nobody, _ = self.customer(mobile=False)
			silent = self.invoice(nobody)
		run = self.wake(self.run_of(by_email))
		self.assertEqual(
			self.step_output(run, "rappel_email")["subject"], f"Rappel : facture {by_email.name} à payer"
		)
		run = self.wake(self.run_of(silent))
		self.assertEqual((run.status, run.current_step), ("Waiting", "second_avis_wait"))
		self.assertNotIn("rappel_email", json.loads(run.context)["steps"])


class TestStripeDisputes(StripeTestCase):
	def test_a_dispute_marks_the_invoice_and_a_won_one_clears_it(self):
		invoice = make_submitted_invoice(self.customer)
		intent = f"pi_{frappe.generate_hash(length=20)}"
		paid = event("payment_intent.succeeded", intent_succeeded(invoice, intent))
		post_webhook(paid, sign(paid))

		def dispute(kind: str, status: str):
			payload = event(
				kind,
				{
					"id": f"dp_{frappe.generate_hash(length=12)}",
					"object": "dispute",
					"amount": round(invoice.grand_total * 100),
					"currency": invoice.currency.lower(),
					"charge": f"ch_{frappe.generate_hash(length=12)}",
					"payment_intent": intent,
					"reason": "fraudulent",
					"status": status,
					"metadata": {},
				},
			)
			post_webhook(payload, sign(payload))
			stored = frappe.db.get_value("Webhook Event", {"event_id": json.loads(payload)["id"]}, "status")
			return stored, frappe.db.get_value("Sales Invoice", invoice.name, "gigafibre_disputed")

		self.assertEqual(dispute("charge.dispute.created", "needs_response"), ("Processed", 1))
		self.assertEqual(dispute("charge.dispute.closed", "won"), ("Processed", 0))
		self.assertEqual(dispute("charge.dispute.created", "needs_response"), ("Processed", 1))
		self.assertEqual(dispute("charge.dispute.closed", "lost"), ("Processed", 1))
		self.assertTrue(
			frappe.db.exists("Comment", {"reference_name": invoice.name, "content": ("like", "%Stripe%won%")})
		)

	def test_a_dispute_of_a_payment_we_do_not_know_is_ignored(self):
		payload = event(
			"charge.dispute.created",
			{
				"id": "dp_unknown",
				"object": "dispute",
				"payment_intent": f"pi_{frappe.generate_hash(length=20)}",
				"status": "needs_response",
			},
		)
		post_webhook(payload, sign(payload))
		self.assertEqual(
			frappe.db.get_value("Webhook Event", {"event_id": json.loads(payload)["id"]}, "status"), "Ignored"
		)
