"""An outage texts the customers it affects, through the seed flows: Uptime Kuma says DOWN → one
SMS per affected mobile (STOP respected) → Kuma says UP → one SMS each that service is back."""

import json

import frappe

from gigafibre.flows.runner import clear_cache
from gigafibre.install import ensure_seed_flows
from gigafibre.tests.test_network_api import KUMA_SECRET, _settings, kuma_body, post_kuma
from gigafibre.tests.utils import SmsTestCase, make_location, test_customer

DETECTED = "Panne détectée : texto aux clients touchés"
RESOLVED = "Panne résolue : texto aux clients touchés"
MONITOR = "OLT-TXT-01 1/1/9"


class TestOutageTexts(SmsTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		ensure_seed_flows()
		for name in frappe.get_all("Flow Template", filters={"enabled": 1}, pluck="name"):
			frappe.db.set_value("Flow Template", name, "enabled", 0)
		for title in (DETECTED, RESOLVED):
			frappe.db.set_value("Flow Template", title, "enabled", 1)
		clear_cache()
		_settings(kuma_webhook_secret=KUMA_SECRET)
		people = (
			("_Test Panne Alice", "514 555-0171", 0),
			("_Test Panne Bob", "+15145550172", 0),
			("_Test Panne Carole", "+15145550173", 1),  # answered STOP
		)
		for n, (name, mobile, opted_out) in enumerate(people):
			customer = test_customer(name, mobile="+1" + "".join(c for c in mobile if c.isdigit())[-10:])
			frappe.db.set_value("Customer", customer, "gigafibre_sms_opt_out", opted_out)
			make_location(customer=customer, olt="OLT-TXT-01", pon_port="1/1/9", onu_id=str(n + 1))
		# Bob's second address on the same port: still one SMS for him; a contact's own mobile counts.
		bob = frappe.db.get_value("Customer", {"customer_name": "_Test Panne Bob"})
		make_location(
			customer=bob,
			olt="OLT-TXT-01",
			pon_port="1/1/9",
			onu_id="9",
			address_line1="12 rue Rachel Est",
			contacts=[{"contact_name": "Locataire", "phone": "438 555-0174"}],
		)
		make_location(olt="OLT-TXT-01", pon_port="1/1/8", onu_id="1")  # another port: not texted

	@classmethod
	def tearDownClass(cls):
		super().tearDownClass()
		clear_cache()

	def texts(self, since: int) -> dict[str, str]:
		return {r.form()["To"]: r.form()["Body"] for r in self.twilio.requests[since:]}

	def test_down_texts_the_affected_and_up_tells_them_it_is_back(self):
		before = len(self.twilio.requests)
		post_kuma(kuma_body(0, "2026-11-26 01:00:01.001", 77, MONITOR), {"X-Kuma-Secret": KUMA_SECRET})
		down = self.texts(before)
		self.assertEqual(sorted(down), ["+14385550174", "+15145550171", "+15145550172"])
		self.assertTrue(all("panne" in body for body in down.values()))
		self.assertEqual(len(self.twilio.requests) - before, 3)  # Bob once, Carole (STOP) never
		run = frappe.get_last_doc("Flow Run", filters={"flow_template": DETECTED})
		self.assertEqual(run.status, "Completed")
		output = json.loads(run.context)["steps"]["text"]
		self.assertEqual(
			{k: output[k] for k in ("numbers", "sent", "refused", "failed")},
			{"numbers": 4, "sent": 3, "refused": 1, "failed": 0},
		)

		before = len(self.twilio.requests)
		post_kuma(kuma_body(1, "2026-11-26 01:20:01.001", 77, MONITOR), {"X-Kuma-Secret": KUMA_SECRET})
		up = self.texts(before)
		self.assertEqual(sorted(up), sorted(down))
		self.assertTrue(all("rétabli" in body for body in up.values()))
