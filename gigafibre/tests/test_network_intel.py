"""Network intel on a real bench: a real influxd (gigafibre/tests/influx_server.py, Debian's
`influxdb` package must be installed), the OLT poll's write path fed with snapshot objects, the
endpoint for an OLT and for a Service Location with Gemini as a loopback peer, the outages of the
period from the database; Gemini down, InfluxDB down, bad parameters, who may call it."""

import json
import unittest
from datetime import datetime, timedelta, timezone
from unittest.mock import patch

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils import now_datetime

from gigafibre.endpoints.hook import InvalidParameter
from gigafibre.network import intel_service
from gigafibre.network.olt_snmp import OFFLINE, ONLINE, OltPoll, OnuSnapshot
from gigafibre.tests.influx_server import INFLUXD, SKIP_REASON, InfluxServer, free_port
from gigafibre.tests.peers import LoopbackPeer, Reply, gemini_json
from gigafibre.tests.utils import call_endpoint, make_location

INTEL = "gigafibre.api.network.intel"
SUMMARY = "Le signal de l'ONU 5 s'est dégradé; l'ONU 6 oscille; une panne sur le port 0/1/1."
USAGE = (500, 80)


def staff_user(role: str) -> str:
	return (
		frappe.get_doc(
			{
				"doctype": "User",
				"email": f"intel-{role.lower().replace(' ', '-')}-{frappe.generate_hash(length=6)}@example.com",
				"first_name": role,
				"send_welcome_email": 0,
				"roles": [{"role": role}],
			}
		)
		.insert(ignore_permissions=True)
		.name
	)


@unittest.skipUnless(INFLUXD, SKIP_REASON)
class TestNetworkIntel(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.influx = InfluxServer().start()
		cls.down = False
		cls.peer = LoopbackPeer(cls.handle).__enter__()
		tag = frappe.generate_hash(length=6)
		cls.olt = f"OLT-INTEL-{tag}"
		settings = frappe.get_single("Gigafibre Settings")
		cls.saved = {
			k: settings.get(k)
			for k in (
				"influxdb_url",
				"influxdb_database",
				"influxdb_retention",
				"grafana_dashboard_url",
				"gemini_api_base",
				"gemini_timeout_seconds",
				"ai_calls_per_hour",
				"ai_tokens_per_day",
			)
		}
		settings.influxdb_url = cls.influx.url
		settings.influxdb_database = f"gf_bench_{tag}"
		settings.influxdb_retention = "30d"
		settings.gemini_api_key = "test-key"
		settings.gemini_api_base = cls.peer.url
		settings.gemini_timeout_seconds = 5
		settings.ai_calls_per_hour = 0
		settings.ai_tokens_per_day = 0
		settings.save()
		cls.location = make_location(olt=cls.olt, pon_port="0/1/1", onu_id="005").name
		cls.dispatcher = staff_user("Dispatcher")
		cls.technician = staff_user("Technician")
		cls.now = datetime.now(timezone.utc)
		cls.rounds = 24  # two hours of polls every 5 minutes
		for i in range(cls.rounds):
			at = cls.now - timedelta(minutes=5 * (cls.rounds - i))
			onus = [
				OnuSnapshot(cls.olt, "0/1/1", 5, ONLINE, round(-20 - 9 * i / (cls.rounds - 1), 2), 2.0),
				OnuSnapshot(cls.olt, "0/1/1", 6, ONLINE if i % 2 else OFFLINE, -21.0 if i % 2 else None),
				OnuSnapshot(cls.olt, "0/1/2", 7, ONLINE, -18.5, 1.0),
			]
			written = intel_service.write_readings([OltPoll(olt=cls.olt, onus=onus, seconds=0.4)], -27, at=at)
			assert written == 1 + 3 + 2, written  # olt_poll, three ONUs, two ports
		local_now = now_datetime()
		cls.outage = frappe.get_doc(
			{
				"doctype": "Outage",
				"monitor_name": f"{cls.olt} 0/1/1",
				"olt": cls.olt,
				"pon_port": "0/1/1",
				"status": "Open",
				"started_at": local_now - timedelta(hours=1),
				"affected_count": 2,
				"message": "PON 0/1/1 down",
				"affected_locations": [{"service_location": cls.location, "onu_id": "5"}],
			}
		).insert(ignore_permissions=True)
		cls.old_outage = frappe.get_doc(
			{
				"doctype": "Outage",
				"monitor_name": f"{cls.olt} old",
				"olt": cls.olt,
				"status": "Resolved",
				"started_at": local_now - timedelta(days=3),
				"resolved_at": local_now - timedelta(days=3) + timedelta(hours=1),
			}
		).insert(ignore_permissions=True)
		frappe.db.commit()

	@classmethod
	def tearDownClass(cls):
		cls.peer.__exit__(None, None, None)
		cls.influx.stop()
		frappe.set_user("Administrator")
		settings = frappe.get_single("Gigafibre Settings")
		settings.update(cls.saved)
		settings.save()
		frappe.db.commit()
		super().tearDownClass()

	@classmethod
	def handle(cls, request):
		if cls.down:
			return Reply(503, {"error": {"code": 503, "message": "overloaded", "status": "UNAVAILABLE"}})
		return gemini_json(
			{
				"summary_fr": SUMMARY,
				"findings": [
					{
						"kind": "flapping",
						"severity": "warning",
						"subject": "0/1/1 #6",
						"detail_fr": "L'ONU 6 change d'état à chaque relevé.",
					}
				],
			},
			USAGE,
		)

	def setUp(self):
		type(self).down = False
		self.peer.requests.clear()
		frappe.cache.delete_keys(intel_service.SUMMARY_CACHE)

	def in_french(self):
		lang = frappe.local.lang
		frappe.local.lang = "fr"
		self.addCleanup(setattr, frappe.local, "lang", lang)

	def call(self, user=None, **args):
		return call_endpoint(INTEL, user=user or self.dispatcher, get=True, **args)

	def facts(self) -> dict:
		text = self.peer.requests[-1].json()["contents"][0]["parts"][0]["text"]
		return json.loads(text.split("\n", 1)[1])

	def test_an_olt(self):
		logged = frappe.db.count("AI Call Log", {"purpose": "Network Intel"})
		data = self.call(olt=self.olt, period="6h")
		self.assertEqual(data["summary"], SUMMARY)
		self.assertIsNone(data["summary_error"])
		self.assertEqual(data["findings"][0]["subject"], "0/1/1 #6")
		self.assertIn(len(data["series"]["labels"]), (24, 25))  # 15-minute buckets, epoch-aligned
		self.assertEqual({d["name"] for d in data["series"]["rx"]}, {"0/1/1", "0/1/2"})
		online = {d["key"]: d["values"] for d in data["series"]["online"]}
		counts = [v for v in online["online"] if v is not None]
		self.assertTrue(counts and all(2.0 <= v <= 3.0 for v in counts), counts)  # ONU 6 up one poll in two
		flapping = [(f["onu_id"], f["changes"]) for f in data["flapping"]]
		self.assertEqual(flapping, [("6", self.rounds - 1)])
		self.assertEqual([d["onu_id"] for d in data["degraded"]], ["5"])
		self.assertEqual(data["degraded"][0]["service_location"], self.location)
		self.assertEqual([o["name"] for o in data["outages"]], [self.outage.name])
		self.assertEqual(data["olt_polls"], {"polls": self.rounds, "unanswered": 0})
		facts = self.facts()
		self.assertEqual(facts["outages"][0]["name"], self.outage.name)
		self.assertEqual(facts["status_changes"][0]["onu_id"], "6")
		self.assertEqual(frappe.db.count("AI Call Log", {"purpose": "Network Intel"}), logged + 1)
		row = frappe.get_all(
			"AI Call Log",
			filters={"purpose": "Network Intel"},
			fields=["outcome", "total_tokens", "kind"],
			order_by="creation desc",
			limit=1,
		)[0]
		self.assertEqual((row.outcome, row.total_tokens, row.kind), ("OK", 580, "Model"))

	def test_the_summary_is_kept_for_the_same_facts(self):
		logged = frappe.db.count("AI Call Log", {"purpose": "Network Intel"})
		first = self.call(olt=self.olt, period="6h")
		again = self.call(olt=self.olt, period="6h")
		self.assertEqual(len(self.peer.requests), 1)  # the second opening asked nothing
		self.assertEqual(frappe.db.count("AI Call Log", {"purpose": "Network Intel"}), logged + 1)
		self.assertEqual((again["summary"], again["findings"]), (first["summary"], first["findings"]))
		self.assertEqual(again["flapping"], first["flapping"])
		# Other facts (another period) are another summary.
		self.call(olt=self.olt, period="24h")
		self.assertEqual(len(self.peer.requests), 2)

	def test_a_service_location(self):
		data = self.call(service_location=self.location)  # the default period: 24h
		self.assertEqual(data["period"]["name"], "24h")
		rx = {d["key"]: [v for v in d["values"] if v is not None] for d in data["series"]["rx"]}
		self.assertTrue(rx["rx"] and rx["rx"][0] > -22 and rx["rx"][-1] < -27, rx["rx"])
		self.assertEqual(set(rx["tx"]), {2.0})
		self.assertEqual(data["flapping"], [])
		self.assertEqual([d["onu_id"] for d in data["degraded"]], ["5"])
		self.assertEqual([o["name"] for o in data["outages"]], [self.outage.name])
		self.assertEqual(data["summary"], SUMMARY)
		self.assertEqual(self.facts()["scope"]["service_location"], self.location)
		row = frappe.get_all(
			"AI Call Log",
			filters={"purpose": "Network Intel"},
			fields=["reference_doctype", "reference_name"],
			order_by="creation desc",
			limit=1,
		)[0]
		self.assertEqual((row.reference_doctype, row.reference_name), ("Service Location", self.location))

	def test_gemini_down_still_gives_the_data(self):
		type(self).down = True
		self.in_french()
		data = self.call(olt=self.olt, period="6h")
		self.assertIsNone(data["summary"])
		self.assertEqual(data["findings"], [])
		self.assertIn("Le résumé du réseau n'est pas disponible", data["summary_error"])
		self.assertEqual([f["onu_id"] for f in data["flapping"]], ["6"])
		self.assertEqual([o["name"] for o in data["outages"]], [self.outage.name])
		row = frappe.get_all(
			"AI Call Log",
			filters={"purpose": "Network Intel"},
			fields=["outcome"],
			order_by="creation desc",
			limit=1,
		)[0]
		self.assertEqual(row.outcome, "Error")

	def test_over_the_cap_still_gives_the_data(self):
		frappe.db.set_single_value("Gigafibre Settings", "ai_calls_per_hour", 1)
		self.addCleanup(frappe.db.set_single_value, "Gigafibre Settings", "ai_calls_per_hour", 0)
		self.call(olt=self.olt, period="1h")  # fills the cap (or it was already)
		frappe.cache.delete_keys(intel_service.SUMMARY_CACHE)  # no kept summary to fall back on
		asked = len(self.peer.requests)
		data = self.call(olt=self.olt, period="1h")
		self.assertEqual(len(self.peer.requests), asked)  # not asked
		self.assertIsNone(data["summary"])
		self.assertTrue(data["summary_error"])
		self.assertTrue(data["series"]["labels"])

	def test_influxdb_down_is_a_503_in_french(self):
		frappe.db.set_single_value("Gigafibre Settings", "influxdb_url", f"http://127.0.0.1:{free_port()}")
		self.addCleanup(frappe.db.set_single_value, "Gigafibre Settings", "influxdb_url", self.influx.url)
		self.in_french()
		with self.assertRaises(intel_service.HistoryUnavailable) as err:
			self.call(olt=self.olt)
		self.assertEqual(err.exception.http_status_code, 503)
		self.assertIn("historique du réseau", str(err.exception))
		self.assertEqual(self.peer.requests, [])

	def test_bad_parameters_are_400_naming_them(self):
		for args, named in (
			({"olt": self.olt, "period": "2h"}, "period"),
			({"olt": self.olt, "period": "24h; DROP DATABASE x"}, "period"),
			({"period": "24h"}, "service_location"),
			({"olt": self.olt, "service_location": self.location}, "service_location"),
		):
			with self.assertRaises(InvalidParameter) as err:
				self.call(**args)
			self.assertEqual(err.exception.http_status_code, 400)
			self.assertIn(named, str(err.exception))
		self.assertEqual(self.peer.requests, [])

	def test_only_staff(self):
		for user in ("Guest", self.technician):
			with self.assertRaises(frappe.PermissionError):
				self.call(user=user, olt=self.olt)
		with self.assertRaises(frappe.PermissionError):
			call_endpoint(
				"gigafibre.api.network.grafana_link",
				user=self.technician,
				get=True,
				service_location=self.location,
			)
		self.assertEqual(self.peer.requests, [])

	def test_grafana_link(self):
		frappe.db.set_single_value(
			"Gigafibre Settings",
			"grafana_dashboard_url",
			"https://grafana.example/d/onu?var-loc={service_location}&var-olt={olt}&var-pon={pon_port}&var-onu={onu_id}",
		)
		self.addCleanup(frappe.db.set_single_value, "Gigafibre Settings", "grafana_dashboard_url", "")
		link = call_endpoint(
			"gigafibre.api.network.grafana_link",
			user=self.dispatcher,
			get=True,
			service_location=self.location,
		)
		self.assertEqual(
			link["url"],
			f"https://grafana.example/d/onu?var-loc={self.location}&var-olt={self.olt}&var-pon=0%2F1%2F1&var-onu=005",
		)
		frappe.db.set_single_value("Gigafibre Settings", "grafana_dashboard_url", "")
		self.assertIsNone(
			call_endpoint(
				"gigafibre.api.network.grafana_link",
				user=self.dispatcher,
				get=True,
				service_location=self.location,
			)["url"]
		)

	def test_the_poll_writes_its_readings_and_never_fails_over_them(self):
		frappe.set_user("Administrator")
		olt = f"{self.olt}-POLL"
		frappe.db.set_single_value(
			"Gigafibre Settings",
			"olt_targets",
			json.dumps([{"name": olt, "host": "127.0.0.1", "vendor": "huawei"}]),
		)
		self.addCleanup(frappe.db.set_single_value, "Gigafibre Settings", "olt_targets", "")
		polls = [OltPoll(olt=olt, onus=[OnuSnapshot(olt, "0/2/1", 1, ONLINE, -19.0, 2.0)])]
		from gigafibre.network import tasks

		with patch("gigafibre.network.olt_snmp.poll_olts_blocking", return_value=polls):
			counts = tasks.poll_olts()
		self.assertEqual(counts["history_points"], 3)
		client = intel_service.influx_client()
		rows = client.query(f'SELECT "rx_dbm", "online" FROM "gigafibre"."onu" WHERE "olt" = \'{olt}\'')
		self.assertEqual([(r["rx_dbm"], r["online"]) for r in rows], [(-19.0, 1)])

		# InfluxDB gone: the poll goes on, one Error Log for the failure, not one per poll
		frappe.cache.delete_value(intel_service.WRITE_ERROR_CACHE)
		frappe.db.set_single_value("Gigafibre Settings", "influxdb_url", f"http://127.0.0.1:{free_port()}")
		self.addCleanup(frappe.db.set_single_value, "Gigafibre Settings", "influxdb_url", self.influx.url)
		self.addCleanup(frappe.cache.delete_value, intel_service.WRITE_ERROR_CACHE)
		before = frappe.db.count("Error Log", {"method": "InfluxDB write"})
		with patch("gigafibre.network.olt_snmp.poll_olts_blocking", return_value=polls):
			for _ in range(2):
				counts = tasks.poll_olts()
				self.assertEqual(counts["history_points"], 0)
				self.assertEqual(counts["olts"], 1)
		self.assertEqual(frappe.db.count("Error Log", {"method": "InfluxDB write"}), before + 1)
