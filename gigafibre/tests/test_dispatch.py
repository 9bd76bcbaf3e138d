"""Dispatch through its endpoints on real doctypes: suggest, plan, apply, assign, board, refusals.

The day planned is the first from tomorrow on that holds no other open job (the site may have
demo data), so that no window has already passed whatever the hour of the run; the technicians
work every weekday.
"""

import json
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import frappe
import icalendar
from frappe.tests.utils import FrappeTestCase
from frappe.utils import add_days, get_datetime, getdate

from gigafibre.auth.service import link_secret
from gigafibre.dispatch.day import day_job_names
from gigafibre.dispatch.shifts import WEEKDAYS
from gigafibre.flows.runner import clear_cache
from gigafibre.tests.test_flows import make_template, runs_for
from gigafibre.tests.utils import call_endpoint, desk_user, make_location, make_technician

API = "gigafibre.api.dispatch."
NO_ROLE_USER = "dispatch-norole@example.com"
TECH_USER = "dispatch-tech@example.com"


def _tag(name: str) -> str:
	if not frappe.db.exists("Tag", name):
		frappe.get_doc({"doctype": "Tag", "__newname": name}).insert()
	return name


def _shifts(start="08:00:00", end="16:00:00", break_start="12:00:00", break_minutes=30) -> list[dict]:
	return [
		{
			"weekday": day,
			"start_time": start,
			"end_time": end,
			"break_start": break_start,
			"break_minutes": break_minutes,
		}
		for day in WEEKDAYS
	]


class TestDispatch(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		frappe.set_user("Administrator")
		frappe.flags.gigafibre_jobs_inline = True
		for name in frappe.get_all("Flow Template", filters={"enabled": 1}, pluck="name"):
			frappe.db.set_value("Flow Template", name, "enabled", 0)
		clear_cache()
		# Only this test's technicians work (all rolled back at the end).
		frappe.db.set_value("Technician", {"active": 1}, "active", 0)
		if not link_secret():
			frappe.db.set_single_value("Gigafibre Settings", "jwt_secret", "dispatch-test-secret")
		cls.day = getdate(add_days(getdate(), 1))
		for _ in range(366):  # a day no other record plans (the demo's jobs, another test's)
			if not day_job_names(cls.day):
				break
			cls.day = getdate(add_days(cls.day, 1))
		cls.midnight = datetime.combine(cls.day, datetime.min.time())
		fibre, wifi = _tag("Fibre"), _tag("Wi-Fi")
		_tag("Soudure sous-marine")
		cls.tech_a = make_technician(
			full_name="Dispatch Plateau",
			home_latitude=45.5270,
			home_longitude=-73.5850,
			max_jobs_per_day=6,
			skills=[{"skill": fibre}, {"skill": wifi}],
			working_hours=_shifts(),
		)
		cls.tech_b = make_technician(
			full_name="Dispatch Verdun",
			home_latitude=45.4580,
			home_longitude=-73.5700,
			max_jobs_per_day=6,
			skills=[{"skill": fibre}],
			working_hours=_shifts("07:00:00", "15:00:00", "11:30:00", 30),
		)
		places = [
			("4500 rue Saint-Denis", 45.5252, -73.5823),
			("1200 rue Wellington", 45.4630, -73.5680),
			("6000 boulevard Saint-Laurent", 45.5300, -73.6000),
			("3500 rue Ontario Est", 45.5430, -73.5480),
			("800 rue Notre-Dame Ouest", 45.4990, -73.5600),
		]
		cls.locations = [
			make_location(address_line1=a, latitude=lat, longitude=lon) for a, lat, lon in places
		]
		cls.jobs = {
			"wifi": cls.make_job("Wi-Fi mesh", 0, (8, 12), skills=[wifi]),
			"north": cls.make_job("Install nord", 2, (9, 13)),
			"east": cls.make_job("Install est", 3, (13, 16)),
			"south": cls.make_job("Réparation sud", 1, (8, 11)),
			"centre": cls.make_job("Réparation centre", 4, (10, 15), priority="High"),
			"nobody": cls.make_job("Câble sous-marin", 4, (9, 15), skills=["Soudure sous-marine"]),
		}
		started = cls.make_job("Déjà en route", 1, None, technician=cls.tech_b.name, scheduled=(9, 0))
		started.status = "En Route"
		started.save()
		cls.jobs["started"] = started

	@classmethod
	def tearDownClass(cls):
		frappe.flags.gigafibre_jobs_inline = False
		frappe.set_user("Administrator")
		super().tearDownClass()
		clear_cache()

	def setUp(self):
		# Each test starts from the jobs as setUpClass left them.
		frappe.db.savepoint("test_dispatch")

	def tearDown(self):
		frappe.set_user("Administrator")
		frappe.db.rollback(save_point="test_dispatch")
		frappe.local.request = None
		frappe.local.lang = "en"

	@classmethod
	def at(cls, hour: float) -> datetime:
		return cls.midnight + timedelta(hours=hour)

	@classmethod
	def make_job(cls, subject, place, window, skills=(), priority="Normal", technician=None, scheduled=None):
		fields = {
			"doctype": "Dispatch Job",
			"subject": subject,
			"job_type": "Install",
			"priority": priority,
			"service_location": cls.locations[place].name,
			"expected_duration": 60,
			"required_skills": [{"skill": s} for s in skills],
		}
		if window:
			fields.update(window_start=cls.at(window[0]), window_end=cls.at(window[1]))
		if technician:
			fields["technician"] = technician
		if scheduled:
			fields["scheduled_start"] = cls.at(scheduled[0] + scheduled[1] / 60)
		return frappe.get_doc(fields).insert()

	def api(self, method, user="Administrator", get=False, **fields):
		return call_endpoint(API + method, user=user, get=get, **fields)

	def plan(self, **fields):
		return self.api("plan", date=str(self.day), **fields)

	# ------------------------------------------------------------ plan

	def test_plan_keeps_windows_shifts_skills_and_pins(self):
		plan = self.plan()
		techs = {self.tech_a.name: (8, 16), self.tech_b.name: (7, 15)}
		self.assertEqual({r["technician"] for r in plan["routes"]}, set(techs))
		planned = {}
		for route in plan["routes"]:
			shift = techs[route["technician"]]
			for stop in route["stops"]:
				planned[stop["job"]] = (route["technician"], stop)
				start, end = get_datetime(stop["start"]), get_datetime(stop["end"])
				self.assertGreaterEqual(start, self.at(shift[0]))
				self.assertLessEqual(end, self.at(shift[1]))
				job = frappe.get_doc("Dispatch Job", stop["job"])
				if job.window_start and not stop["pinned"]:
					self.assertGreaterEqual(start, job.window_start)
					self.assertLessEqual(end, job.window_end)
			if route["stops"]:
				self.assertGreaterEqual(get_datetime(route["departure"]), self.at(shift[0]))
				self.assertLessEqual(get_datetime(route["return"]), self.at(shift[1]))
		names = {k: v.name for k, v in self.jobs.items()}
		for key in ("wifi", "north", "east", "south", "centre", "started"):
			self.assertIn(names[key], planned, key)
		self.assertEqual(planned[names["wifi"]][0], self.tech_a.name)
		technician, stop = planned[names["started"]]
		self.assertEqual((technician, stop["pinned"]), (self.tech_b.name, True))
		self.assertEqual(get_datetime(stop["start"]), self.at(9))
		(left,) = plan["unassigned"]
		self.assertEqual(left["job"], names["nobody"])
		self.assertIn("Soudure sous-marine", left["reason"])
		self.assertEqual(plan["after"]["jobs"], 6)
		self.assertEqual(plan["before"]["jobs"], 1)  # only the started job is assigned so far
		self.assertGreater(plan["after"]["travel_minutes"], 0)
		self.assertEqual(plan["date"], str(self.day))

	def test_plan_uses_the_routing_service_and_survives_its_failure(self):
		from gigafibre.tests.peers import LoopbackPeer, Reply

		def osrm(request):
			n = len(request.path.split("/table/v1/driving/")[1].split(";"))
			return Reply(
				200,
				{
					"code": "Ok",
					"durations": [[0 if i == j else 1200 for j in range(n)] for i in range(n)],
					"distances": [[0 if i == j else 15000 for j in range(n)] for i in range(n)],
				},
			)

		with LoopbackPeer(osrm) as peer:
			frappe.db.set_single_value(
				"Gigafibre Settings", {"routing_engine": "OSRM", "routing_url": peer.url}
			)
			frappe.cache.delete_keys("gigafibre:travel")
			plan = self.plan()
			self.assertTrue(peer.requests and peer.requests[0].path.startswith("/table/v1/driving/"))
		self.assertEqual((plan["source"], plan["routing_error"]), ("osrm", None))
		# Every leg is 20 minutes by the service's table.
		legs = sum(len(r["stops"]) for r in plan["routes"] if r["stops"]) + sum(
			1 for r in plan["routes"] if r["stops"]
		)
		self.assertEqual(plan["after"]["travel_minutes"] % 20, 0)
		self.assertLessEqual(plan["after"]["travel_minutes"], legs * 20)
		# The service gone (its port closed): the plan still comes, on the estimate, and says why.
		frappe.cache.delete_keys("gigafibre:travel")
		fallback = self.plan()
		self.assertEqual(fallback["source"], "estimate")
		self.assertIn("does not answer", fallback["routing_error"])
		self.assertEqual(fallback["after"]["jobs"], plan["after"]["jobs"])

	def test_apply_writes_the_plan_and_skips_jobs_that_moved_on(self):
		plan = self.plan()
		moved = self.jobs["east"].name
		frappe.db.set_value(
			"Dispatch Job", moved, {"status": "Cancelled", "cancellation_reason": "Client absent"}
		)
		result = self.api("apply", plan=json.dumps(plan))
		self.assertEqual([s["job"] for s in result["skipped"]], [moved])
		self.assertIn("Cancelled", result["skipped"][0]["reason"])
		self.assertEqual(result["unchanged"], [self.jobs["started"].name])
		self.assertEqual(len(result["updated"]), 4)
		stops = {s["job"]: (r["technician"], s) for r in plan["routes"] for s in r["stops"]}
		for name in result["updated"]:
			job = frappe.get_doc("Dispatch Job", name)
			technician, stop = stops[name]
			self.assertEqual(job.technician, technician)
			self.assertEqual(get_datetime(job.scheduled_start), get_datetime(stop["start"]))
			self.assertEqual(get_datetime(job.scheduled_end), get_datetime(stop["end"]))
			self.assertEqual(job.status, "Assigned")
		self.assertEqual(frappe.db.get_value("Dispatch Job", moved, "technician"), None)
		# Applied once, the same plan is stale: every job changed status since.
		again = self.api("apply", plan=json.dumps(plan))
		self.assertEqual(again["updated"], [])
		self.assertEqual(len(again["skipped"]), 5)

	def test_plan_and_apply_at_once(self):
		result = self.plan(apply=1)
		self.assertEqual(len(result["applied"]["updated"]), 5)
		after = self.plan()
		self.assertEqual(after["before"]["jobs"], 6)
		self.assertEqual(after["before"]["travel_minutes"], result["after"]["travel_minutes"])

	# ------------------------------------------------------------ replanning

	def test_urgent_job_inserted_without_moving_the_others(self):
		self.plan(apply=1)
		before = {
			j.name: (j.technician, get_datetime(j.scheduled_start))
			for j in (
				frappe.get_doc("Dispatch Job", n)
				for n in frappe.get_all(
					"Dispatch Job",
					filters={
						"technician": ("is", "set"),
						"scheduled_start": ("between", [self.at(0), self.at(24)]),
					},
					pluck="name",
				)
			)
		}
		urgent = self.make_job("Panne urgente", 2, (10, 16), priority="Urgent")
		plan = self.api("insert_urgent", job=urgent.name)
		placed = {s["job"]: r["technician"] for r in plan["routes"] for s in r["stops"]}
		self.assertIn(urgent.name, placed)
		# Only the routes it joined may change; everybody else keeps their order and technician.
		for name, (technician, _start) in before.items():
			self.assertEqual(placed.get(name), technician)
		result = self.api("apply", plan=json.dumps(plan))
		self.assertIn(urgent.name, result["updated"])
		self.assertEqual(frappe.db.get_value("Dispatch Job", urgent.name, "technician"), placed[urgent.name])
		with self.assertRaises(frappe.ValidationError):
			self.api("insert_urgent", job=urgent.name)  # already assigned

	def test_absent_technician_jobs_go_to_the_others(self):
		self.plan(apply=1)
		mine = frappe.get_all(
			"Dispatch Job",
			filters={
				"technician": self.tech_a.name,
				"scheduled_start": ("between", [self.at(0), self.at(24)]),
			},
			pluck="name",
		)
		self.assertTrue(mine)
		plan = self.api("technician_absent", technician=self.tech_a.name, date=str(self.day))
		self.assertNotIn(self.tech_a.name, [r["technician"] for r in plan["routes"]])
		handed = {s["job"] for r in plan["routes"] for s in r["stops"]} | {
			u["job"] for u in plan["unassigned"]
		}
		self.assertTrue(set(mine) <= handed)
		with self.assertRaises(frappe.DoesNotExistError):
			self.api("technician_absent", technician="TECH-NOPE", date=str(self.day))

	# ------------------------------------------------------------ assign and suggest

	def test_assign_fires_on_job_assigned(self):
		template = make_template(
			"_Test dispatch assign",
			"on_job_assigned",
			[{"step_id": "end", "step_type": "end"}],
			reference_doctype="Dispatch Job",
		)
		clear_cache()
		job = self.jobs["north"]
		card = self.api("assign", job=job.name, technician=self.tech_b.name, scheduled_start=str(self.at(10)))
		self.assertEqual((card["technician"], card["status"]), (self.tech_b.name, "Assigned"))
		doc = frappe.get_doc("Dispatch Job", job.name)
		self.assertEqual(get_datetime(doc.scheduled_start), self.at(10))
		self.assertEqual(get_datetime(doc.scheduled_end), self.at(11))
		self.assertEqual(len(runs_for(template.name)), 1)
		self.api("assign", job=job.name, technician=self.tech_a.name)
		self.assertEqual(len(runs_for(template.name)), 2)  # reassigned: a new assignment
		back = self.api("assign", job=job.name, technician="")
		self.assertEqual((back["technician"], back["status"]), (None, "Planned"))

	def test_suggest_ranks_with_reasons(self):
		result = self.api("suggest", job=self.jobs["wifi"].name)
		first, second = result["candidates"]
		self.assertEqual((first["technician"], first["eligible"]), (self.tech_a.name, True))
		self.assertGreater(first["score"], 0)
		self.assertTrue(any("min of travel" in r for r in first["reasons"]))
		self.assertEqual((second["technician"], second["eligible"]), (self.tech_b.name, False))
		self.assertEqual(second["reasons"], ["Lacks the skills Wi-Fi."])
		frappe.local.lang = "fr"
		french = self.api("suggest", job=self.jobs["wifi"].name)
		self.assertEqual(french["candidates"][1]["reasons"], ["N'a pas les compétences Wi-Fi."])

	def test_board_lists_technicians_and_unassigned(self):
		board = self.api("board", get=True, date=str(self.day))
		rows = {t["name"]: t for t in board["technicians"]}
		self.assertEqual(rows[self.tech_a.name]["shift_start"], "08:00")
		self.assertEqual([j["name"] for j in rows[self.tech_b.name]["jobs"]], [self.jobs["started"].name])
		waiting = {j["name"] for j in board["unassigned"]}
		self.assertLessEqual({self.jobs[k].name for k in ("wifi", "north", "nobody")}, waiting)

	# ------------------------------------------------------------ refusals

	def test_only_dispatchers(self):
		job = self.jobs["south"].name
		no_role = desk_user(NO_ROLE_USER, [])
		tech = desk_user(TECH_USER, ["Technician"])
		for user in ("Guest", no_role, tech):
			for method, fields in (
				("suggest", {"job": job}),
				("board", {}),
				("plan", {"date": str(self.day)}),
				("apply", {"plan": json.dumps({"routes": []})}),
				("assign", {"job": job, "technician": self.tech_a.name}),
			):
				with self.assertRaises(frappe.PermissionError, msg=f"{user} {method}"):
					self.api(method, user=user, **fields)
		self.assertIsNone(frappe.db.get_value("Dispatch Job", job, "technician"))

	def test_writes_need_post(self):
		with self.assertRaises(frappe.PermissionError):
			self.api("assign", get=True, job=self.jobs["south"].name, technician=self.tech_a.name)

	def test_bad_inputs_refused(self):
		with self.assertRaises(frappe.DoesNotExistError):
			self.api("suggest", job="DJ-NOPE")
		with self.assertRaises(frappe.DoesNotExistError):
			self.api("assign", job="DJ-NOPE", technician=self.tech_a.name)
		with self.assertRaises(frappe.DoesNotExistError):
			self.api("assign", job=self.jobs["south"].name, technician="TECH-NOPE")
		with self.assertRaisesRegex(frappe.ValidationError, "not a valid date"):
			self.api("plan", date="26/11/2026")
		with self.assertRaisesRegex(frappe.ValidationError, "not a valid date"):
			self.api("board", date="demain")
		for garbage in ("{not json", json.dumps({"routes": [{"stops": []}]}), json.dumps([1, 2])):
			with self.assertRaisesRegex(frappe.ValidationError, "not a dispatch plan"):
				self.api("apply", plan=garbage)
		with self.assertRaisesRegex(frappe.ValidationError, "not a valid date and time"):
			self.api(
				"apply",
				plan=json.dumps(
					{
						"routes": [
							{
								"technician": self.tech_a.name,
								"stops": [{"job": self.jobs["south"].name, "start": "bientôt"}],
							}
						]
					}
				),
			)
		frappe.local.lang = "fr"
		with self.assertRaises(frappe.ValidationError):
			self.api("plan", date="hier")

	# ------------------------------------------------------------ calendar feed

	def feed(self, token: str):
		"""GET the feed as a calendar app would: no session, the token in the URL."""
		from frappe.handler import execute_cmd
		from werkzeug.test import EnvironBuilder
		from werkzeug.wrappers import Request

		environ = EnvironBuilder(
			method="GET", path="/api/method/" + API + "calendar", query_string={"token": token}
		).get_environ()
		frappe.set_user("Guest")
		frappe.local.request = Request(environ)
		frappe.local.request_ip = "127.0.0.1"
		frappe.local.form_dict = frappe._dict(frappe.local.request.args)
		return execute_cmd(API + "calendar")

	def test_calendar_feed_parsed_back(self):
		self.plan(apply=1)
		link = self.api("calendar_link", technician=self.tech_a.name)
		self.assertIn("/api/method/gigafibre.api.dispatch.calendar?token=", link["url"])
		response = self.feed(link["url"].split("token=")[1])
		self.assertEqual(response.mimetype, "text/calendar")
		calendar = icalendar.Calendar.from_ical(response.get_data())
		events = {str(e["uid"]).split("@")[0]: e for e in calendar.walk("VEVENT")}
		mine = frappe.get_all(
			"Dispatch Job",
			filters={"technician": self.tech_a.name},
			fields=["name", "subject", "scheduled_start", "scheduled_end"],
		)
		self.assertTrue(mine)
		self.assertEqual(set(events), {j.name for j in mine})
		zone = ZoneInfo(frappe.utils.get_system_timezone())
		for job in mine:
			event = events[job.name]
			self.assertEqual(event.decoded("dtstart"), get_datetime(job.scheduled_start).replace(tzinfo=zone))
			self.assertEqual(event.decoded("dtend"), get_datetime(job.scheduled_end).replace(tzinfo=zone))
			self.assertIn(job.subject, str(event["summary"]))
		# The header works too, for clients that can send one.
		header = call_endpoint(API + "calendar", get=True, token=link["token"])
		self.assertEqual(header.get_data(), response.get_data())

	def test_revoked_or_foreign_calendar_tokens_refused(self):
		from gigafibre.tech import links

		link = self.api("calendar_link", technician=self.tech_b.name)
		self.feed(link["token"])
		frappe.set_user("Administrator")
		record = frappe.get_doc("Calendar Token", link["name"])
		record.revoked = 1
		record.save()
		self.assertTrue(record.revoked_at)
		with self.assertRaisesRegex(frappe.AuthenticationError, "revoked"):
			self.feed(link["token"])
		frappe.set_user("Administrator")
		record.reload()
		record.revoked = 0
		record.save()
		self.assertEqual(record.reload().revoked, 1)  # a revoked feed stays revoked
		tech_token = links.issue_link(self.tech_b.name)[0]
		for token in (tech_token, "abc.def.ghi", ""):
			with self.assertRaises(frappe.AuthenticationError):
				self.feed(token)
		for user in ("Guest", desk_user(TECH_USER, ["Technician"])):
			with self.assertRaises(frappe.PermissionError):
				self.api("calendar_link", user=user, technician=self.tech_b.name)
