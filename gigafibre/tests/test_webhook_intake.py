import json
from contextlib import contextmanager
from datetime import timedelta
from unittest.mock import patch

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils import now_datetime

from gigafibre.api.webhooks.stripe import HANDLER as STRIPE_HANDLER
from gigafibre.tests.test_stripe import StripeTestCase, event, intent_succeeded, post_webhook, sign
from gigafibre.tests.utils import make_submitted_invoice
from gigafibre.webhooks import intake

PROCESSED: list[str] = []


def record(doc):
	PROCESSED.append(doc.event_id)


def explode(doc):
	frappe.get_doc({"doctype": "ToDo", "description": "half-written"}).insert()
	raise ValueError("payload without an invoice")


class TestWebhookIntake(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		frappe.flags.gigafibre_jobs_inline = True

	@classmethod
	def tearDownClass(cls):
		frappe.flags.gigafibre_jobs_inline = False
		super().tearDownClass()

	def test_stored_once_processed_once(self):
		handler = "gigafibre.tests.test_webhook_intake.record"
		name, replay = intake.receive(
			"Other",
			"evt_intake_1",
			"test.event",
			b'{"id": "evt_intake_1"}',
			{"Content-Type": "application/json", "Authorization": "secret"},
			handler,
		)
		self.assertFalse(replay)
		for _ in range(5):
			again, replay = intake.receive("Other", "evt_intake_1", "test.event", b"{}", {}, handler)
			self.assertTrue(replay)
			self.assertEqual(again, name)
		doc = frappe.get_doc("Webhook Event", name)
		self.assertEqual((doc.status, doc.attempts, doc.raw_body), ("Processed", 1, '{"id": "evt_intake_1"}'))
		self.assertNotIn("secret", doc.headers)  # credentials are never kept
		self.assertEqual(PROCESSED.count("evt_intake_1"), 1)

	def test_failure_kept_with_its_error_and_nothing_half_written(self):
		name, _ = intake.receive(
			"Other", "evt_intake_2", "test.event", b"{}", {}, "gigafibre.tests.test_webhook_intake.explode"
		)
		doc = frappe.get_doc("Webhook Event", name)
		self.assertEqual((doc.status, doc.attempts), ("Failed", 1))
		self.assertIn("payload without an invoice", doc.error)
		self.assertFalse(frappe.db.exists("ToDo", {"description": "half-written"}))


# ---------------------------------------------------------------- jobs lost on purpose


class TestLostWebhookJobs(StripeTestCase):
	"""The job that should process an event is lost (never reaches a worker, as when the queue's
	Redis is flushed); the sweep, a redelivery or the desk finish it, exactly once."""

	def lost_delivery(self):
		"""A signed payment event for a fresh invoice, accepted while its job is dropped."""
		invoice = make_submitted_invoice(self.customer)
		intent = f"pi_{frappe.generate_hash(length=20)}"
		# in the invoice's currency, whatever the site's company keeps its books in
		payload = event(
			"payment_intent.succeeded", intent_succeeded(invoice, intent, currency=invoice.currency.lower())
		)
		frappe.flags.gigafibre_jobs_inline = False
		try:
			with patch("frappe.enqueue") as dropped:
				self.assertEqual(post_webhook(payload, sign(payload)), {"received": True})
		finally:
			frappe.flags.gigafibre_jobs_inline = True
		name = frappe.db.get_value(
			"Webhook Event", {"source": "Stripe", "event_id": json.loads(payload)["id"]}
		)
		self.assertEqual(dropped.call_args.kwargs["job_id"], f"webhook-event:{name}")
		row = frappe.db.get_value("Webhook Event", name, ["status", "attempts"], as_dict=True)
		self.assertEqual((row.status, row.attempts), ("Received", 0))
		self.assertEqual(self.entries_for(intent), [])
		return name, intent, payload

	@contextmanager
	def sweeping_only(self, name: str):
		"""The sweep's jobs, inline, for this test's row only (the site may hold others'); yields
		the rows the sweep enqueued."""
		enqueued: list[str] = []
		real = intake.enqueue_processing

		def only_ours(row: str, handler: str) -> None:
			enqueued.append(row)
			if row == name:
				real(row, handler)

		with patch.object(intake, "enqueue_processing", only_ours):
			yield enqueued

	def age(self, name: str, **fields) -> None:
		frappe.db.set_value(
			"Webhook Event",
			name,
			{"received_at": now_datetime() - timedelta(minutes=10), **fields},
			update_modified=False,
		)

	def test_lost_job_processed_once_by_the_sweep(self):
		name, intent, payload = self.lost_delivery()
		with self.sweeping_only(name) as enqueued:
			intake.sweep()
			self.assertNotIn(name, enqueued)  # within the grace period its own job may still come
			self.age(name)
			intake.sweep()
			self.assertIn(name, enqueued)
		self.assertEqual(len(self.entries_for(intent)), 1)
		row = frappe.db.get_value("Webhook Event", name, ["status", "attempts", "leased_until"], as_dict=True)
		self.assertEqual((row.status, row.attempts, row.leased_until), ("Processed", 1, None))
		# a second sweep and a redelivery do nothing more
		with self.sweeping_only(name) as enqueued:
			intake.sweep()
			self.assertEqual(post_webhook(payload, sign(payload)), {"received": True})
		self.assertNotIn(name, enqueued)
		self.assertEqual(len(self.entries_for(intent)), 1)

	def test_redelivery_of_an_event_never_processed_processes_it(self):
		name, intent, payload = self.lost_delivery()
		for _ in range(3):
			self.assertEqual(post_webhook(payload, sign(payload)), {"received": True})
		self.assertEqual(len(self.entries_for(intent)), 1)
		self.assertEqual(frappe.db.get_value("Webhook Event", name, "status"), "Processed")
		self.assertEqual(frappe.db.count("Webhook Event", {"event_id": json.loads(payload)["id"]}), 1)

	def test_event_held_by_a_live_worker_is_not_taken_until_its_lease_lapses(self):
		name, intent, payload = self.lost_delivery()
		# another worker claimed it and is still at it
		self.age(name, status="Processing", attempts=1, leased_until=now_datetime() + timedelta(minutes=5))
		with self.sweeping_only(name) as enqueued:
			intake.sweep()
			self.assertEqual(post_webhook(payload, sign(payload)), {"received": True})
		self.assertNotIn(name, enqueued)
		intake.process(name, STRIPE_HANDLER)  # a second worker's job: skipped
		self.assertEqual(self.entries_for(intent), [])
		self.assertEqual(frappe.db.get_value("Webhook Event", name, "status"), "Processing")
		# that worker was killed: its lease lapses and the sweep takes the event again
		self.age(name, leased_until=now_datetime() - timedelta(seconds=1))
		with self.sweeping_only(name) as enqueued:
			intake.sweep()
		self.assertIn(name, enqueued)
		self.assertEqual(len(self.entries_for(intent)), 1)
		row = frappe.db.get_value("Webhook Event", name, ["status", "attempts"], as_dict=True)
		self.assertEqual((row.status, row.attempts), ("Processed", 2))

	def test_workers_lost_every_time_leave_it_failed_for_a_person_to_retry(self):
		name, intent, _payload = self.lost_delivery()
		self.age(
			name,
			status="Processing",
			attempts=intake.MAX_ATTEMPTS,
			leased_until=now_datetime() - timedelta(seconds=1),
		)
		intake.process(name, STRIPE_HANDLER)
		row = frappe.db.get_value("Webhook Event", name, ["status", "error"], as_dict=True)
		self.assertEqual(row.status, "Failed")
		self.assertIn("lost", row.error)
		self.assertEqual(self.entries_for(intent), [])
		frappe.get_doc("Webhook Event", name).retry()
		self.assertEqual(frappe.db.get_value("Webhook Event", name, "status"), "Processed")
		with self.assertRaises(frappe.ValidationError):  # pressed twice: processed once
			frappe.get_doc("Webhook Event", name).retry()
		self.assertEqual(len(self.entries_for(intent)), 1)
