"""The technician page end to end through its endpoints: link, day, check-in, equipment, replay."""

import json
from typing import ClassVar

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils import add_to_date, get_datetime, now_datetime, nowdate

from gigafibre.tech import links
from gigafibre.tech.workday import CheckInTooFar
from gigafibre.tests.peers import LoopbackPeer, Reply
from gigafibre.tests.utils import (
	TWILIO_SID,
	SmsTestCase,
	call_endpoint,
	make_location,
	make_technician,
)

API = "gigafibre.api.tech."


class TestTechPage(SmsTestCase):
	settings: ClassVar[dict] = {"tech_base_url": "https://erp.gigafibre.ca", "checkin_radius_m": 150}

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.tech = make_technician(full_name="Tech Page", mobile="514 555-0181")
		cls.other = make_technician(full_name="Tech Autre")
		cls.location = make_location(
			address_line1="4500 rue Saint-Denis",
			contacts=[
				{"contact_name": "Marie Tremblay", "contact_role": "Propriétaire", "phone": "438 555 0101"}
			],
		)
		# Fixed hours of today, not "in an hour": late in the evening that would be tomorrow.
		morning = get_datetime(f"{nowdate()} 09:00:00")
		cls.later = cls.make_job(cls.tech.name, add_to_date(morning, hours=2), "Installation B")
		cls.first = cls.make_job(cls.tech.name, add_to_date(morning, hours=1), "Installation A")
		cls.foreign = cls.make_job(cls.other.name, morning, "Pas à moi")
		cls.token = links.issue_link(cls.tech.name)[0]

	def tearDown(self):
		super().tearDown()
		frappe.local.lang = "en"  # the page renders in French and would leave it set

	@classmethod
	def make_job(cls, technician, start, subject):
		frappe.set_user("Administrator")
		return frappe.get_doc(
			{
				"doctype": "Dispatch Job",
				"subject": subject,
				"job_type": "Install",
				"service_location": cls.location.name,
				"technician": technician,
				"scheduled_start": start,
			}
		).insert()

	def api(self, method, token=None, get=False, **fields):
		return call_endpoint(API + method, token=token or self.token, get=get, **fields)

	# ------------------------------------------------------------ links

	def test_send_link_texts_the_url_and_records_it(self):
		sent_before = len(self.twilio.requests)
		name = links.send_link(self.tech.name)
		record = frappe.get_doc("Technician Link", name)
		self.assertEqual((record.sms_status, record.sent_to), ("Sent", "+15145550181"))
		(sms,) = self.twilio.requests[sent_before:]
		self.assertRegex(sms.form()["Body"], r"https://erp\.gigafibre\.ca/j/[\w-]+\.[\w-]+\.[\w-]+")
		token = sms.form()["Body"].split("/j/")[1].split()[0]
		self.assertEqual(self.api("today", token=token, get=True)["technician"]["name"], self.tech.name)

	def test_failed_sms_is_shown_on_the_link(self):
		frappe.db.set_single_value("Gigafibre Settings", "twilio_account_sid", "")
		name = links.send_link(self.tech.name)
		record = frappe.get_doc("Technician Link", name)
		self.assertEqual(record.sms_status, "Failed")
		self.assertIn("Twilio", record.sms_error)
		frappe.db.set_single_value("Gigafibre Settings", "twilio_account_sid", TWILIO_SID)

	def test_only_dispatchers_send_or_revoke_links(self):
		email = "_test-tech-role@gigafibre.invalid"
		if not frappe.db.exists("User", email):
			user = frappe.get_doc(
				{
					"doctype": "User",
					"email": email,
					"first_name": "Technicien",
					"send_welcome_email": 0,
					"roles": [{"role": "Technician"}],
				}
			)
			user.flags.no_welcome_mail = True
			user.insert(ignore_permissions=True)
		_token, _url, name = links.issue_link(self.tech.name)
		# a technician may write their own jobs, but links are the dispatchers' to take back
		for method, fields in (("revoke", {"link": name}), ("revoke_all", {"technician": self.tech.name})):
			with self.subTest(method=method), self.assertRaises(frappe.PermissionError):
				call_endpoint(f"gigafibre.api.tech_links.{method}", user=email, **fields)
		self.assertFalse(frappe.db.get_value("Technician Link", name, "revoked"))

	def test_revoked_links_refused(self):
		token, _url, name = links.issue_link(self.tech.name)
		self.api("today", token=token, get=True)
		links.revoke(name)
		with self.assertRaisesRegex(frappe.AuthenticationError, "revoked"):
			self.api("today", token=token, get=True)
		token2 = links.issue_link(self.tech.name)[0]
		self.assertGreaterEqual(links.revoke_all(self.tech.name), 2)
		with self.assertRaises(frappe.AuthenticationError):
			self.api("today", token=token2, get=True)
		self.__class__.token = links.issue_link(self.tech.name)[0]

	def test_unrecorded_or_garbage_tokens_refused(self):
		from datetime import datetime, timezone

		from gigafibre.auth import magic_link
		from gigafibre.auth.service import link_secret

		forged, _claims = magic_link.issue(link_secret(), self.tech.name, "tech", datetime.now(timezone.utc))
		for token in (forged, "abc.def.ghi"):
			with self.assertRaises(frappe.AuthenticationError):
				self.api("today", token=token, get=True)

	def test_page_refuses_a_bad_link_in_french(self):
		from gigafibre.www import j

		frappe.local.form_dict = frappe._dict(token="abc.def.ghi")
		context = j.get_context(frappe._dict())
		self.assertEqual(context.error, "Ce lien n'est pas valide.")
		frappe.local.form_dict = frappe._dict(token=self.token)
		context = j.get_context(frappe._dict())
		self.assertIsNone(context.error)
		self.assertEqual(json.loads(context.messages_json)["add"], "Ajouter")

	# ------------------------------------------------------------ the day

	def test_today_lists_only_own_jobs_in_order(self):
		jobs = self.api("today", get=True)["jobs"]
		names = [j["name"] for j in jobs]
		self.assertLess(names.index(self.first.name), names.index(self.later.name))
		self.assertNotIn(self.foreign.name, names)

	def test_another_technicians_job_is_not_found(self):
		with self.assertRaises(frappe.DoesNotExistError):
			self.api("job", get=True, name=self.foreign.name)
		with self.assertRaises(frappe.DoesNotExistError):
			self.api("set_status", name=self.foreign.name, status="En Route")

	def test_detail_has_contacts_and_selects_save(self):
		detail = self.api("job", get=True, name=self.first.name)
		self.assertEqual(detail["location"]["contacts"][0]["phone"], "+14385550101")
		self.assertEqual(detail["next_statuses"], ["En Route"])
		self.api("update_job", name=self.first.name, job_type="Repair", priority="Urgent")
		self.assertEqual(
			frappe.db.get_value("Dispatch Job", self.first.name, ["job_type", "priority"]),
			("Repair", "Urgent"),
		)
		with self.assertRaises(frappe.ValidationError):
			self.api("update_job", name=self.first.name, priority="Whenever")

	def test_check_in_far_needs_a_reason_then_complete(self):
		job = self.make_job(self.tech.name, now_datetime(), "Check-in")
		self.api("set_status", name=job.name, status="En Route")
		far = {"latitude": 45.5352, "longitude": -73.5823}  # about 1.1 km north
		with self.assertRaisesRegex(CheckInTooFar, "m from the service location"):
			self.api("set_status", name=job.name, status="On Site", **far)
		self.api("set_status", name=job.name, status="On Site", reason="Entrée par la ruelle", **far)
		job.reload()
		self.assertEqual(job.status, "On Site")
		self.assertGreater(job.check_in_distance, 1000)
		self.assertEqual(job.check_in_reason, "Entrée par la ruelle")
		near = self.make_job(self.tech.name, now_datetime(), "Check-in proche")
		self.api("set_status", name=near.name, status="En Route")
		result = self.api(
			"set_status", name=near.name, status="On Site", latitude=45.5254, longitude=-73.5823
		)
		self.assertTrue(result["check_in"]["within_radius"])
		self.api("set_status", name=near.name, status="Completed", notes="ONT posé, signal -19 dBm")
		near.reload()
		self.assertEqual((near.status, near.completion_notes), ("Completed", "ONT posé, signal -19 dBm"))
		self.assertTrue(near.check_out_at)
		with self.assertRaises(frappe.ValidationError):
			self.api("set_status", name=job.name, status="Cancelled")

	# ------------------------------------------------------------ equipment

	def test_search_serial_first_then_mac(self):
		frappe.set_user("Administrator")
		by_mac = frappe.get_doc(
			{
				"doctype": "Service Equipment",
				"serial_number": "ZZ-ONE",
				"mac_address": "AB:12:00:00:00:01",
				"equipment_type": "Router",
			}
		).insert()
		by_serial = frappe.get_doc(
			{"doctype": "Service Equipment", "serial_number": "AB12-SERIAL", "equipment_type": "ONT"}
		).insert()
		rows = self.api("search_equipment", get=True, q="ab12")
		self.assertEqual(
			[(r["name"], r["matched_on"]) for r in rows[:2]],
			[(by_serial.name, "serial"), (by_mac.name, "mac")],
		)
		self.assertEqual(self.api("search_equipment", get=True, q="a"), [])
		self.assertEqual(
			[r["name"] for r in self.api("search_equipment", get=True, q="ab-12-00")], [by_mac.name]
		)

	def test_create_links_to_job_and_location_and_catches_duplicates(self):
		job = self.make_job(self.tech.name, now_datetime(), "Pose")
		detail = self.api(
			"create_equipment",
			name=job.name,
			serial_number=" tp 0099 ",
			mac_address="aa-bb-cc-00-99-01",
			equipment_type="Router",
			brand="TP-Link",
			model="XX230v",
		)
		device = frappe.get_doc("Service Equipment", detail["created"])
		self.assertEqual((device.serial_number, device.mac_address), ("TP0099", "AA:BB:CC:00:99:01"))
		self.assertEqual((device.service_location, device.status), (self.location.name, "Installed"))
		self.assertEqual([e["name"] for e in detail["equipment"]], [device.name])
		with self.assertRaisesRegex(frappe.DuplicateEntryError, "TP0099"):
			self.api("create_equipment", name=job.name, serial_number="TP0099")
		with self.assertRaisesRegex(frappe.DuplicateEntryError, "AA:BB:CC:00:99:01"):
			self.api("create_equipment", name=job.name, serial_number="NEW-ONE", mac_address="aabbcc009901")
		with self.assertRaises(frappe.ValidationError):
			self.api("create_equipment", name=job.name, serial_number="OK-1", mac_address="nope")

	def test_link_and_unlink(self):
		job = self.make_job(self.tech.name, now_datetime(), "Lien")
		stock = frappe.get_doc(
			{"doctype": "Service Equipment", "serial_number": "STOCK-LINK-1", "equipment_type": "ONT"}
		).insert()
		self.api("link_equipment", name=job.name, equipment=stock.name)
		self.assertEqual(frappe.db.get_value("Service Equipment", stock.name, "status"), "Installed")
		detail = self.api("unlink_equipment", name=job.name, equipment=stock.name)
		self.assertEqual(detail["equipment"], [])
		self.assertEqual(
			frappe.db.get_value("Service Equipment", stock.name, ["status", "service_location"]),
			("In Stock", None),
		)

	def test_a_replayed_write_acts_once(self):
		job = self.make_job(self.tech.name, now_datetime(), "Rejeu")
		for _ in range(3):
			self.api("create_equipment", name=job.name, serial_number="REPLAY-1", client_id="op-7f3a")
		self.assertEqual(frappe.db.count("Service Equipment", {"serial_number": "REPLAY-1"}), 1)
		self.assertEqual(len(frappe.get_doc("Dispatch Job", job.name).equipment), 1)

	def test_flow_action_sends_the_link(self):
		from gigafibre.flows.actions import RunContext, perform

		out = perform(
			"send_tech_link",
			{},
			RunContext(run="FR-X", reference_doctype="Dispatch Job", reference_name=self.first.name),
		)
		self.assertEqual(frappe.db.get_value("Technician Link", out["link"], "technician"), self.tech.name)
