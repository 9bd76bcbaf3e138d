"""The network shell in a real bench, part 2: the device summary with the modem bridge (loopback
GenieACS NBI + a loopback bridge speaking POST /read), USP provisioning against a loopback
Oktopus controller, and the flow events the OLT poll raises once per alarm episode."""

from unittest.mock import patch

import frappe
from frappe.tests.utils import FrappeTestCase

from gigafibre.network import service
from gigafibre.network.olt_snmp import OFFLINE, ONLINE, OltPoll, OnuSnapshot
from gigafibre.tests.peers import LoopbackPeer, Reply
from gigafibre.tests.test_network_api import TPLINK, NetworkCase, _settings
from gigafibre.tests.utils import call_endpoint, make_location, pytest_peer

BRIDGE_TOKEN = "bridge-token-0123456789abcdef"
OPTICAL_RX = "Device.Optical.Interface.1.OpticalSignalLevel"


class Bridge:
	"""The bridge's wire format (gigafibre/network/bridge_server.py), with a scripted answer."""

	def __init__(self):
		self.reply = Reply(200, {"values": {OPTICAL_RX: "-24310", "Device.WiFi.SSID.3.SSID": "Invités"}})

	def __call__(self, request) -> Reply:
		if request.headers.get("authorization") != f"Bearer {BRIDGE_TOKEN}":
			return Reply(401, {"error": "The modem bridge token is not valid."})
		return self.reply


class TestSummaryWithBridge(NetworkCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.bridge = Bridge()
		cls.bridge_peer = LoopbackPeer(cls.bridge).__enter__()

	@classmethod
	def tearDownClass(cls):
		# the rollback undoes the rows, not the cached settings other classes read
		_settings(modem_bridge_url="", modem_bridge_models="")
		cls.bridge_peer.__exit__(None, None, None)
		super().tearDownClass()

	def setUp(self):
		_settings(
			modem_bridge_url=self.bridge_peer.url,
			modem_bridge_token=BRIDGE_TOKEN,
			modem_bridge_models="HG8245Q2\nxx230V\n",
			modem_web_username="admin",
			modem_web_password="modem-pass",
		)
		self.bridge_peer.requests.clear()
		self.saved_optical = self.nbi.devices[TPLINK]["Device"].pop("Optical")

	def tearDown(self):
		self.nbi.devices[TPLINK]["Device"]["Optical"] = self.saved_optical
		self.bridge.reply = Bridge().reply
		super().tearDown()

	def summary(self) -> dict:
		return call_endpoint("gigafibre.api.devices.summary", user=self.dispatcher, device_id=TPLINK)[
			"summary"
		]

	def test_listed_model_is_read_through_the_bridge_and_fills_the_gaps(self):
		summary = self.summary()
		(request,) = self.bridge_peer.requests
		body = request.json()
		self.assertEqual(body["url"], "http://142.118.52.201/")  # the WAN address GenieACS reports
		self.assertEqual((body["username"], body["password"]), ("admin", "modem-pass"))
		self.assertIn(OPTICAL_RX, body["paths"])
		self.assertEqual(summary["bridge"][OPTICAL_RX], "-24310")
		self.assertEqual(summary["optical"]["rx_dbm"], -24.31)  # GenieACS had no optical reading
		self.assertEqual(summary["wifi"][0]["ssid"], "Gigafibre-0B1C")  # GenieACS's own value kept
		self.assertEqual(summary["wifi"][-1]["ssid"], "Invités")
		self.assertNotIn("bridge_error", summary)

	def test_a_failing_bridge_does_not_break_the_summary(self):
		self.bridge.reply = Reply(
			504,
			{
				"error": "The modem at 142.118.52.201 did not answer within 30 s.",
				"message": "The modem at {0} did not answer within {1} s.",
				"args": ["142.118.52.201", 30],
				"retryable": True,
			},
		)
		summary = self.summary()
		self.assertEqual(summary["device_id"], TPLINK)
		self.assertIsNone(summary["optical"])
		self.assertNotIn("bridge", summary)
		self.assertIn("did not answer within 30 s", summary["bridge_error"])
		_settings(modem_bridge_token="wrong-token-0123456789")
		self.assertIn("refused our token", self.summary()["bridge_error"])
		_settings(modem_bridge_url="http://127.0.0.1:9")
		self.assertIn("could not be reached", self.summary()["bridge_error"])

	def test_unlisted_model_or_no_bridge_url_skips_the_bridge(self):
		_settings(modem_bridge_models="EX520")
		self.assertNotIn("bridge", self.summary())
		_settings(modem_bridge_models="XX230v", modem_bridge_url="")
		summary = self.summary()
		self.assertNotIn("bridge", summary)
		self.assertNotIn("bridge_error", summary)
		self.assertEqual(self.bridge_peer.requests, [])


class TestUspProvisioning(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		peer_module = pytest_peer("network/oktopus_peer")
		cls.controller = peer_module.Controller()
		cls.peer = LoopbackPeer(cls.controller).__enter__()
		cls.controller.peer = cls.peer
		cls.saved_genieacs = frappe.get_single("Gigafibre Settings").get("genieacs_url")
		_settings(
			genieacs_url="",
			oktopus_url=cls.peer.url,
			oktopus_email=peer_module.EMAIL,
			oktopus_password=peer_module.PASSWORD,
		)

	@classmethod
	def tearDownClass(cls):
		_settings(
			genieacs_url=cls.saved_genieacs or "", oktopus_url="", oktopus_email="", oktopus_password=""
		)
		cls.peer.__exit__(None, None, None)
		frappe.flags.gigafibre_jobs_inline = False
		super().tearDownClass()

	def equipment(self, **fields) -> "frappe.model.document.Document":
		values = {
			"doctype": "Service Equipment",
			"serial_number": f"USP{frappe.generate_hash(length=8).upper()}",
			"mac_address": "5C:62:8B:"
			+ ":".join(frappe.generate_hash(length=6).upper()[i : i + 2] for i in (0, 2, 4)),
			"equipment_type": "Router",
			"status": "Installed",
			"service_location": make_location(olt="OLT-USP-01").name,
		}
		values.update(fields)
		return frappe.get_doc(values).insert()

	def test_usp_device_is_preauthorized_verified_then_announced(self):
		from gigafibre.network import provisioning

		doc = self.equipment()
		endpoint = f"os::5C628B-{doc.serial_number}"
		with patch("gigafibre.flows.dispatch_event") as fired:
			self.assertEqual(provisioning.provision(doc.name), "provisioned")
		self.assertIn(endpoint, self.controller.kv)
		calls = [(r.method, r.path) for r in self.peer.requests if r.query.get("id") == [endpoint]]
		self.assertEqual(calls, [("GET", "/api/device/auth")])  # the verification
		(call,) = fired.call_args_list
		self.assertEqual(call.args[0], "on_device_provisioned")
		self.assertEqual(call.args[1].name, doc.name)
		self.assertEqual(call.kwargs, {"device_id": endpoint, "controller": "oktopus"})
		password = self.controller.kv[endpoint]
		with patch("gigafibre.flows.dispatch_event"):
			self.assertEqual(provisioning.provision(doc.name), "provisioned")  # again: idempotent
		self.assertEqual(self.controller.kv[endpoint], password)

	def test_fleet_device_password_is_the_one_preauthorized(self):
		from gigafibre.network import provisioning

		_settings(oktopus_device_password="fleet-usp-secret")
		try:
			doc = self.equipment()
			with patch("gigafibre.flows.dispatch_event"):
				self.assertEqual(provisioning.provision(doc.name), "provisioned")
		finally:
			_settings(oktopus_device_password="")
		self.assertEqual(self.controller.kv[f"os::5C628B-{doc.serial_number}"], "fleet-usp-secret")

	def test_doc_event_enqueues_usp_and_skips_what_is_not_usp(self):
		from gigafibre.network import provisioning

		frappe.flags.gigafibre_jobs_inline = True
		try:
			stb = self.equipment(equipment_type="Set-Top Box")
			stock = self.equipment(status="In Stock", service_location=None)
			before = dict(self.controller.kv)
			with patch("gigafibre.flows.dispatch_event"):
				provisioning.equipment_installed(stb)
				provisioning.equipment_installed(stock)
				self.assertEqual(self.controller.kv, before)
				self.assertEqual(provisioning.provision(stb.name), "not configured")
				ont = self.equipment(equipment_type="ONT", mac_address=None)
				provisioning.equipment_installed(ont)
			self.assertIn(ont.serial_number, self.controller.kv)  # no MAC: the serial names it
		finally:
			frappe.flags.gigafibre_jobs_inline = False

	def test_oktopus_not_configured_or_failing(self):
		from gigafibre.errors import ServiceError
		from gigafibre.network import provisioning

		doc = self.equipment()
		_settings(oktopus_password="")
		try:
			self.assertEqual(provisioning.provision(doc.name), "not configured")
		finally:
			_settings(oktopus_password=pytest_peer("network/oktopus_peer").PASSWORD)
		self.controller.admin = False
		try:
			with self.assertRaises(ServiceError), patch("gigafibre.flows.dispatch_event") as fired:
				provisioning.provision(doc.name)
			fired.assert_not_called()
		finally:
			self.controller.admin = True


class TestOltAlarmEvents(FrappeTestCase):
	def setUp(self):
		from gigafibre.network.tasks import EPISODES_CACHE

		frappe.cache.delete_value(EPISODES_CACHE)
		self.weak = make_location(olt="OLT-EVT-01", pon_port="0/1/1", onu_id="5").name
		self.down = make_location(olt="OLT-EVT-01", pon_port="0/1/1", onu_id="6").name
		self.bare = make_location(olt="OLT-EVT-01", pon_port="0/1/1", onu_id="7").name  # no ONT
		self.ont_weak = self.ont(self.weak)
		self.ont_down = self.ont(self.down)

	def tearDown(self):
		from gigafibre.network.tasks import EPISODES_CACHE

		frappe.cache.delete_value(EPISODES_CACHE)

	def ont(self, location: str) -> str:
		return (
			frappe.get_doc(
				{
					"doctype": "Service Equipment",
					"serial_number": f"ONT{frappe.generate_hash(length=8).upper()}",
					"equipment_type": "ONT",
					"status": "Installed",
					"service_location": location,
					"online_status": "Online",
				}
			)
			.insert()
			.name
		)

	def poll(self, weak_rx=-28.6, down=OFFLINE, bare_rx=-21.0):
		from gigafibre.network.tasks import raise_alarm_events

		onus = [
			OnuSnapshot("OLT-EVT-01", "0/1/1", 5, ONLINE, weak_rx, 2.0),
			OnuSnapshot("OLT-EVT-01", "0/1/1", 6, down, None if down != ONLINE else -20.0, None),
			OnuSnapshot("OLT-EVT-01", "0/1/1", 7, ONLINE, bare_rx, 2.0),
			OnuSnapshot("OLT-EVT-01", "0/1/1", 99, ONLINE, -30.0, 2.0),  # no location: no event
		]
		with patch("gigafibre.flows.dispatch_event") as fired:
			counts = raise_alarm_events([OltPoll("OLT-EVT-01", onus)], rx_low=-27.0)
		return counts, [
			(c.args[0], c.args[1].doctype, c.args[1].name, c.kwargs) for c in fired.call_args_list
		]

	def test_each_episode_raises_once(self):
		counts, events = self.poll(bare_rx=-29.1)
		self.assertEqual(counts, {"optical": 2, "offline": 1, "online": 0})
		by_name = {name: (event, doctype, kwargs) for event, doctype, name, kwargs in events}
		event, doctype, kwargs = by_name[self.ont_weak]
		self.assertEqual((event, doctype), ("on_optical_alarm", "Service Equipment"))
		self.assertEqual(
			{k: kwargs[k] for k in ("alarm", "rx_dbm", "threshold_dbm", "service_location")},
			{"alarm": "onu_rx_low", "rx_dbm": -28.6, "threshold_dbm": -27.0, "service_location": self.weak},
		)
		self.assertEqual(by_name[self.bare][:2], ("on_optical_alarm", "Service Location"))
		self.assertEqual(by_name[self.ont_down][:2], ("on_device_offline", "Service Equipment"))
		self.assertEqual(frappe.db.get_value("Service Equipment", self.ont_down, "online_status"), "Offline")

		# five minutes later, the same alarms: nothing new
		counts, events = self.poll(weak_rx=-29.0, bare_rx=-29.1)
		self.assertEqual((counts, events), ({"optical": 0, "offline": 0, "online": 0}, []))

		# everything recovers: the ONT comes back (announced), optical episodes end silently
		counts, events = self.poll(weak_rx=-20.0, down=ONLINE)
		self.assertEqual(counts, {"optical": 0, "offline": 0, "online": 1})
		self.assertEqual([(e[0], e[2]) for e in events], [("on_device_online", self.ont_down)])

		# a new episode is a new event
		counts, events = self.poll(weak_rx=-27.9, down=ONLINE)
		self.assertEqual(counts["optical"], 1)
		self.assertEqual([(e[0], e[2]) for e in events], [("on_optical_alarm", self.ont_weak)])

	def test_threshold_comes_from_settings_through_poll_olts(self):
		from gigafibre.network import tasks

		onus = [OnuSnapshot("OLT-EVT-01", "0/1/1", 5, ONLINE, -25.5, 2.0)]
		saved = frappe.get_single("Gigafibre Settings").get("olt_targets")
		_settings(
			olt_targets='[{"name": "OLT-EVT-01", "host": "127.0.0.1", "vendor": "zte"}]', olt_rx_alarm_dbm=-25
		)
		try:
			with (
				patch(
					"gigafibre.network.olt_snmp.poll_olts_blocking",
					return_value=[OltPoll("OLT-EVT-01", onus)],
				),
				patch("gigafibre.flows.dispatch_event") as fired,
			):
				result = tasks.poll_olts()
		finally:
			_settings(olt_targets=saved or "", olt_rx_alarm_dbm=-27)
		self.assertEqual((result["alarms"], result["events"]["optical"]), (1, 1))
		self.assertEqual(fired.call_args.kwargs["threshold_dbm"], -25.0)
