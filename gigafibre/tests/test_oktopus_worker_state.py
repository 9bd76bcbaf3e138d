"""The Oktopus worker's state as the health page reads it (device_events.worker_status)."""

from datetime import datetime, timedelta, timezone

import frappe
from frappe.tests.utils import FrappeTestCase

from gigafibre.network import device_events
from gigafibre.network.oktopus_mqtt import OktopusMqttWorker


class TestWorkerState(FrappeTestCase):
	def setUp(self):
		self.saved = frappe.cache.get_value(device_events.WORKER_STATE_KEY, expires=True)

	def tearDown(self):
		frappe.cache.delete_value(device_events.WORKER_STATE_KEY)
		if self.saved is not None:
			device_events.worker_state_recorder()(self.saved)

	def test_what_the_worker_reports_is_what_the_health_page_reads(self):
		worker = OktopusMqttWorker(lambda e: None, "127.0.0.1", 1, client_id=device_events.worker_client_id())
		worker.connected.set()
		worker.last_message_at = datetime.now(timezone.utc)
		device_events.worker_state_recorder()(worker.state())
		status = device_events.worker_status()
		self.assertEqual((status["connected"], status["stale"]), (True, False))
		self.assertEqual(status["client_id"], f"gigafibre-{frappe.local.site}")
		self.assertEqual(status["last_message_at"], worker.last_message_at.isoformat())
		self.assertEqual(status["broker"], "127.0.0.1:1")

	def test_a_worker_that_stopped_reporting_is_not_connected(self):
		last = (datetime.now(timezone.utc) - timedelta(minutes=10)).isoformat()
		device_events.worker_state_recorder()({"connected": True, "broker": "b:1883", "updated_at": last})
		status = device_events.worker_status()
		self.assertEqual(
			(status["connected"], status["stale"], status["disconnected_at"]), (False, True, last)
		)

	def test_never_reported(self):
		frappe.cache.delete_value(device_events.WORKER_STATE_KEY)
		self.assertIsNone(device_events.worker_status())
