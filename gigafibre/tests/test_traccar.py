"""Live positions in a real bench, against the loopback Traccar server (tests/field/traccar_peer.py):
the worker's Frappe store (Technician's last position, the realtime room), the geofenced arrival
(gps_on_site_at once, never a status change), the job and board payloads, and the breadcrumbs
endpoint (staff only; 4xx for a bad technician or date, 503 while Traccar is not set up or down)."""

import threading
import time
from datetime import datetime, timedelta, timezone
from unittest.mock import patch

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils import add_days, convert_utc_to_system_timezone, get_datetime, getdate, now_datetime

from gigafibre.dispatch import board as board_
from gigafibre.field import live
from gigafibre.field.traccar import TraccarClient
from gigafibre.field.worker import Fix, TraccarWorker
from gigafibre.tech import workday
from gigafibre.tests.utils import call_endpoint, desk_user, make_location, make_technician, pytest_peer

API = "gigafibre.api.dispatch.breadcrumbs"
SITE = (45.5252, -73.5823)  # make_location's coordinates
NEAR = (45.5253, -73.5824)  # ~14 m
FAR = (45.5400, -73.5823)  # ~1.6 km


def _utc(local: datetime) -> datetime:
	"""A naive site-time moment as aware UTC."""
	from zoneinfo import ZoneInfo

	from frappe.utils import get_system_timezone

	return local.replace(tzinfo=ZoneInfo(get_system_timezone())).astimezone(timezone.utc)


def _site(moment: datetime) -> datetime:
	return convert_utc_to_system_timezone(moment).replace(tzinfo=None)


class TestTraccar(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.peer_mod = pytest_peer("field/traccar_peer")
		cls.peer = cls.peer_mod.TraccarPeer().start()

	@classmethod
	def tearDownClass(cls):
		cls.peer.stop()
		frappe.set_user("Administrator")
		frappe.local.request = None
		super().tearDownClass()

	def setUp(self):
		frappe.set_user("Administrator")
		self.peer.history.clear()
		self.peer.latest.clear()
		for field, value in {
			"traccar_url": self.peer.url,
			"traccar_user": self.peer_mod.EMAIL,
			"traccar_password": self.peer_mod.PASSWORD,
			"traccar_token": "",
			"position_publish_seconds": 0,
			"geofence_dwell_minutes": 2,
			"position_stale_minutes": 15,
			"checkin_radius_m": 150,
		}.items():
			frappe.db.set_single_value("Gigafibre Settings", field, value)
		frappe.clear_document_cache("Gigafibre Settings", "Gigafibre Settings")
		suffix = frappe.generate_hash(length=6)
		# a device of its own: technicians of the other tests (same transaction) carry theirs
		self.device = max(d["id"] for d in self.peer.devices) + 1
		self.peer.devices.append({"id": self.device, "name": suffix, "uniqueId": f"3582400{self.device:08d}"})
		self.tech = make_technician(
			full_name=f"Traccar {suffix}",
			mobile="514 555-0177",
			traccar_device_id=f"3582400{self.device:08d}",
		).name
		self.location = make_location()
		self.job = frappe.get_doc(
			{
				"doctype": "Dispatch Job",
				"subject": f"Installation {suffix}",
				"job_type": "Install",
				"service_location": self.location.name,
				"expected_duration": 60,
			}
		).insert()
		frappe.db.set_value(
			"Dispatch Job",
			self.job.name,
			{"technician": self.tech, "status": "En Route", "scheduled_start": now_datetime()},
		)
		self.published = []
		patcher = patch.object(frappe, "publish_realtime", side_effect=self._publish)
		patcher.start()
		self.addCleanup(patcher.stop)

	def _publish(self, event, message=None, room=None, **kw):
		self.published.append((event, message, room))

	def _events(self, event):
		return [(m, r) for e, m, r in self.published if e == event]

	# ------------------------------------------------------------ the store

	def test_store_keeps_the_last_position_never_an_older_one_and_publishes_to_the_doctype_room(self):
		store = live.FrappeStore()
		self.assertIn(self.tech, {t.name for t in store.technicians()})
		at = datetime.now(timezone.utc).replace(microsecond=0) - timedelta(minutes=2)
		store.record(Fix(self.tech, "Traccar", 45.501234, -73.567891, at, 42.5))
		store.record(Fix(self.tech, "Traccar", 45.0, -73.0, at - timedelta(minutes=5), 10.0))  # late replay
		row = frappe.db.get_value(
			"Technician",
			self.tech,
			["last_latitude", "last_longitude", "last_position_at", "last_speed_kmh"],
			as_dict=True,
		)
		self.assertAlmostEqual(row.last_latitude, 45.501234, places=6)
		self.assertAlmostEqual(row.last_longitude, -73.567891, places=6)
		self.assertEqual(get_datetime(row.last_position_at), _site(at))
		self.assertEqual(row.last_speed_kmh, 42.5)
		message, room = self._events(live.POSITION_EVENT)[0]
		self.assertEqual(room, "doctype:Dispatch Job")
		self.assertEqual(
			message,
			{
				"technician": self.tech,
				"technician_name": "Traccar",
				"lat": 45.501234,
				"lon": -73.567891,
				"at": _site(at).isoformat(),
				"speed_kmh": 42.5,
			},
		)
		latest = live.latest_position(self.tech)
		self.assertEqual((latest["lat"], latest["at"]), (row.last_latitude, _site(at)))
		frappe.db.set_single_value("Gigafibre Settings", "position_stale_minutes", 1)
		self.assertIsNone(live.latest_position(self.tech))  # older than the staleness
		self.assertIsNone(
			live.latest_position(make_technician(full_name="Sans GPS", mobile="514 555-0178").name)
		)

	def test_target_is_the_en_route_job_with_its_location(self):
		store = live.FrappeStore()
		target = store.target(self.tech)
		self.assertEqual((target.job, target.latitude, target.longitude), (self.job.name, *SITE))
		frappe.db.set_value("Dispatch Job", self.job.name, "status", "Assigned")
		self.assertIsNone(store.target(self.tech))

	# ------------------------------------------------------------ the worker against the peer

	def _run_session(self, positions, publish_seconds=0.0):
		"""One worker session in this thread (the store needs the site's connection), the peer
		fed from another thread, which stops the session once the positions are through."""
		client = TraccarClient(self.peer.url, self.peer_mod.EMAIL, self.peer_mod.PASSWORD, timeout=3)
		worker = TraccarWorker(
			client,
			live.FrappeStore(),
			publish_seconds=publish_seconds,
			radius_m=150,
			dwell=timedelta(minutes=2),
			target_seconds=0,
		)
		stop = threading.Event()

		def feed():
			try:
				deadline = time.monotonic() + 10
				while not worker.state.connected and time.monotonic() < deadline:
					time.sleep(0.02)  # connected: the socket is open and /api/positions read
				for lat, lon, at in positions:
					self.peer.push(self.peer.position(self.device, lat, lon, at))
				deadline = time.monotonic() + 10
				while worker.state.positions < len(positions) and time.monotonic() < deadline:
					time.sleep(0.05)
				time.sleep(0.3)
			finally:
				stop.set()

		feeder = threading.Thread(target=feed, daemon=True)
		feeder.start()
		worker.session(stop)
		worker.flush(everything=True)
		feeder.join(5)
		return worker

	def test_worker_geofence_sets_gps_on_site_at_once_and_never_the_status(self):
		t0 = datetime.now(timezone.utc).replace(microsecond=0) - timedelta(minutes=10)
		walk = [(*FAR, t0)] + [(*NEAR, t0 + timedelta(minutes=1, seconds=30 * i)) for i in range(7)]
		worker = self._run_session(walk)
		job = frappe.db.get_value("Dispatch Job", self.job.name, ["status", "gps_on_site_at"], as_dict=True)
		self.assertIsNotNone(job.gps_on_site_at)
		arrived_at = t0 + timedelta(minutes=3)  # inside from minute 1, dwell 2 minutes
		self.assertEqual(job.status, "En Route")
		self.assertEqual(get_datetime(job.gps_on_site_at), _site(arrived_at))
		self.assertEqual(
			self._events(live.ON_SITE_GPS_EVENT),
			[
				(
					{"job": self.job.name, "technician": self.tech, "at": _site(arrived_at).isoformat()},
					"doctype:Dispatch Job",
				)
			],
		)
		self.assertEqual(worker.state.arrivals, 1)
		last = frappe.db.get_value("Technician", self.tech, "last_position_at")
		self.assertEqual(get_datetime(last), _site(walk[-1][2]))
		# what the technician page and the board read
		detail = workday.job_detail(frappe.get_doc("Dispatch Job", self.job.name))
		self.assertEqual(get_datetime(detail["gps_on_site_at"]), _site(arrived_at))
		self.assertIn("On Site", detail["next_statuses"])
		card = board_.job_card(frappe.get_all("Dispatch Job", {"name": self.job.name}, ["*"])[0])
		self.assertEqual(get_datetime(card["gps_on_site_at"]), _site(arrived_at))
		# a second stay (another worker run) does not move it
		self.published.clear()
		self._run_session([(*NEAR, t0 + timedelta(minutes=8, seconds=30 * i)) for i in range(6)])
		again = frappe.db.get_value("Dispatch Job", self.job.name, "gps_on_site_at")
		self.assertEqual(get_datetime(again), _site(arrived_at))
		self.assertEqual(self._events(live.ON_SITE_GPS_EVENT), [])

	def test_arrival_only_on_the_technicians_own_en_route_job(self):
		other = make_technician(full_name="Autre Traccar", mobile="514 555-0179").name
		at = now_datetime()
		self.assertFalse(live.mark_on_site_gps(self.job.name, other, at))
		frappe.db.set_value("Dispatch Job", self.job.name, "status", "On Site")
		self.assertFalse(live.mark_on_site_gps(self.job.name, self.tech, at))
		self.assertIsNone(frappe.db.get_value("Dispatch Job", self.job.name, "gps_on_site_at"))

	# ------------------------------------------------------------ breadcrumbs

	def test_breadcrumbs_read_the_local_day_from_traccar(self):
		today = getdate()
		start = datetime.combine(today, datetime.min.time())
		inside = [start + timedelta(hours=h) for h in (0.01, 9, 23.99)]
		outside = [start - timedelta(minutes=5), start + timedelta(days=1, minutes=5)]
		for i, moment in enumerate(sorted(inside + outside)):
			self.peer.store(
				self.peer.position(self.device, 45.5 + i / 100, -73.56, _utc(moment), speed_kmh=30)
			)
		self.peer.store(
			self.peer.position(1, 45.0, -73.0, _utc(start + timedelta(hours=9)))
		)  # someone else's
		route = call_endpoint(API, user="Administrator", get=True, technician=self.tech, date=str(today))
		self.assertEqual([get_datetime(p["at"]) for p in route], [m.replace(microsecond=0) for m in inside])
		self.assertEqual(set(route[0]), {"lat", "lon", "at", "speed_kmh"})
		self.assertEqual(route[0]["speed_kmh"], 30.0)
		yesterday = call_endpoint(
			API, user="Administrator", technician=self.tech, date=str(add_days(today, -1))
		)
		self.assertEqual([get_datetime(p["at"]) for p in yesterday], [outside[0].replace(microsecond=0)])

	def test_breadcrumbs_refusals(self):
		dispatcher = desk_user("traccar-dispatcher@gigafibre.test", ["Dispatcher"])
		self.assertIsInstance(
			call_endpoint(API, user=dispatcher, technician=self.tech, date=str(getdate())), list
		)
		outsider = desk_user("traccar-outsider@gigafibre.test", ["Accounts User"])
		with self.assertRaises(frappe.PermissionError):
			call_endpoint(API, user=outsider, technician=self.tech, date=str(getdate()))
		with self.assertRaises(frappe.PermissionError):
			call_endpoint(API, user="Guest", technician=self.tech, date=str(getdate()))
		with self.assertRaises(frappe.DoesNotExistError):
			call_endpoint(API, user="Administrator", technician="TECH-NOPE", date=str(getdate()))
		with self.assertRaises(frappe.ValidationError) as bad_date:
			call_endpoint(API, user="Administrator", technician=self.tech, date="2026-13-45")
		self.assertIn("2026-13-45", str(bad_date.exception))
		no_device = make_technician(full_name="Sans appareil", mobile="514 555-0180").name
		with self.assertRaises(live.NoTraccarDevice):
			call_endpoint(API, user="Administrator", technician=no_device, date=str(getdate()))
		frappe.db.set_value("Technician", no_device, "traccar_device_id", "IMEI-INCONNU")
		with self.assertRaises(live.NoTraccarDevice):
			call_endpoint(API, user="Administrator", technician=no_device, date=str(getdate()))

	def test_breadcrumbs_when_traccar_is_not_set_up_or_down(self):
		frappe.db.set_single_value("Gigafibre Settings", "traccar_user", "")
		frappe.clear_document_cache("Gigafibre Settings", "Gigafibre Settings")
		with self.assertRaises(live.TraccarUnavailable) as err:
			call_endpoint(API, user="Administrator", technician=self.tech, date=str(getdate()))
		self.assertEqual(err.exception.http_status_code, 503)
		frappe.db.set_single_value("Gigafibre Settings", "traccar_user", self.peer_mod.EMAIL)
		frappe.db.set_single_value("Gigafibre Settings", "traccar_password", "wrong")
		frappe.clear_document_cache("Gigafibre Settings", "Gigafibre Settings")
		with self.assertRaises(live.TraccarUnavailable):
			call_endpoint(API, user="Administrator", technician=self.tech, date=str(getdate()))
		down = self.peer_mod.TraccarPeer().start()
		down.stop()  # a port nothing listens on any more
		frappe.db.set_single_value("Gigafibre Settings", "traccar_url", down.url)
		frappe.db.set_single_value("Gigafibre Settings", "traccar_password", self.peer_mod.PASSWORD)
		frappe.clear_document_cache("Gigafibre Settings", "Gigafibre Settings")
		with self.assertRaises(live.TraccarUnavailable):
			call_endpoint(API, user="Administrator", technician=self.tech, date=str(getdate()))
