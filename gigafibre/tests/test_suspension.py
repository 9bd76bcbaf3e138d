"""Suspension and restoration in a real bench (gigafibre/billing/suspension.py): through a loopback
GenieACS NBI and a loopback Oktopus controller (the network tests' peers), a device that does not
answer retried then shown failed, a payment that restores and texts the customer, proposals
skipped for a dispute, a payment arrangement or a payment in processing, and who may decide."""

import json

import frappe
from frappe.utils import add_days, add_to_date, get_datetime, now_datetime, nowdate

from gigafibre.billing import suspension
from gigafibre.billing import suspension_rules as rules
from gigafibre.health.alerts import open_alerts
from gigafibre.tests.peers import LoopbackPeer
from gigafibre.tests.utils import (
	SmsTestCase,
	call_endpoint,
	make_location,
	make_submitted_invoice,
	pay,
	pytest_peer,
)

WAN_ENABLE = "InternetGatewayDevice.WANDevice.1.WANConnectionDevice.2.WANPPPConnection.1.Enable"
GENIE_SUSPEND = [
	{"add_tag": "gigafibre-suspended"},
	{"task": {"name": "setParameterValues", "parameterValues": [[WAN_ENABLE, False, "xsd:boolean"]]}},
]
GENIE_RESTORE = [
	{"remove_tag": "gigafibre-suspended"},
	{"task": {"name": "setParameterValues", "parameterValues": [[WAN_ENABLE, True, "xsd:boolean"]]}},
]


def usp_set(enable: str) -> dict:
	return {
		"command": "set",
		"mtp": "any",
		"body": {
			"allow_partial": False,
			"update_objs": [
				{
					"obj_path": "Device.IP.Interface.1.",
					"param_settings": [{"param": "Enable", "value": enable, "required": True}],
				}
			],
		},
	}


def _settings(**values) -> None:
	frappe.set_user("Administrator")
	doc = frappe.get_single("Gigafibre Settings")
	actions = values.pop("suspension_actions", None)
	doc.update(values)
	if actions is not None:
		doc.set("suspension_actions", actions)
	doc.save()
	frappe.clear_document_cache("Gigafibre Settings", "Gigafibre Settings")


def _user(prefix: str, roles: list[str]) -> str:
	"""A run-unique desk user with `roles`, written without User.validate: that validate rewrites one
	shared defaults row, which another test class running on the site may hold until it ends."""
	frappe.set_user("Administrator")
	email = f"{prefix}-{frappe.generate_hash(length=8)}@example.com"
	user = frappe.new_doc("User")
	user.update(
		{"name": email, "email": email, "first_name": "Suspension", "user_type": "System User", "enabled": 1}
	)
	user.db_insert()
	for number, role in enumerate(roles, 1):
		frappe.get_doc(
			{
				"doctype": "Has Role",
				"name": f"{email}-{number}",
				"parent": email,
				"parenttype": "User",
				"parentfield": "roles",
				"role": role,
				"idx": number,
			}
		).db_insert()
	return email


SAVED_FIELDS = (
	"genieacs_url",
	"oktopus_url",
	"oktopus_email",
	"oktopus_password",
	"suspension_max_attempts",
	"suspension_run_time",
)


class TestSuspension(SmsTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		nbi = pytest_peer("network/nbi_peer")
		cls.huawei = nbi.load("device_tr098_huawei_hg8245q2.json")
		cls.nbi = nbi.NbiPeer([cls.huawei]).__enter__()
		okt = pytest_peer("network/oktopus_peer")
		cls.controller = okt.Controller(devices=3)  # device 0 offline, 1 and 2 online
		cls.oktopus = LoopbackPeer(cls.controller).__enter__()
		cls.controller.peer = cls.oktopus
		before = frappe.get_single("Gigafibre Settings")
		cls.saved = {f: before.get(f) for f in SAVED_FIELDS}
		cls.saved_actions = [row.as_dict() for row in before.get("suspension_actions") or []]
		_settings(
			genieacs_url=cls.nbi.url,
			oktopus_url=cls.oktopus.url,
			oktopus_email=okt.EMAIL,
			oktopus_password=okt.PASSWORD,
			suspension_max_attempts=3,
			suspension_run_time="10:00:00",
			suspension_actions=[
				{
					"model": "HG8245Q2",
					"backend": "GenieACS",
					"suspend_action": json.dumps(GENIE_SUSPEND),
					"restore_action": json.dumps(GENIE_RESTORE),
				},
				{
					"model": "xx230v",
					"backend": "Oktopus",
					"suspend_action": json.dumps(usp_set("false")),
					"restore_action": json.dumps(usp_set("true")),
				},
			],
		)
		cls.manager = _user("susp-manager", ["Gigafibre Manager"])
		cls.dispatcher = _user("susp-dispatcher", ["Dispatcher"])

	@classmethod
	def tearDownClass(cls):
		frappe.set_user("Administrator")
		# The rollback undoes the rows, not the cached settings other classes read.
		saved = {k: (v if v is not None else "") for k, v in cls.saved.items()}
		saved["suspension_max_attempts"] = cls.saved.get("suspension_max_attempts") or 0
		_settings(
			**saved,
			suspension_actions=[
				{k: r[k] for k in ("model", "backend", "suspend_action", "restore_action")}
				for r in cls.saved_actions
			],
		)
		cls.nbi.__exit__(None, None, None)
		cls.oktopus.__exit__(None, None, None)
		super().tearDownClass()

	def setUp(self):
		self.nbi.online.add(self.huawei["_id"])
		self.controller.silent.clear()
		self.sms_before = len(self.twilio.requests)

	# ------------------------------------------------------------ fixtures

	def customer(self) -> tuple[str, str]:
		frappe.set_user("Administrator")
		key = frappe.generate_hash(length=6)
		number = int(key, 16)
		# A valid North American number: its exchange never starts with 0 or 1.
		mobile = f"+1514{200 + number % 800}{number // 800 % 10_000:04d}"
		customer = frappe.get_doc(
			{"doctype": "Customer", "customer_name": f"Suspension {key}", "customer_type": "Individual"}
		).insert()
		frappe.db.set_value("Customer", customer.name, {"mobile_no": mobile, "language": "fr"})
		return customer.name, mobile

	def location_with(self, model: str, acs_device_id: str | None = None, serial: str | None = None):
		customer, mobile = self.customer()
		location = make_location(
			customer=customer, address_line1=f"{frappe.generate_hash(length=4)} rue Saint-Denis"
		)
		inline = frappe.flags.gigafibre_jobs_inline
		frappe.flags.gigafibre_jobs_inline = False  # no provisioning run for these fixtures
		try:
			equipment = frappe.get_doc(
				{
					"doctype": "Service Equipment",
					"serial_number": serial or f"SUSP{frappe.generate_hash(length=8).upper()}",
					"equipment_type": "ONT",
					"model": model,
					"status": "Installed",
					"service_location": location.name,
					"customer": customer,
					"acs_device_id": acs_device_id,
				}
			).insert()
		finally:
			frappe.flags.gigafibre_jobs_inline = inline
		invoice = make_submitted_invoice(customer, rate=80.0)
		frappe.db.set_value("Sales Invoice", invoice.name, "gigafibre_service_location", location.name)
		invoice.reload()
		return frappe._dict(
			customer=customer,
			mobile=mobile,
			location=location.name,
			equipment=equipment.name,
			invoice=invoice,
		)

	def texts_to(self, mobile: str) -> list[str]:
		return [
			r.form()["Body"] for r in self.twilio.requests[self.sms_before :] if r.form().get("To") == mobile
		]

	def row(self, name: str):
		return frappe.get_doc(suspension.DOCTYPE, name)

	def due_now(self, name: str, field: str = "next_attempt_at") -> None:
		frappe.db.set_value(suspension.DOCTYPE, name, field, add_to_date(now_datetime(), minutes=-1))

	# ------------------------------------------------------------ tests

	def test_genieacs_suspension_approved_then_payment_restores_and_texts(self):
		f = self.location_with(" hg8245q2", acs_device_id=self.huawei["_id"])
		name = suspension.propose(invoice=f.invoice.name, reason="Dunning: day 30")
		self.assertEqual(suspension.propose(service_location=f.location), name, "one proposal per location")
		row = self.row(name)
		self.assertEqual((row.action, row.status, row.customer), (rules.SUSPEND, rules.PROPOSED, f.customer))
		self.assertEqual([i.invoice for i in row.invoices], [f.invoice.name])
		self.assertEqual(get_datetime(row.scheduled_at).strftime("%H:%M"), "10:00")
		self.assertGreater(get_datetime(row.scheduled_at), now_datetime())
		due = [r.name for r in suspension.due_today()]
		self.assertEqual(name in due, get_datetime(row.scheduled_at).date() == now_datetime().date())

		answer = call_endpoint("gigafibre.api.billing.approve_suspension", user=self.manager, name=name)
		self.assertEqual(answer["status"], rules.DONE, answer)
		row = self.row(name)
		self.assertEqual((row.approved_by, row.attempts), (self.manager, 1))
		(device,) = row.devices
		self.assertEqual((device.equipment, device.status, device.backend), (f.equipment, "Done", "GenieACS"))
		logged = json.loads(device.answer)
		self.assertEqual(logged[0]["answers"][1]["http_status"], 200)
		self.assertEqual(
			logged[0]["answers"][1]["answer"]["parameterValues"], [[WAN_ENABLE, False, "xsd:boolean"]]
		)
		self.assertIn("gigafibre-suspended", self.nbi.devices[self.huawei["_id"]]["_tags"])
		self.assertEqual(self.nbi.tasks[-1]["parameterValues"], [[WAN_ENABLE, False, "xsd:boolean"]])
		location = frappe.db.get_value(
			"Service Location", f.location, ["location_status", "suspension_reason"], as_dict=True
		)
		self.assertEqual(
			(location.location_status, location.suspension_reason), ("Suspended", "Dunning: day 30")
		)
		self.assertIsNone(suspension.propose(service_location=f.location), "suspended already")

		frappe.set_user("Administrator")
		payment = pay(f.invoice)
		restore = frappe.get_all(
			suspension.DOCTYPE,
			filters={"service_location": f.location, "action": rules.RESTORE},
			fields=["name", "status", "payment_entry"],
		)
		self.assertEqual([(r.status, r.payment_entry) for r in restore], [(rules.DONE, payment.name)])
		self.assertEqual(frappe.db.get_value("Service Location", f.location, "location_status"), "Active")
		self.assertNotIn("gigafibre-suspended", self.nbi.devices[self.huawei["_id"]]["_tags"])
		self.assertEqual(self.nbi.tasks[-1]["parameterValues"], [[WAN_ENABLE, True, "xsd:boolean"]])
		outbox = frappe.get_all(
			"Outgoing Message",
			filters={"reference_doctype": suspension.DOCTYPE, "reference_name": restore[0].name},
			fields=["status", "recipient", "body", "last_error", "not_before"],
		)
		self.assertEqual(
			[(m.status, m.recipient) for m in outbox],
			[("Sent", f.mobile)],
			self.row(restore[0].name).last_error,
		)
		(text,) = [t for t in self.texts_to(f.mobile) if "rétabli" in t]
		self.assertIn("Votre service Internet au", text)

	def test_a_credit_note_that_clears_the_balance_restores_like_a_payment(self):
		from erpnext.accounts.doctype.sales_invoice.sales_invoice import make_sales_return

		f = self.location_with("HG8245Q2", acs_device_id=self.huawei["_id"])
		name = suspension.propose(invoice=f.invoice.name, reason="Dunning: day 30")
		call_endpoint("gigafibre.api.billing.approve_suspension", user=self.manager, name=name)
		self.assertEqual(frappe.db.get_value("Service Location", f.location, "location_status"), "Suspended")

		frappe.set_user("Administrator")
		credit = make_sales_return(f.invoice.name)
		credit.gigafibre_service_location = f.location
		credit.insert()
		credit.submit()
		restore = frappe.get_all(
			suspension.DOCTYPE,
			filters={"service_location": f.location, "action": rules.RESTORE},
			fields=["status", "reason"],
		)
		self.assertEqual([r.status for r in restore], [rules.DONE])
		self.assertIn(credit.name, restore[0].reason)
		self.assertEqual(frappe.db.get_value("Service Location", f.location, "location_status"), "Active")

	def test_a_customer_who_answered_stop_is_told_by_email(self):
		f = self.location_with("HG8245Q2", acs_device_id=self.huawei["_id"])
		email = f"susp-{frappe.generate_hash(length=8)}@example.com"
		frappe.db.set_value("Customer", f.customer, {"gigafibre_sms_opt_out": 1, "email_id": email})
		name = suspension.propose(service_location=f.location)
		call_endpoint("gigafibre.api.billing.approve_suspension", user=self.manager, name=name)
		frappe.set_user("Administrator")
		pay(f.invoice)
		(restore,) = frappe.get_all(
			suspension.DOCTYPE,
			filters={"service_location": f.location, "action": rules.RESTORE},
			pluck="name",
		)
		told = frappe.get_all(
			"Outgoing Message",
			filters={"reference_doctype": suspension.DOCTYPE, "reference_name": restore},
			fields=["channel", "recipient", "subject"],
		)
		self.assertEqual([(m.channel, m.recipient) for m in told], [("Email", email)])
		self.assertEqual(told[0].subject, "Votre service Internet est rétabli")
		self.assertEqual(self.texts_to(f.mobile), [])
		# A location no longer served gets no proposal.
		frappe.db.set_value("Service Location", f.location, "location_status", "Inactive")
		self.assertIsNone(suspension.propose(service_location=f.location))

	def test_oktopus_suspension_runs_at_its_time(self):
		sn = self.controller.devices[1]["SN"]
		f = self.location_with("XX230v", serial=sn.lower())
		name = suspension.propose(service_location=f.location)
		suspension.sweep()
		self.assertEqual(self.row(name).status, rules.PROPOSED, "not before its time")
		self.due_now(name, "scheduled_at")
		self.assertGreaterEqual(suspension.sweep(), 1)
		row = self.row(name)
		self.assertEqual(row.status, rules.DONE, row.last_error)
		self.assertIsNone(row.approved_by)
		message = [m for m in self.controller.messages if m["sn"] == sn][-1]
		self.assertEqual((message["mtp"], message["command"]), ("any", "set"))
		self.assertEqual(message["body"]["update_objs"][0]["param_settings"][0]["value"], "false")
		answer = json.loads(row.devices[0].answer)[0]["answers"][0]
		self.assertEqual(answer["http_status"], 200)
		self.assertIn("oper_success", json.dumps(answer["answer"]))
		self.assertEqual(frappe.db.get_value("Service Location", f.location, "location_status"), "Suspended")

	def test_a_silent_device_is_retried_then_shown_failed(self):
		f = self.location_with("HG8245Q2", acs_device_id=self.huawei["_id"])
		self.nbi.online.discard(self.huawei["_id"])
		name = suspension.propose(service_location=f.location)
		call_endpoint("gigafibre.api.billing.approve_suspension", user=self.manager, name=name)
		row = self.row(name)
		self.assertEqual((row.status, row.attempts), (rules.PENDING, 1))
		self.assertGreater(get_datetime(row.next_attempt_at), now_datetime())
		device = row.devices[0]
		self.assertEqual(device.status, "Pending")
		self.assertTrue(device.queued_task_id)
		self.assertIn("GenieACS", device.error)
		self.assertIn(f.equipment, row.last_error)
		suspension.sweep()
		self.assertEqual(self.row(name).attempts, 1, "the retry is not due yet")
		for attempt in (2, 3):
			self.due_now(name)
			suspension.sweep()
			self.assertEqual(self.row(name).attempts, attempt)
		row = self.row(name)
		self.assertEqual(row.status, rules.FAILED)
		self.assertEqual(len(json.loads(row.devices[0].answer)), 3)
		self.assertTrue(self.nbi.deleted_tasks, "each retry replaced the task left queued")
		self.assertTrue(open_alerts(suspension.FAILED_TITLE))
		from gigafibre.health.service import report

		(line,) = [x for x in report(probe=False)["lines"] if x["key"] == "stuck.suspensions"]
		self.assertEqual(line["status"], "warn", line)
		self.assertTrue(line["fix"])

		# The device is back: a manager retries, it is done.
		self.nbi.online.add(self.huawei["_id"])
		answer = call_endpoint("gigafibre.api.billing.retry_suspension", user=self.manager, name=name)
		self.assertEqual(answer["status"], rules.DONE, answer)

	def test_a_stuck_row_is_red_in_health(self):
		f = self.location_with("HG8245Q2", acs_device_id=self.huawei["_id"])
		name = suspension.propose(service_location=f.location)
		frappe.db.set_value(
			suspension.DOCTYPE,
			name,
			{"status": rules.RUNNING, "leased_until": add_to_date(now_datetime(), minutes=30)},
		)
		frappe.db.set_value(
			suspension.DOCTYPE,
			name,
			"modified",
			add_to_date(now_datetime(), minutes=-30),
			update_modified=False,
		)
		from gigafibre.health.service import report

		(line,) = [x for x in report(probe=False)["lines"] if x["key"] == "stuck.suspensions"]
		self.assertEqual(line["status"], "fail", line)

	def test_proposals_skipped_for_dispute_arrangement_or_payment_processing(self):
		disputed = self.location_with("HG8245Q2", acs_device_id=self.huawei["_id"])
		frappe.db.set_value("Sales Invoice", disputed.invoice.name, "gigafibre_disputed", 1)
		arranged = self.location_with("HG8245Q2", acs_device_id=self.huawei["_id"])
		frappe.db.set_value(
			"Customer", arranged.customer, "gigafibre_payment_arrangement_until", add_days(nowdate(), 3)
		)
		processing = self.location_with("HG8245Q2", acs_device_id=self.huawei["_id"])
		frappe.db.set_value(
			"Sales Invoice", processing.invoice.name, "gigafibre_ppa_pending", "pi_test_suspension"
		)
		tasks_before = len(self.nbi.tasks)
		for f, words in ((disputed, "disputed"), (arranged, "arrangement"), (processing, "being processed")):
			name = suspension.propose(invoice=f.invoice.name)
			answer = call_endpoint("gigafibre.api.billing.approve_suspension", user=self.manager, name=name)
			self.assertEqual(answer["status"], rules.SKIPPED, answer)
			self.assertIn(words, answer["skip_reason"])
			self.assertEqual(frappe.db.get_value("Service Location", f.location, "location_status"), "Active")
		self.assertEqual(len(self.nbi.tasks), tasks_before, "no device was touched")
		# Paid before its time: nothing to propose, and a proposal made before is skipped.
		paid = self.location_with("HG8245Q2", acs_device_id=self.huawei["_id"])
		name = suspension.propose(service_location=paid.location)
		frappe.set_user("Administrator")
		pay(paid.invoice)
		self.assertEqual(self.row(name).status, rules.SKIPPED)
		self.assertIsNone(suspension.propose(service_location=paid.location))

	def test_who_may_approve_or_skip(self):
		f = self.location_with("HG8245Q2", acs_device_id=self.huawei["_id"])
		name = suspension.propose(service_location=f.location)
		for method, extra in (("approve_suspension", {}), ("skip_suspension", {"reason": "x"})):
			with self.assertRaises(frappe.PermissionError):
				call_endpoint(f"gigafibre.api.billing.{method}", user=self.dispatcher, name=name, **extra)
		self.assertEqual(self.row(name).status, rules.PROPOSED)
		due = call_endpoint("gigafibre.api.billing.due_suspensions", user=self.dispatcher, get=True)
		self.assertIsInstance(due, list)
		with self.assertRaises(frappe.ValidationError):
			call_endpoint("gigafibre.api.billing.skip_suspension", user=self.manager, name=name, reason="  ")
		answer = call_endpoint(
			"gigafibre.api.billing.skip_suspension",
			user=self.manager,
			name=name,
			reason="Client au téléphone",
		)
		self.assertEqual(
			(answer["status"], answer["skipped_by"], answer["skip_reason"]),
			(rules.SKIPPED, self.manager, "Client au téléphone"),
		)
		with self.assertRaises(frappe.ValidationError):
			call_endpoint("gigafibre.api.billing.approve_suspension", user=self.manager, name=name)
		with self.assertRaises(frappe.DoesNotExistError):
			call_endpoint("gigafibre.api.billing.approve_suspension", user=self.manager, name="SUSP-NOPE")

	def test_the_dunning_flow_may_call_propose(self):
		self.assertIn("gigafibre.billing.suspension.propose", frappe.get_hooks("gigafibre_flow_methods"))
		f = self.location_with("HG8245Q2", acs_device_id=self.huawei["_id"])
		template = frappe.get_all("Flow Template", pluck="name", limit=1)
		if not template:
			self.skipTest("no Flow Template on this site")
		run = frappe.get_doc(
			{
				"doctype": "Flow Run",
				"flow_template": template[0],
				"trigger_event": "on_invoice_submitted",
				"status": "Running",
				"reference_doctype": "Sales Invoice",
				"reference_name": f.invoice.name,
				"run_key": f"suspension-test-{frappe.generate_hash(length=8)}",
			}
		).insert(ignore_permissions=True)
		name = suspension.propose(flow_run=run.name)
		row = self.row(name)
		self.assertEqual((row.service_location, row.flow_run), (f.location, run.name))

	def test_settings_refuse_a_bad_action(self):
		with self.assertRaises(frappe.ValidationError) as caught:
			_settings(
				suspension_actions=[
					{
						"model": "EG8145V5",
						"backend": "GenieACS",
						"suspend_action": "{",
						"restore_action": "[]",
					}
				]
			)
		self.assertIn("1", str(caught.exception))
		self.assertIn("JSON", str(caught.exception))
