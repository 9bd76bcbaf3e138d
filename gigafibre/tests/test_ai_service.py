"""The caps every support model call goes through (gigafibre.ai.service): the calls of the last hour
and the tokens of the day, read from AI Call Log. Other records exist: each cap is set relative to
what the site has already spent."""

from datetime import datetime, time, timedelta

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils import add_days, getdate, nowdate

from gigafibre.ai import service


def log(outcome="OK", tokens=0):
	return frappe.get_doc(
		{
			"doctype": "AI Call Log",
			"purpose": "Triage",
			"kind": "Model",
			"outcome": outcome,
			"total_tokens": tokens,
		}
	).insert(ignore_permissions=True)


class TestCaps(FrappeTestCase):
	def setUp(self):
		settings = frappe.get_single("Gigafibre Settings")
		saved = (settings.ai_calls_per_hour, settings.ai_tokens_per_day)
		self.addCleanup(
			frappe.db.set_single_value,
			"Gigafibre Settings",
			{"ai_calls_per_hour": saved[0], "ai_tokens_per_day": saved[1]},
		)
		# A day of its own (no other test's calls in its hour).
		self.noon = datetime.combine(getdate(add_days(nowdate(), 3)), time(12, 0))

	def caps(self, calls=0, tokens=0):
		frappe.db.set_single_value(
			"Gigafibre Settings", {"ai_calls_per_hour": calls, "ai_tokens_per_day": tokens}
		)

	def test_calls_per_hour_count_calls_made_not_refused(self):
		with self.freeze_time(self.noon, tick=True):
			spent = service.spend().calls_last_hour
			self.caps(calls=spent + 2)
			log()
			log(outcome="Over Cap")  # refused by the cap: no call was made
			log(outcome="Over Cap")
			service.check_caps()
			log(outcome="Error")  # a call that failed was still made
			with self.assertRaises(service.AiUnavailable) as caught:
				service.check_caps()
			self.assertTrue(caught.exception.retryable)
			self.assertEqual(caught.exception.args_, (spent + 2,))
		with self.freeze_time(self.noon + timedelta(hours=1, minutes=1), tick=True):
			service.check_caps()  # the window moved on

	def test_tokens_per_day(self):
		with self.freeze_time(self.noon, tick=True):
			spent = service.spend().tokens_today
			self.caps(tokens=spent + 1000)
			log(tokens=999)
			service.check_caps()
			log(tokens=1)
			with self.assertRaises(service.AiUnavailable):
				service.check_caps()

	def test_no_cap(self):
		with self.freeze_time(self.noon, tick=True):
			self.caps()
			log(tokens=10**7)
			service.check_caps()

	def test_a_refused_call_is_logged_and_asks_nothing(self):
		asked = []
		with self.freeze_time(self.noon, tick=True):
			self.caps(calls=service.spend().calls_last_hour or 1)
			if not service.spend().calls_last_hour:
				log()
			with self.assertRaises(service.AiUnavailable):
				service.ask("Summary", lambda client: asked.append(client), reference_doctype="Issue")
		self.assertEqual(asked, [])
		row = frappe.get_all(
			"AI Call Log",
			filters={"purpose": "Summary", "outcome": "Over Cap"},
			fields=["error"],
			order_by="creation desc",
			limit=1,
		)[0]
		self.assertIn("per hour", row.error)
