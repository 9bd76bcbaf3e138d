import frappe
from frappe.tests.utils import FrappeTestCase

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
