"""The Dispatch map's payload through its endpoint: coordinates, routes in scheduled order from home,
unassigned jobs, jobs without coordinates, the tile settings, the live position when the site has
it, a constant number of queries, and the refusals (not staff, a bad date).

The day drawn is tomorrow (no window has passed whatever the hour); only this test's technicians are
active (rolled back at the end).
"""

from datetime import datetime, timedelta
from unittest import mock

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils import add_days, getdate, now_datetime

from gigafibre.flows.runner import clear_cache
from gigafibre.tests.test_dispatch import _shifts
from gigafibre.tests.utils import call_endpoint, desk_user, make_location, make_technician

API = "gigafibre.api.dispatch.map_data"
NO_ROLE_USER = "dispatch-map-norole@example.com"
TECH_USER = "dispatch-map-tech@example.com"
HOME_A = (45.5270, -73.5850)
HOME_B = (45.4580, -73.5700)


class TestDispatchMap(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		frappe.set_user("Administrator")
		frappe.flags.gigafibre_jobs_inline = True
		for name in frappe.get_all("Flow Template", filters={"enabled": 1}, pluck="name"):
			frappe.db.set_value("Flow Template", name, "enabled", 0)
		clear_cache()
		frappe.db.set_value("Technician", {"active": 1}, "active", 0)
		cls.day = getdate(add_days(getdate(), 1))
		cls.midnight = datetime.combine(cls.day, datetime.min.time())
		cls.tech_a = make_technician(
			full_name="Carte Plateau",
			home_latitude=HOME_A[0],
			home_longitude=HOME_A[1],
			working_hours=_shifts(),
		)
		cls.tech_b = make_technician(
			full_name="Carte Verdun",
			home_latitude=HOME_B[0],
			home_longitude=HOME_B[1],
			working_hours=_shifts(),
		)
		cls.places = [(45.5252, -73.5823), (45.4630, -73.5680), (45.5300, -73.6000), (45.5430, -73.5480)]
		cls.locations = [
			make_location(address_line1=f"{100 + i} rue de la Carte", latitude=lat, longitude=lon)
			for i, (lat, lon) in enumerate(cls.places)
		]
		cls.nowhere = make_location(address_line1="1 rue Sans Coordonnées", latitude=0, longitude=0)
		a = cls.tech_a.name
		cls.jobs = {
			"a_late": cls.make_job("A l'après-midi", 2, technician=a, scheduled=13),
			"a_first": cls.make_job("A le matin", 0, technician=a, scheduled=9, priority="Urgent"),
			"a_middle": cls.make_job("A midi", 3, technician=a, scheduled=11),
			"b_only": cls.make_job("B seul", 1, technician=cls.tech_b.name, scheduled=10),
			"waiting": cls.make_job("En attente", 3, window=(9, 12), priority="High"),
			"no_coords": cls.make_job("Sans coordonnées", None, window=(9, 12)),
			"cancelled": cls.make_job("Annulée", 1, window=(9, 12)),
		}
		frappe.db.set_value("Dispatch Job", cls.jobs["cancelled"].name, "status", "Cancelled")

	@classmethod
	def tearDownClass(cls):
		frappe.flags.gigafibre_jobs_inline = False
		frappe.set_user("Administrator")
		super().tearDownClass()
		clear_cache()

	def setUp(self):
		frappe.db.savepoint("test_dispatch_map")

	def tearDown(self):
		frappe.set_user("Administrator")
		frappe.db.rollback(save_point="test_dispatch_map")
		frappe.local.request = None

	@classmethod
	def make_job(cls, subject, place, technician=None, scheduled=None, window=None, priority="Normal"):
		fields = {
			"doctype": "Dispatch Job",
			"subject": subject,
			"job_type": "Install",
			"priority": priority,
			"service_location": (cls.locations[place] if place is not None else cls.nowhere).name,
			"expected_duration": 60,
		}
		if technician:
			fields["technician"] = technician
		if scheduled is not None:
			fields["scheduled_start"] = cls.midnight + timedelta(hours=scheduled)
		if window:
			fields["window_start"] = cls.midnight + timedelta(hours=window[0])
			fields["window_end"] = cls.midnight + timedelta(hours=window[1])
		return frappe.get_doc(fields).insert()

	def map_data(self, user="Administrator", **fields):
		return call_endpoint(API, user=user, get=True, **{"date": str(self.day), **fields})

	def test_jobs_with_coordinates_status_priority_and_unassigned(self):
		data = self.map_data()
		self.assertEqual(data["date"], str(self.day))
		jobs = {j["name"]: j for j in data["jobs"]}
		names = {k: v.name for k, v in self.jobs.items()}
		first = jobs[names["a_first"]]
		self.assertEqual((first["lat"], first["lon"]), self.places[0])
		self.assertEqual(
			(first["priority"], first["technician"], first["unassigned"]), ("Urgent", self.tech_a.name, False)
		)
		self.assertEqual(first["scheduled_start"], f"{self.day} 09:00:00")
		waiting = jobs[names["waiting"]]
		self.assertEqual(
			(waiting["unassigned"], waiting["priority"], waiting["technician"]), (True, "High", None)
		)
		self.assertEqual((waiting["lat"], waiting["lon"]), self.places[3])
		self.assertNotIn(names["cancelled"], jobs)
		self.assertNotIn(names["no_coords"], jobs)
		self.assertIn(names["no_coords"], data["missing_coordinates"])

	def test_routes_in_scheduled_order_from_home(self):
		data = self.map_data()
		techs = {t["name"]: t for t in data["technicians"]}
		a, b = techs[self.tech_a.name], techs[self.tech_b.name]
		order = [self.jobs[k].name for k in ("a_first", "a_middle", "a_late")]
		self.assertEqual(a["jobs"], order)
		self.assertEqual(
			a["route"], [list(HOME_A), list(self.places[0]), list(self.places[3]), list(self.places[2])]
		)
		self.assertEqual(b["route"], [list(HOME_B), list(self.places[1])])
		jobs = {j["name"]: j for j in data["jobs"]}
		self.assertEqual([jobs[n]["order"] for n in order], [1, 2, 3])
		# Tomorrow nobody is anywhere yet: technicians are drawn at home.
		self.assertEqual((a["where"], a["lat"], a["lon"]), ("home", *HOME_A))

	def test_reassigning_moves_the_job_between_routes(self):
		call_endpoint(
			"gigafibre.api.dispatch.assign",
			user="Administrator",
			job=self.jobs["waiting"].name,
			technician=self.tech_b.name,
			scheduled_start=f"{self.day} 14:00:00",
		)
		data = self.map_data()
		b = next(t for t in data["technicians"] if t["name"] == self.tech_b.name)
		self.assertEqual(b["jobs"], [self.jobs["b_only"].name, self.jobs["waiting"].name])
		self.assertEqual(b["route"][-1], list(self.places[3]))
		waiting = next(j for j in data["jobs"] if j["name"] == self.jobs["waiting"].name)
		self.assertFalse(waiting["unassigned"])

	def test_tile_settings_and_defaults(self):
		frappe.db.set_single_value("Gigafibre Settings", "map_tile_url", "")
		frappe.db.set_single_value("Gigafibre Settings", "map_tile_attribution", "")
		tiles = self.map_data()["tiles"]
		self.assertEqual(tiles["url"], "https://{s}.tile.openstreetmap.org/{z}/{x}/{y}.png")
		self.assertEqual(tiles["attribution"], "© OpenStreetMap contributors")
		frappe.db.set_single_value("Gigafibre Settings", "map_tile_url", "http://127.0.0.1:9/{z}/{x}/{y}.png")
		frappe.db.set_single_value("Gigafibre Settings", "map_tile_attribution", "Tuiles maison")
		tiles = self.map_data()["tiles"]
		self.assertEqual(tiles, {"url": "http://127.0.0.1:9/{z}/{x}/{y}.png", "attribution": "Tuiles maison"})

	def test_live_position_and_gps_on_site_today(self):
		if not frappe.get_meta("Technician").has_field("last_latitude"):
			self.skipTest("Technician has no live position fields on this site")
		now = now_datetime()
		today = datetime.combine(now.date(), datetime.min.time())
		done = self.make_job("Faite", 0, technician=self.tech_a.name)
		open_ = self.make_job("À faire", 2, technician=self.tech_a.name)
		frappe.db.set_value(
			"Dispatch Job",
			done.name,
			{"status": "Completed", "scheduled_start": today + timedelta(minutes=1)},
		)
		frappe.db.set_value("Dispatch Job", open_.name, "scheduled_start", today + timedelta(minutes=2))
		position = {"last_latitude": 45.51, "last_longitude": -73.59, "last_position_at": now}
		frappe.db.set_value("Technician", self.tech_a.name, position)
		frappe.db.set_value(
			"Technician", self.tech_b.name, {**position, "last_position_at": now - timedelta(days=1)}
		)
		on_site = frappe.get_meta("Dispatch Job").has_field("gps_on_site_at")
		if on_site:
			frappe.db.set_value("Dispatch Job", open_.name, "gps_on_site_at", now.replace(microsecond=0))
		data = self.map_data(date=str(now.date()))
		techs = {t["name"]: t for t in data["technicians"]}
		a, b = techs[self.tech_a.name], techs[self.tech_b.name]
		self.assertEqual((a["where"], a["lat"], a["lon"]), ("live", 45.51, -73.59))
		# From where the technician is, through what is left to do (the completed job is behind).
		self.assertEqual(a["route"], [[45.51, -73.59], list(self.places[2])])
		self.assertEqual(b["where"], "stale")
		if on_site:
			job = next(j for j in data["jobs"] if j["name"] == open_.name)
			self.assertEqual(job["gps_on_site_at"], now.replace(microsecond=0).strftime("%Y-%m-%d %H:%M:%S"))

	def test_queries_do_not_grow_with_the_jobs(self):
		self.map_data()  # warm the meta and settings caches

		def count():
			with mock.patch.object(frappe.db, "sql", wraps=frappe.db.sql) as sql:
				self.map_data()
			return sql.call_count

		before = count()
		for hour in range(8, 16):
			self.make_job(f"Encore {hour}", hour % 4, technician=self.tech_b.name, scheduled=hour)
		self.assertEqual(count(), before)

	def test_only_staff_and_valid_dates(self):
		no_role = desk_user(NO_ROLE_USER, [])
		tech = desk_user(TECH_USER, ["Technician"])
		for user in ("Guest", no_role, tech):
			with self.assertRaises(frappe.PermissionError, msg=user):
				self.map_data(user=user)
		for bad in ("demain", "2026-13-40", "02/12/2026"):
			with self.assertRaisesRegex(frappe.ValidationError, "not a valid date") as caught:
				self.map_data(date=bad)
			self.assertEqual(caught.exception.http_status_code, 417)
		# A POST answers the same as a GET.
		self.assertEqual(call_endpoint(API, user="Administrator", date=str(self.day))["date"], str(self.day))
