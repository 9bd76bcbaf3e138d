"""Every doctype through the ORM: validation, normalization, uniqueness, status transitions."""

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils import add_to_date, get_datetime, now_datetime

from gigafibre.tests.utils import call_endpoint, desk_user, make_location, make_technician, test_customer


def _indexed_columns(doctype: str) -> dict[str, bool]:
	"""column -> unique, for every index whose first column it is."""
	rows = frappe.db.sql(f"SHOW INDEX FROM `tab{doctype}`", as_dict=True)
	return {row.Column_name: not row.Non_unique for row in rows if row.Seq_in_index == 1}


class TestTechnician(FrappeTestCase):
	def test_mobile_stored_in_e164(self):
		tech = make_technician(mobile="(514) 555-0151")
		self.assertEqual(tech.mobile, "+15145550151")

	def test_bad_mobile_refused(self):
		with self.assertRaisesRegex(frappe.ValidationError, "555-01"):
			make_technician(mobile="555-01")

	def test_shifts_checked_and_sorted(self):
		tech = make_technician(
			working_hours=[
				{"weekday": "Wednesday", "start_time": "08:00", "end_time": "16:00"},
				{
					"weekday": "Monday",
					"start_time": "07:00",
					"end_time": "17:00",
					"break_start": "12:00",
					"break_minutes": 30,
				},
			]
		)
		self.assertEqual([r.weekday for r in tech.working_hours], ["Monday", "Wednesday"])
		with self.assertRaises(frappe.ValidationError):
			make_technician(working_hours=[{"weekday": "Monday", "start_time": "16:00", "end_time": "08:00"}])
		with self.assertRaises(frappe.ValidationError):
			make_technician(
				working_hours=[
					{"weekday": "Monday", "start_time": "08:00", "end_time": "16:00"},
					{"weekday": "Monday", "start_time": "09:00", "end_time": "17:00"},
				]
			)

	def test_half_a_home_base_refused(self):
		with self.assertRaises(frappe.ValidationError):
			make_technician(home_latitude=45.5)

	def test_user_gets_the_technician_role(self):
		email = "tech.role.test@gigafibre.ca"
		if not frappe.db.exists("User", email):
			frappe.get_doc(
				{"doctype": "User", "email": email, "first_name": "Role", "send_welcome_email": 0}
			).insert()
		make_technician(user=email)
		self.assertIn("Technician", frappe.get_roles(email))

	def test_skills_are_tags(self):
		if not frappe.db.exists("Tag", "Fibre"):
			frappe.get_doc({"doctype": "Tag", "__newname": "Fibre"}).insert()
		tech = make_technician(skills=[{"skill": "Fibre"}])
		self.assertEqual([s.skill for s in tech.skills], ["Fibre"])
		with self.assertRaises(frappe.LinkValidationError):
			make_technician(skills=[{"skill": "No Such Skill Tag"}])


class TestServiceLocation(FrappeTestCase):
	def test_postal_code_normalized(self):
		self.assertEqual(make_location().postal_code, "H2J 2L3")

	def test_bad_postal_code_refused(self):
		with self.assertRaisesRegex(frappe.ValidationError, "12345"):
			make_location(postal_code="12345")

	def test_contacts_phone_normalized_and_reachable(self):
		loc = make_location(
			contacts=[
				{"contact_name": "Marie Tremblay", "contact_role": "Propriétaire", "phone": "438-555-0101"}
			]
		)
		self.assertEqual(loc.contacts[0].phone, "+14385550101")
		with self.assertRaisesRegex(frappe.ValidationError, "Jean"):
			make_location(contacts=[{"contact_name": "Jean"}])
		with self.assertRaises(frappe.ValidationError):
			make_location(contacts=[{"contact_name": "Jean", "email": "not-an-email"}])

	def test_lookup_fields_indexed(self):
		indexed = _indexed_columns("Service Location")
		for column in ("customer", "postal_code", "city", "olt", "pon_port"):
			self.assertIn(column, indexed)


class TestServiceEquipment(FrappeTestCase):
	def make(self, **fields):
		values = {"doctype": "Service Equipment", "serial_number": "zte 0001", "equipment_type": "ONT"}
		values.update(fields)
		return frappe.get_doc(values).insert()

	def test_serial_and_mac_normalized(self):
		eq = self.make(
			serial_number=" zteg 1a2b3c4d ", mac_address="aa-bb-cc-00-11-22", gpon_serial="zteg1a2b3c4d"
		)
		self.assertEqual(eq.serial_number, "ZTEG1A2B3C4D")
		self.assertEqual(eq.mac_address, "AA:BB:CC:00:11:22")
		self.assertEqual(eq.gpon_serial, "ZTEG1A2B3C4D")

	def test_duplicate_serial_refused_even_in_another_form(self):
		self.make(serial_number="SN-DUP-1")
		with self.assertRaisesRegex(frappe.DuplicateEntryError, "SN-DUP-1"):
			self.make(serial_number=" sn-dup-1")

	def test_duplicate_mac_refused_but_empty_macs_coexist(self):
		self.make(serial_number="SN-MAC-1", mac_address="00:11:22:33:44:55")
		with self.assertRaises(frappe.DuplicateEntryError):
			self.make(serial_number="SN-MAC-2", mac_address="001122334455")
		self.make(serial_number="SN-NOMAC-1")
		self.make(serial_number="SN-NOMAC-2", mac_address="")
		self.assertIsNone(
			frappe.db.get_value("Service Equipment", {"serial_number": "SN-NOMAC-2"}, "mac_address")
		)

	def test_bad_mac_refused(self):
		with self.assertRaisesRegex(frappe.ValidationError, "MAC"):
			self.make(serial_number="SN-BADMAC", mac_address="zz:zz")

	def test_installed_needs_a_location_and_takes_its_customer(self):
		with self.assertRaises(frappe.ValidationError):
			self.make(serial_number="SN-INST-1", status="Installed")
		loc = make_location()
		eq = self.make(serial_number="SN-INST-2", status="Installed", service_location=loc.name)
		self.assertEqual(eq.customer, test_customer())
		self.assertTrue(eq.installed_on)

	def test_serial_and_mac_lookups_hit_unique_indexes(self):
		indexed = _indexed_columns("Service Equipment")
		self.assertTrue(indexed.get("serial_number"))
		self.assertTrue(indexed.get("mac_address"))
		for column in ("status", "service_location", "customer", "acs_device_id"):
			self.assertIn(column, indexed)


class TestDispatchJob(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.location = make_location(address_line1="10 rue du Test")
		cls.technician = make_technician(full_name="Tech Dispatch Test")

	def make(self, **fields):
		values = {
			"doctype": "Dispatch Job",
			"subject": "Installation fibre",
			"job_type": "Install",
			"service_location": self.location.name,
			"expected_duration": 90,
		}
		values.update(fields)
		return frappe.get_doc(values).insert()

	def test_customer_and_end_follow_location_and_duration(self):
		start = get_datetime("2026-11-25 09:00:00")
		job = self.make(status="Planned", scheduled_start=start)
		self.assertEqual(job.customer, test_customer())
		self.assertEqual(get_datetime(job.scheduled_end), add_to_date(start, minutes=90))

	def test_full_life_cycle(self):
		job = self.make(scheduled_start=now_datetime())
		self.assertEqual(job.status, "New")
		for status in ("Planned", "Assigned", "En Route", "On Site", "Completed"):
			if status == "Assigned":
				job.technician = self.technician.name
			job.status = status
			job.save()
			self.assertEqual(job.reload().status, status)
		self.assertTrue(job.check_out_at)

	def test_picking_a_technician_assigns_and_removing_unassigns(self):
		job = self.make()
		job.technician = self.technician.name
		job.save()
		self.assertEqual(job.status, "Assigned")
		job.technician = None
		job.save()
		self.assertEqual(job.status, "New")

	def test_skipping_and_reopening_refused(self):
		job = self.make()
		job.status = "Completed"
		with self.assertRaisesRegex(frappe.ValidationError, "New"):
			job.save()
		job.reload()
		job.status, job.cancellation_reason = "Cancelled", "Client absent"
		job.save()
		job.status = "New"
		with self.assertRaises(frappe.ValidationError):
			job.save()
		self.assertEqual(frappe.db.get_value("Dispatch Job", job.name, "status"), "Cancelled")

	def test_cancel_from_every_open_status_needs_a_reason(self):
		for status in ("New", "Planned", "Assigned", "En Route", "On Site"):
			job = self.make(
				status=status,
				technician=self.technician.name if status not in ("New", "Planned") else None,
				scheduled_start=now_datetime(),
			)
			job.status = "Cancelled"
			with self.assertRaisesRegex(frappe.ValidationError, "reason"):
				job.save()
			job.reload()
			job.status, job.cancellation_reason = "Cancelled", "Annulé par le client"
			job.save()
			self.assertEqual(job.reload().status, "Cancelled")

	def test_assigned_needs_technician_and_planned_a_start(self):
		with self.assertRaises(frappe.ValidationError):
			self.make(status="En Route")
		with self.assertRaises(frappe.ValidationError):
			self.make(status="Planned")

	def test_bad_dates_refused(self):
		with self.assertRaises(frappe.ValidationError):
			self.make(window_start="2026-11-25 12:00:00", window_end="2026-11-25 08:00:00")
		with self.assertRaises(frappe.ValidationError):
			self.make(expected_duration=-5)

	def test_equipment_rows_unique(self):
		eq = frappe.get_doc(
			{"doctype": "Service Equipment", "serial_number": "SN-JOB-EQ-1", "equipment_type": "Router"}
		).insert()
		job = self.make(equipment=[{"equipment": eq.name}])
		self.assertEqual(job.equipment[0].serial_number, "SN-JOB-EQ-1")
		job.append("equipment", {"equipment": eq.name})
		with self.assertRaises(frappe.ValidationError):
			job.save()

	def test_next_statuses_for_the_desk(self):
		job = self.make()
		self.assertEqual(job.next_statuses(), ["Planned", "Assigned", "Cancelled"])

	def test_lookup_fields_indexed(self):
		indexed = _indexed_columns("Dispatch Job")
		for column in ("status", "technician", "customer", "service_location", "scheduled_start", "job_type"):
			self.assertIn(column, indexed)


class TestWebhookEvent(FrappeTestCase):
	def make(self, source="Stripe", event_id="evt_test_1"):
		return frappe.get_doc(
			{
				"doctype": "Webhook Event",
				"source": source,
				"event_id": event_id,
				"received_at": now_datetime(),
				"raw_body": frappe.as_json({"id": event_id}),
			}
		).insert()

	def test_one_row_per_source_and_event_id(self):
		self.make(event_id="evt_unique_1")
		self.make(source="Twilio", event_id="evt_unique_1")
		with self.assertRaises(frappe.UniqueValidationError):
			self.make(event_id="evt_unique_1")

	def test_raw_body_kept_as_received(self):
		body = '{"id": "evt_raw", "amount": 12.5, "accent": "é"}'
		doc = frappe.get_doc(
			{"doctype": "Webhook Event", "source": "Stripe", "event_id": "evt_raw", "raw_body": body}
		).insert()
		self.assertEqual(frappe.db.get_value("Webhook Event", doc.name, "raw_body"), body)
		self.assertEqual(doc.status, "Received")


class TestFlowDoctypes(FrappeTestCase):
	def test_run_key_unique(self):
		template = frappe.get_doc(
			{
				"doctype": "Flow Template",
				"title": "_Test data model flow",
				"trigger_event": "on_customer_created",
				"enabled": 0,
				"steps": [{"step_id": "done", "step_type": "end"}],
			}
		).insert()
		values = {
			"doctype": "Flow Run",
			"flow_template": template.name,
			"run_key": "k-1",
			"status": "Pending",
		}
		frappe.get_doc(values).insert()
		with self.assertRaises(frappe.UniqueValidationError):
			frappe.get_doc(values).insert()


class TestSettings(FrappeTestCase):
	def test_link_secret_generated_and_never_shown(self):
		settings = frappe.get_single("Gigafibre Settings")
		secret = settings.get_password("jwt_secret")
		self.assertGreaterEqual(len(secret), 32)
		self.assertNotIn(secret, frappe.as_json(settings.as_dict()))

	def test_urls_checked_and_trimmed(self):
		settings = frappe.get_single("Gigafibre Settings")
		settings.portal_base_url = "https://portal.gigafibre.ca/"
		settings.save()
		self.assertEqual(settings.portal_base_url, "https://portal.gigafibre.ca")
		settings.tech_base_url = "erp.gigafibre.ca"
		with self.assertRaises(frappe.ValidationError):
			settings.save()


class TestShippedWithTheApp(FrappeTestCase):
	def test_roles_and_workspace(self):
		for role in ("Dispatcher", "Technician", "Gigafibre Manager"):
			self.assertTrue(frappe.db.exists("Role", role), role)
		workspace = frappe.get_doc("Workspace", "Gigafibre")
		self.assertIn("Dispatch Job", {s.link_to for s in workspace.shortcuts})

	def test_dispatcher_permissions(self):
		self.assertTrue(
			frappe.db.exists("DocPerm", {"parent": "Dispatch Job", "role": "Dispatcher", "write": 1})
		)
		self.assertFalse(frappe.db.exists("DocPerm", {"parent": "Gigafibre Settings", "role": "Dispatcher"}))

	def test_french_translations_loaded(self):
		from frappe.translate import get_all_translations

		french = get_all_translations("fr")
		self.assertEqual(french.get("Dispatch Job"), "Intervention")
		self.assertEqual(
			french.get("A job cannot go from {0} to {1}."),
			"Une intervention ne peut pas passer de {0} à {1}.",
		)

	def test_frappe_google_integration_still_imports(self):
		# google-genai lifts google-auth past Frappe 15's pin; Frappe's own Google code must still load.
		import google.oauth2.credentials
		import googleapiclient.discovery
		from frappe.integrations import google_oauth
		from frappe.integrations.doctype.google_calendar import google_calendar


class TestStaffRights(FrappeTestCase):
	def test_ticket_handlers_read_support_settings_without_writing_them(self):
		"""ERPNext's Issue form reads Support Settings on every opening (frappe.client.get_value):
		staff who handle tickets must not get "No permission" on each one."""
		from gigafibre.install import ensure_staff_rights

		ensure_staff_rights()  # as install and migrate do
		for role in ("Support Team", "Dispatcher", "Gigafibre Manager"):
			user = desk_user(f"rights-{role.lower().replace(' ', '-')}@gigafibre.test", [role])
			self.assertTrue(frappe.has_permission("Support Settings", "read", user=user), role)
			self.assertFalse(frappe.has_permission("Support Settings", "write", user=user), role)
			try:
				value = call_endpoint(
					"frappe.client.get_value",
					user=user,
					get=True,
					doctype="Support Settings",
					filters='{"name": "Support Settings"}',
					fieldname='["track_service_level_agreement"]',
				)
			finally:
				frappe.set_user("Administrator")
				frappe.local.request = None
			self.assertIn("track_service_level_agreement", value)
		technician = desk_user("rights-technician@gigafibre.test", ["Technician"])
		self.assertFalse(frappe.has_permission("Support Settings", "read", user=technician))
