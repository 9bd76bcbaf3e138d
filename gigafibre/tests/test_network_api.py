"""The network shell in a real bench: device endpoints against a loopback GenieACS NBI, the
acceptance gate on Dispatch Job completion, and the Uptime Kuma webhook → Outage path."""

import json
from datetime import datetime, timedelta, timezone

import frappe
from frappe.tests.utils import FrappeTestCase

from gigafibre.network import service
from gigafibre.network.outages import open_outage_for
from gigafibre.tests.utils import (
	call_endpoint,
	desk_user,
	make_location,
	make_technician,
	post_raw,
	pytest_peer,
)
from gigafibre.webhooks.intake import BadSignature

KUMA_SECRET = "kuma-test-secret"
HUAWEI = "00259E-HG8245Q2-48575443A1B2C3D4"
TPLINK = "5C628B-XX230v-2237A8M000123"


def _settings(**values) -> None:
	frappe.set_user("Administrator")
	doc = frappe.get_single("Gigafibre Settings")
	doc.update(values)
	doc.save()
	frappe.clear_document_cache("Gigafibre Settings", "Gigafibre Settings")


class NetworkCase(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		nbi = pytest_peer("network/nbi_peer")
		cls.nbi = nbi.NbiPeer(
			[nbi.load("device_tr098_huawei_hg8245q2.json"), nbi.load("device_tr181_tplink_xx230v.json")]
		).__enter__()
		before = frappe.get_single("Gigafibre Settings")
		cls.saved = {
			f: before.get(f)
			for f in ("genieacs_url", "acceptance_rx_min", "acceptance_rx_max", "acceptance_inform_minutes")
		}
		_settings(
			genieacs_url=cls.nbi.url, acceptance_rx_min=0, acceptance_rx_max=0, acceptance_inform_minutes=0
		)
		cls.dispatcher = desk_user("network-dispatcher@gigafibre.test", ["Dispatcher"])
		cls.technician_user = desk_user("network-tech@gigafibre.test", ["Technician"])

	@classmethod
	def tearDownClass(cls):
		frappe.set_user("Administrator")
		frappe.local.request = None
		_settings(**cls.saved)
		cls.nbi.__exit__(None, None, None)
		super().tearDownClass()

	def tearDown(self):
		frappe.set_user("Administrator")
		frappe.local.request = None
		frappe.flags.gigafibre_jobs_inline = False

	def equipment(self, device_id: str, location: str | None = None, equipment_type: str = "ONT") -> str:
		return (
			frappe.get_doc(
				{
					"doctype": "Service Equipment",
					"serial_number": f"NET-{frappe.generate_hash(length=8)}",
					"equipment_type": equipment_type,
					"status": "Installed" if location else "In Stock",
					"service_location": location,
					"acs_device_id": device_id,
				}
			)
			.insert()
			.name
		)


class TestDeviceEndpoints(NetworkCase):
	def test_lookup_by_serial_mac_and_tag(self):
		found = call_endpoint("gigafibre.api.devices.lookup", user=self.dispatcher, serial="48575443a1b2c3d4")
		(device,) = found["devices"]
		self.assertEqual(device["device_id"], HUAWEI)
		self.assertEqual(device["data_model"], "TR-098")
		self.assertEqual(device["optical"]["rx_dbm"], -19.37)
		by_tag = call_endpoint("gigafibre.api.devices.lookup", user=self.dispatcher, tag="gigafibre")
		self.assertEqual({d["device_id"] for d in by_tag["devices"]}, {HUAWEI, TPLINK})
		none = call_endpoint("gigafibre.api.devices.lookup", user=self.dispatcher, serial="NOPE0000")
		self.assertEqual(none["devices"], [])
		with self.assertRaises(frappe.ValidationError):
			call_endpoint("gigafibre.api.devices.lookup", user=self.dispatcher)

	def test_summary_by_equipment_and_device_id(self):
		name = self.equipment(TPLINK)
		result = call_endpoint("gigafibre.api.devices.summary", user=self.dispatcher, equipment=name)
		summary = result["summary"]
		self.assertEqual((summary["device_id"], summary["data_model"]), (TPLINK, "TR-181"))
		self.assertEqual(summary["equipment"]["name"], name)
		self.assertTrue(summary["hosts"])
		with self.assertRaises(frappe.DoesNotExistError):
			call_endpoint("gigafibre.api.devices.summary", user=self.dispatcher, device_id="no-such-device")

	def test_tasks(self):
		done = call_endpoint(
			"gigafibre.api.devices.task", user=self.dispatcher, device_id=HUAWEI, action="reboot"
		)
		self.assertEqual((done["task"], done["done"]), ("reboot", True))
		self.nbi.online.discard(TPLINK)
		try:
			queued = call_endpoint(
				"gigafibre.api.devices.task",
				user=self.dispatcher,
				device_id=TPLINK,
				action="set",
				parameters=json.dumps([["Device.WiFi.SSID.1.SSID", "Gigafibre-Test"]]),
			)
		finally:
			self.nbi.online.add(TPLINK)
		self.assertTrue(queued["queued"])
		self.assertEqual(
			self.nbi.tasks[-1]["parameterValues"],
			[["Device.WiFi.SSID.1.SSID", "Gigafibre-Test", "xsd:string"]],
		)
		with self.assertRaises(frappe.ValidationError):
			call_endpoint(
				"gigafibre.api.devices.task", user=self.dispatcher, device_id=HUAWEI, action="format"
			)

	def test_provisioning_pushes_preset_and_tags(self):
		from gigafibre.network import provisioning

		name = self.equipment(TPLINK, make_location(olt="OLT-PROV-01").name)
		self.assertEqual(provisioning.provision(name), "provisioned")
		preset = self.nbi.presets["gigafibre-" + TPLINK]
		self.assertEqual(json.loads(preset["precondition"]), {"_id": TPLINK})
		self.assertEqual(
			preset["configurations"][0]["name"], "Device.ManagementServer.PeriodicInformInterval"
		)
		self.assertIn("gigafibre-provisioned", self.nbi.devices[TPLINK]["_tags"])
		unknown = self.equipment("000000-NEW-1", make_location(olt="OLT-PROV-01").name)
		self.assertEqual(provisioning.provision(unknown), "queued")
		self.assertIn("gigafibre-000000-NEW-1", self.nbi.presets)

	def test_installed_equipment_is_provisioned_by_the_doc_event(self):
		from gigafibre.network import provisioning

		self.nbi.presets.clear()
		doc = frappe.get_doc("Service Equipment", self.equipment(HUAWEI))  # in stock: nothing
		provisioning.equipment_installed(doc)
		self.assertEqual(self.nbi.presets, {})
		frappe.flags.gigafibre_jobs_inline = True
		doc.status = "Installed"
		doc.service_location = make_location(olt="OLT-PROV-01").name
		doc.save()
		provisioning.equipment_installed(doc)
		self.assertIn("gigafibre-" + HUAWEI, self.nbi.presets)

	def test_callers_and_configuration(self):
		with self.assertRaises(frappe.PermissionError):  # not whitelisted for guests
			call_endpoint("gigafibre.api.devices.lookup", user="Guest", serial="X")
		with self.assertRaises(frappe.PermissionError):
			call_endpoint("gigafibre.api.devices.lookup", user=self.technician_user, serial="X")
		_settings(genieacs_url="")
		try:
			with self.assertRaises(service.NetworkUnavailable) as raised:
				call_endpoint("gigafibre.api.devices.lookup", user=self.dispatcher, serial="X")
			self.assertIn("not configured", str(raised.exception))
			self.assertEqual(raised.exception.http_status_code, 503)
		finally:
			_settings(genieacs_url=self.nbi.url)
		self.nbi.fail_next = [503, 503, 503, 503]
		try:
			with self.assertRaises(service.NetworkUnavailable):
				call_endpoint("gigafibre.api.devices.lookup", user=self.dispatcher, serial="X")
		finally:
			self.nbi.fail_next = []


class TestAcceptanceGate(NetworkCase):
	def setUp(self):
		self.location = make_location(olt="OLT-GATE-01", pon_port="1/1/1").name
		self.equipment(HUAWEI, self.location)
		self.technician = make_technician(full_name="Tech Réseau").name
		self.inform(minutes_ago=2)

	def inform(self, minutes_ago: float) -> None:
		when = datetime.now(timezone.utc) - timedelta(minutes=minutes_ago)
		self.nbi.devices[HUAWEI]["_lastInform"] = when.strftime("%Y-%m-%dT%H:%M:%S.000Z")

	def on_site_job(self, job_type: str = "Install"):
		job = frappe.get_doc(
			{
				"doctype": "Dispatch Job",
				"subject": "Installation fibre",
				"job_type": job_type,
				"service_location": self.location,
				"technician": self.technician,
				"expected_duration": 60,
			}
		).insert()
		for status in ("En Route", "On Site"):
			job.status = status
			job.save()
		return job

	def test_pass_is_recorded(self):
		job = self.on_site_job()
		job.status = "Completed"
		job.save()
		job.reload()
		self.assertEqual(job.acceptance_status, "Passed")
		self.assertTrue(job.acceptance_checked_at)
		self.assertIn("-19.37", job.acceptance_details)

	def test_failure_blocks_with_reason_and_is_recorded(self):
		self.inform(minutes_ago=90)
		job = self.on_site_job("Repair")
		job.status = "Completed"
		with self.assertRaises(service.AcceptanceFailed) as raised:
			job.save()
		self.assertIn("last informed", str(raised.exception))
		self.assertEqual(frappe.db.get_value("Dispatch Job", job.name, "status"), "On Site")
		self.assertEqual(frappe.db.get_value("Dispatch Job", job.name, "acceptance_status"), "Failed")

	def test_technician_page_gets_the_reason(self):
		from gigafibre.tech.links import issue_link

		self.inform(minutes_ago=90)
		job = self.on_site_job()
		token = issue_link(self.technician)[0]
		with self.assertRaises(service.AcceptanceFailed) as raised:
			call_endpoint("gigafibre.api.tech.set_status", token=token, name=job.name, status="Completed")
		self.assertIn("last informed", str(raised.exception))
		self.assertEqual(frappe.db.get_value("Dispatch Job", job.name, "status"), "On Site")
		self.inform(minutes_ago=1)
		done = call_endpoint("gigafibre.api.tech.set_status", token=token, name=job.name, status="Completed")
		self.assertEqual(done["status"], "Completed")
		self.assertEqual(frappe.db.get_value("Dispatch Job", job.name, "acceptance_status"), "Passed")

	def test_no_ont_fails(self):
		self.location = make_location(olt="OLT-GATE-01").name
		job = self.on_site_job()
		job.status = "Completed"
		with self.assertRaises(service.AcceptanceFailed) as raised:
			job.save()
		self.assertIn("No installed ONT", str(raised.exception))

	def test_dispatcher_overrides(self):
		self.inform(minutes_ago=90)
		job = self.on_site_job()
		frappe.set_user(self.technician_user)
		job = frappe.get_doc("Dispatch Job", job.name)
		job.status = "Completed"
		with self.assertRaises(service.AcceptanceFailed):
			job.save()
		job = frappe.get_doc("Dispatch Job", job.name)
		job.acceptance_override = 1
		job.acceptance_override_reason = "Je passe outre"
		with self.assertRaises(frappe.PermissionError):  # a technician may not override
			job.save()

		frappe.set_user(self.dispatcher)
		job = frappe.get_doc("Dispatch Job", job.name)
		job.acceptance_override = 1
		with self.assertRaises(frappe.ValidationError):  # no reason
			job.save()
		job = frappe.get_doc("Dispatch Job", job.name)
		job.acceptance_override = 1
		job.acceptance_override_reason = "ONT vérifié au wattmètre: −20 dBm"
		job.save()

		frappe.set_user(self.technician_user)  # the technician completes again
		job = frappe.get_doc("Dispatch Job", job.name)
		job.status = "Completed"
		job.save()
		job.reload()
		self.assertEqual((job.status, job.acceptance_status), ("Completed", "Overridden"))
		self.assertIn("wattmètre", job.acceptance_details)
		self.assertIn("last informed", job.acceptance_details)

	def test_not_configured_does_not_block(self):
		_settings(genieacs_url="")
		try:
			job = self.on_site_job()
			job.status = "Completed"
			job.save()
		finally:
			_settings(genieacs_url=self.nbi.url)
		self.assertEqual(job.acceptance_status, "Not Checked")

	def test_other_job_types_not_gated(self):
		self.inform(minutes_ago=90)
		job = self.on_site_job("Survey")
		job.status = "Completed"
		job.save()
		self.assertEqual(job.acceptance_status, "Not Checked")


def kuma_body(status: int, time: str, monitor_id: int = 41, name: str = "OLT-KUMA-01 1/1/3") -> str:
	return json.dumps(
		{
			"heartbeat": {"status": status, "time": time, "msg": "timeout", "monitorID": monitor_id},
			"monitor": {"id": monitor_id, "name": name},
			"msg": f"[{name}] down",
		}
	)


def post_kuma(body: str, headers: dict | None = None, query: str = ""):
	return post_raw(
		"gigafibre.api.webhooks.kuma.receive", body, headers, query=query, content_type="application/json"
	)


class TestKumaOutages(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		settings = frappe.get_single("Gigafibre Settings")
		cls.saved_secret = settings.get_password("kuma_webhook_secret", raise_exception=False)
		_settings(kuma_webhook_secret=KUMA_SECRET)
		cls.hit = [make_location(olt="OLT-KUMA-01", pon_port="1/1/3", onu_id=str(i)).name for i in (1, 2)]
		cls.other_port = make_location(olt="OLT-KUMA-01", pon_port="1/1/4").name
		cls.other_olt = make_location(olt="OLT-KUMA-02", pon_port="1/1/3").name

	@classmethod
	def tearDownClass(cls):
		frappe.set_user("Administrator")
		frappe.local.request = None
		_settings(kuma_webhook_secret=cls.saved_secret or "")
		super().tearDownClass()

	def setUp(self):
		frappe.flags.gigafibre_jobs_inline = True

	def tearDown(self):
		frappe.flags.gigafibre_jobs_inline = False
		frappe.local.request = None

	def send(self, body: str):
		return post_kuma(body, {"X-Kuma-Secret": KUMA_SECRET})

	def test_down_replay_up(self):
		down = kuma_body(0, "2026-11-25 22:40:01.001")
		self.assertEqual(self.send(down), {"received": True, "replay": False})
		(outage,) = frappe.get_all("Outage", filters={"olt": "OLT-KUMA-01"}, pluck="name")
		doc = frappe.get_doc("Outage", outage)
		self.assertEqual((doc.status, doc.pon_port, doc.affected_count), ("Open", "1/1/3", 2))
		self.assertEqual(sorted(doc.affected_service_locations()), sorted(self.hit))
		self.assertTrue(doc.source_event)
		self.assertEqual(open_outage_for(self.hit[0]), outage)
		self.assertIsNone(open_outage_for(self.other_port))
		self.assertIsNone(open_outage_for(self.other_olt))

		self.assertEqual(self.send(down)["replay"], True)  # the same delivery again
		self.send(kuma_body(0, "2026-11-25 22:41:01.001"))  # a later DOWN heartbeat
		self.assertEqual(frappe.db.count("Outage", {"olt": "OLT-KUMA-01"}), 1)

		self.assertEqual(self.send(kuma_body(1, "2026-11-25 22:45:01.001"))["replay"], False)
		doc.reload()
		self.assertEqual(doc.status, "Resolved")
		self.assertTrue(doc.resolved_at and doc.resolved_event)
		self.assertIsNone(open_outage_for(self.hit[0]))
		self.assertEqual(frappe.db.get_value("Webhook Event", doc.resolved_event, "status"), "Processed")

	def test_a_ticket_from_an_affected_customer_joins_the_outage(self):
		# Issue.gigafibre_outage comes with install/migrate: creating it here would be DDL, which
		# commits the test's transaction.
		self.send(kuma_body(0, "2026-11-25 23:10:01.001"))
		(outage,) = frappe.get_all("Outage", filters={"olt": "OLT-KUMA-01", "status": "Open"}, pluck="name")
		customer = frappe.db.get_value("Service Location", self.hit[0], "customer")
		issue = frappe.get_doc(
			{"doctype": "Issue", "subject": "Plus d'internet", "customer": customer}
		).insert()
		self.assertEqual(frappe.db.get_value("Issue", issue.name, "gigafibre_outage"), outage)
		other = frappe.get_doc({"doctype": "Issue", "subject": "Question de facture"}).insert()
		self.assertFalse(frappe.db.get_value("Issue", other.name, "gigafibre_outage"))

	def test_whole_olt_and_unmapped_monitor(self):
		self.send(kuma_body(0, "2026-11-25 23:00:00.000", monitor_id=42, name="OLT-KUMA-02"))
		doc = frappe.get_doc("Outage", {"olt": "OLT-KUMA-02", "status": "Open"})
		self.assertEqual(doc.affected_service_locations(), [self.other_olt])
		self.send(kuma_body(0, "2026-11-25 23:00:00.000", monitor_id=43, name="Site web"))
		event = frappe.get_value(
			"Webhook Event", {"source": "Uptime Kuma", "event_id": ("like", "43-%")}, "status"
		)
		self.assertEqual(event, "Ignored")

	def test_test_notification_not_stored(self):
		result = self.send(json.dumps({"heartbeat": None, "monitor": None, "msg": "Testing"}))
		self.assertEqual(result, {"received": True, "ignored": True})

	def test_bad_secret_is_400(self):
		body = kuma_body(0, "2026-11-25 23:10:00.000", monitor_id=44)
		for headers, query in (({"X-Kuma-Secret": "wrong"}, ""), ({}, ""), ({}, "secret=wrong")):
			with self.subTest(headers=headers, query=query), self.assertRaises(BadSignature) as raised:
				post_kuma(body, headers, query)
			self.assertEqual(raised.exception.http_status_code, 400)
		self.assertFalse(
			frappe.db.exists("Webhook Event", {"source": "Uptime Kuma", "event_id": ("like", "44-%")})
		)
		self.assertEqual(post_kuma(body, {}, f"secret={KUMA_SECRET}")["replay"], False)


class TestOltPoll(FrappeTestCase):
	def test_unreachable_olt_and_bad_entry_are_logged_not_raised(self):
		import socket

		from gigafibre.network import tasks

		with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
			sock.bind(("127.0.0.1", 0))
			port = sock.getsockname()[1]  # nothing answers there once closed
		saved = frappe.get_single("Gigafibre Settings").get("olt_targets")
		_settings(
			olt_targets=json.dumps(
				[
					{
						"name": "OLT-DEAD-01",
						"host": "127.0.0.1",
						"port": port,
						"vendor": "zte",
						"timeout": 0.3,
						"retries": 0,
					},
					{"name": "OLT-NOVENDOR", "host": "127.0.0.1"},
				]
			)
		)
		try:
			result = tasks.poll_olts()
		finally:
			_settings(olt_targets=saved or "")
		self.assertEqual(
			result,
			{
				"olts": 1,
				"onus": 0,
				"alarms": 0,
				"errors": 2,
				"events": {"optical": 0, "offline": 0, "online": 0},
				"history_points": 0,  # no InfluxDB set: nothing kept
			},
		)
		self.assertTrue(frappe.db.exists("Error Log", {"method": "OLT poll OLT-DEAD-01"}))


class TestDeviceEvents(FrappeTestCase):
	def setUp(self):
		frappe.flags.gigafibre_jobs_inline = True

	def tearDown(self):
		frappe.flags.gigafibre_jobs_inline = False

	def test_messages_set_the_status_and_fire_flows_on_change_only(self):
		from datetime import datetime, timezone

		from gigafibre.flows.runner import clear_cache
		from gigafibre.network.device_events import apply
		from gigafibre.network.oktopus_mqtt import DeviceEvent

		for event in ("on_device_offline", "on_device_online"):
			frappe.get_doc(
				{
					"doctype": "Flow Template",
					"title": f"_Test {event}",
					"trigger_event": event,
					"reference_doctype": "Service Equipment",
					"steps": [{"step_id": "end", "step_type": "end"}],
				}
			).insert()
		clear_cache()
		device = frappe.get_doc(
			{
				"doctype": "Service Equipment",
				"serial_number": "USP-E2E-1",
				"equipment_type": "Router",
				"acs_device_id": "os::00D09E-USP-E2E-1",
			}
		).insert()

		def runs(event):
			return frappe.db.count("Flow Run", {"trigger_event": event, "reference_name": device.name})

		def send(kind, minute):
			at = datetime(2026, 11, 25, 20, minute, tzinfo=timezone.utc)
			return apply(DeviceEvent(kind, "os::00D09E-USP-E2E-1", "USP-E2E-1", "oktopus/usp/v1/status", at))

		self.assertEqual(send("offline", 1), device.name)
		self.assertEqual(frappe.db.get_value("Service Equipment", device.name, "online_status"), "Offline")
		self.assertEqual(runs("on_device_offline"), 1)
		send("heartbeat", 2)
		send("heartbeat", 3)  # still online: no second event
		self.assertEqual(frappe.db.get_value("Service Equipment", device.name, "online_status"), "Online")
		self.assertEqual(runs("on_device_online"), 1)
		send("offline", 4)
		self.assertEqual(runs("on_device_offline"), 2)  # a later outage is a new event
		self.assertIsNone(apply(DeviceEvent("online", "os::unknown", None, "t", datetime.now(timezone.utc))))
