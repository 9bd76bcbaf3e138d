"""The outbox in a real bench: stored first, sent by a job, finished by the sweep — never twice.

Twilio is a loopback peer keeping the messages it accepted (gigafibre/tests/twilio_peer.py): a
POST it answers too late is still a message it has, as when the real Twilio takes a request whose
answer is lost; a later GET lists it.
"""

from contextlib import contextmanager
from unittest.mock import patch

import frappe
from frappe.utils import add_to_date, now_datetime

from gigafibre.messaging import outbox, service
from gigafibre.tests.peers import LoopbackPeer
from gigafibre.tests.twilio_peer import TwilioMessages
from gigafibre.tests.utils import TWILIO_SID, SmsTestCase, ensure_outgoing_email_account

NUMBER = "+14385550190"


class TestOutbox(SmsTestCase):
	def setUp(self):
		frappe.flags.gigafibre_jobs_inline = True

	@contextmanager
	def twilio_messages(self, **peer):
		"""Gigafibre Settings pointed at a Twilio that keeps its messages (`.loopback.requests`, every
		request); requests time out at 0.5 s."""
		twilio = TwilioMessages(TWILIO_SID, **peer)
		with LoopbackPeer(twilio) as loopback, patch.object(service, "SMS_TIMEOUT", 0.5):
			frappe.db.set_single_value("Gigafibre Settings", "twilio_api_base", loopback.url)
			frappe.clear_document_cache("Gigafibre Settings", "Gigafibre Settings")
			twilio.loopback = loopback
			try:
				yield twilio
			finally:
				frappe.db.set_single_value("Gigafibre Settings", "twilio_api_base", self.twilio.url)
				frappe.clear_document_cache("Gigafibre Settings", "Gigafibre Settings")

	def row(self, name):
		return frappe.get_doc(outbox.DOCTYPE, name)

	def age(self, name, minutes=10, **values):
		"""As if the row had been stored `minutes` ago (and `values` set since)."""
		frappe.db.set_value(
			outbox.DOCTYPE,
			name,
			{"creation": add_to_date(now_datetime(), minutes=-minutes), **values},
			update_modified=False,
		)

	def test_a_send_whose_job_was_lost_is_sent_once_by_the_sweep(self):
		with self.twilio_messages() as twilio:
			frappe.flags.gigafibre_jobs_inline = False  # the job is enqueued after a commit that never comes
			name = outbox.queue("SMS", "438 555-0190", "Votre rendez-vous est confirmé.")
			self.assertEqual((self.row(name).status, self.row(name).recipient), ("Queued", NUMBER))
			frappe.flags.gigafibre_jobs_inline = True
			outbox.sweep()
			self.assertEqual(twilio.sent_to(NUMBER), [], "a row younger than the grace period is its job's")
			self.age(name)
			outbox.sweep()
			outbox.sweep()
			row = self.row(name)
			(message,) = twilio.sent_to(NUMBER)
		self.assertEqual((row.status, row.provider_id, row.attempts), ("Sent", message["sid"], 1))
		self.assertEqual(message["body"], "Votre rendez-vous est confirmé.")

	def test_a_timed_out_send_is_looked_up_not_sent_again(self):
		with self.twilio_messages(late=1, late_delay=1.5) as twilio:
			name = outbox.queue("SMS", NUMBER, "Votre technicien arrive dans 30 minutes.")
			row = self.row(name)
			self.assertEqual(row.status, "Unknown")
			self.assertIn("may have been sent", row.last_error)
			self.assertEqual(len(twilio.sent_to(NUMBER)), 1)  # Twilio had it all along
			outbox.sweep()  # not due yet
			self.assertEqual(self.row(name).status, "Unknown")
			self.age(name, next_attempt_at=add_to_date(now_datetime(), seconds=-1))
			outbox.sweep()
			row = self.row(name)
			(message,) = twilio.sent_to(NUMBER)
		self.assertEqual((row.status, row.provider_id, row.attempts), ("Sent", message["sid"], 2))

	def test_a_worker_lost_mid_send_is_looked_up_first_then_sent_once(self):
		with self.twilio_messages() as twilio:
			frappe.flags.gigafibre_jobs_inline = False
			name = outbox.queue("SMS", NUMBER, "Facture disponible.")
			frappe.flags.gigafibre_jobs_inline = True
			live = add_to_date(now_datetime(), minutes=5)
			self.age(name, status="Sending", attempts=1, first_attempt_at=now_datetime(), leased_until=live)
			self.assertEqual(outbox.send(name, commit=False), "Sending")  # another worker holds it
			outbox.sweep()
			self.assertEqual(twilio.sent_to(NUMBER), [])
			self.age(name, leased_until=add_to_date(now_datetime(), seconds=-1))
			outbox.sweep()
			(message,) = twilio.sent_to(NUMBER)  # nothing found: sent, once
			methods = [r.method for r in twilio.loopback.requests]
		self.assertEqual(methods, ["GET", "POST"])  # looked up first: the lost worker may have sent it
		self.assertEqual((self.row(name).status, self.row(name).provider_id), ("Sent", message["sid"]))

	def test_a_refusal_fails_at_once_and_says_why(self):
		frappe.db.set_single_value("Gigafibre Settings", "twilio_account_sid", "")
		frappe.clear_document_cache("Gigafibre Settings", "Gigafibre Settings")
		try:
			name = outbox.queue("SMS", NUMBER, "Bonjour")
		finally:
			frappe.db.set_single_value("Gigafibre Settings", "twilio_account_sid", TWILIO_SID)
			frappe.clear_document_cache("Gigafibre Settings", "Gigafibre Settings")
		row = self.row(name)
		self.assertEqual((row.status, row.next_attempt_at), ("Failed", None))
		self.assertIn("Twilio", row.last_error)

	def test_same_dedupe_key_queues_once(self):
		before = len(self.twilio.requests)
		first = outbox.queue("SMS", NUMBER, "Une fois", dedupe_key="_test-outbox-once")
		again = outbox.queue("SMS", NUMBER, "Une fois", dedupe_key="_test-outbox-once")
		self.assertEqual(first, again)
		self.assertEqual(len(self.twilio.requests) - before, 1)

	def test_a_secret_is_cleared_once_sent_and_an_email_goes_through_the_email_queue(self):
		ensure_outgoing_email_account()
		name = outbox.queue_to_contact(
			"_test-outbox@example.com",
			"Votre code : 123456",
			"<p>Votre code est <b>123456</b>.</p>",
			"code 123456",
		)
		row = self.row(name)
		self.assertEqual((row.channel, row.status), ("Email", "Sent"))
		self.assertNotIn("123456", row.body + row.subject)
		self.assertTrue(frappe.db.exists("Email Queue", {"message": ("like", "%<b>123456</b>%")}))

	def test_a_flow_step_after_a_timeout_succeeds_and_the_outbox_finishes_it_once(self):
		from gigafibre.flows.actions import RunContext, perform

		with self.twilio_messages(late=1, late_delay=1.5) as twilio:
			out = perform(
				"send_sms",
				{"to": "438-555-0190", "body": "Votre installation est terminée."},
				RunContext(run="FR-OUTBOX-TEST", reference_doctype=None, reference_name=None),
			)
			self.assertEqual(out["status"], "Unknown")
			again = perform(  # the step retried: the same row, no second SMS
				"send_sms",
				{"to": "438-555-0190", "body": "Votre installation est terminée."},
				RunContext(run="FR-OUTBOX-TEST", reference_doctype=None, reference_name=None),
			)
			self.assertEqual(again["message"], out["message"])
			self.age(out["message"], next_attempt_at=add_to_date(now_datetime(), seconds=-1))
			outbox.sweep()
			(message,) = twilio.sent_to(NUMBER)
		self.assertEqual(self.row(out["message"]).provider_id, message["sid"])
