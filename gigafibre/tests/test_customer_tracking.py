"""Customer texts on the day, through the outbox to a loopback Twilio, and the customer's pages.

En Route → one text with the ETA and /suivi/<token> (never twice, never to a STOP customer); the
tracking payload while en route, once arrived, once completed (exactly its four keys); the late
sweep (one text per late event); an absent technician's unfittable job → a rebooking text;
/rendez-vous offers real slots and books one; a slot taken meanwhile → a French message and
fresh slots; bad tokens are 404/403. Time is frozen at 10:00 tomorrow (site time); the technician's
live position is patched in (`gigafibre.field.eta.live_position`), whatever part A's worker does.
"""

import re
from datetime import datetime, timedelta
from unittest.mock import patch

import frappe
from frappe.utils import get_datetime, getdate, now_datetime

from gigafibre.auth.service import link_secret
from gigafibre.dispatch.shifts import WEEKDAYS
from gigafibre.field import customer_texts, slots, tracking
from gigafibre.flows.runner import clear_cache
from gigafibre.tests.utils import SmsTestCase, call_endpoint, make_location, make_technician, test_customer

API = "gigafibre.api.customer_tracking."
FAR = {"lat": 45.4500, "lon": -73.6500, "speed_kmh": 40.0}  # about 11 km from the customers
MOBILE = "+15145550181"


def _shifts() -> list[dict]:
	return [
		{
			"weekday": d,
			"start_time": "08:00:00",
			"end_time": "17:00:00",
			"break_start": "12:00:00",
			"break_minutes": 30,
		}
		for d in WEEKDAYS
	]


def _tag(name: str) -> str:
	if not frappe.db.exists("Tag", name):
		frappe.get_doc({"doctype": "Tag", "__newname": name}).insert()
	return name


class TestCustomerTracking(SmsTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		frappe.set_user("Administrator")
		for name in frappe.get_all("Flow Template", filters={"enabled": 1}, pluck="name"):
			frappe.db.set_value("Flow Template", name, "enabled", 0)
		clear_cache()
		frappe.db.set_value("Technician", {"active": 1}, "active", 0)  # only ours work (rolled back)
		if not link_secret():
			frappe.db.set_single_value("Gigafibre Settings", "jwt_secret", "tracking-test-secret")
		frappe.db.set_single_value("Gigafibre Settings", "routing_url", "")
		cls.skill = _tag("Épissure suivi")
		cls.tech = make_technician(
			full_name="Émilie Tremblay-Roy",
			home_latitude=45.5270,
			home_longitude=-73.5850,
			skills=[{"skill": cls.skill}],
			working_hours=_shifts(),
		)
		cls.other = make_technician(
			full_name="Marc Gagnon", home_latitude=45.5000, home_longitude=-73.5700, working_hours=_shifts()
		)
		cls.customer = test_customer("_Test Suivi Client", mobile=MOBILE)
		frappe.db.set_value("Customer", cls.customer, "gigafibre_sms_opt_out", 0)
		frappe.db.set_value("Customer", cls.customer, "language", "fr")
		cls.location = make_location(customer=cls.customer, address_line1="4500 rue Saint-Denis")
		cls.stop_customer = test_customer("_Test Suivi STOP", mobile="+15145550182")
		frappe.db.set_value("Customer", cls.stop_customer, "gigafibre_sms_opt_out", 1)
		cls.stop_location = make_location(customer=cls.stop_customer, address_line1="4510 rue Saint-Denis")
		# Frozen at 10:00 of the next day that is still ahead of the real clock, which some modules keep
		# reading under freezegun (`datetime.now(timezone.utc)` imported at module level: the links'
		# times), yet less than a day ahead: a link issued by the real clock lasts a day.
		cls.day = getdate() + timedelta(days=0 if now_datetime().hour < 10 else 1)
		cls.midnight = datetime.combine(cls.day, datetime.min.time())

	def setUp(self):
		frappe.db.savepoint("customer_tracking")
		self.frozen = self.freeze_time(self.at(10), tick=True)
		self.frozen.__enter__()
		self.position = dict(FAR, at=self.at(9.95))
		self.live = patch("gigafibre.field.eta.live_position", side_effect=lambda _t: dict(self.position))
		self.live.start()
		frappe.cache.delete_keys("gigafibre:tracking:")
		self.sent_before = len(self.twilio.requests)

	def tearDown(self):
		self.live.stop()
		self.frozen.__exit__(None, None, None)
		frappe.set_user("Administrator")
		frappe.db.rollback(save_point="customer_tracking")
		frappe.local.request = None
		frappe.local.lang = "en"

	@classmethod
	def at(cls, hour: float, days: int = 0) -> datetime:
		return cls.midnight + timedelta(days=days, hours=hour)

	def job(self, window=(10, 12), technician=True, location=None, skills=(), **fields):
		values = {
			"doctype": "Dispatch Job",
			"subject": "Visite suivi",
			"job_type": "Survey",
			"service_location": (location or self.location).name,
			"expected_duration": 60,
			"window_start": self.at(window[0]),
			"window_end": self.at(window[1]),
			"scheduled_start": self.at(window[0]),
			"required_skills": [{"skill": s} for s in skills],
		}
		if technician:
			values["technician"] = self.tech.name
		values.update(fields)
		return frappe.get_doc(values).insert()

	def status(self, job, status: str):
		frappe.set_user("Administrator")
		job.reload()
		job.status = status
		if status == "Cancelled":
			job.cancellation_reason = "Test"
		job.save()
		return job

	def texts(self, to: str | None = None) -> list[tuple[str, str]]:
		"""The texts sent since the test began (to `to` only, when given: the late sweep also
		looks at the site's other jobs)."""
		sent = [(r.form()["To"], r.form()["Body"]) for r in self.twilio.requests[self.sent_before :]]
		return [t for t in sent if to is None or t[0] == to]

	def late(self) -> int:
		"""Run the late sweep; how many late texts this test's customer got from it."""
		before = len(self.texts(MOBILE))
		customer_texts.sweep_late()
		return len(self.texts(MOBILE)) - before

	def token_in(self, body: str, page: str) -> str:
		found = re.search(rf"/{page}/(\S+)", body)
		self.assertIsNotNone(found, body)
		return found.group(1)

	def state(self, token):
		return call_endpoint(API + "tracking_state", get=True, token=None, form={"token": token})

	# ------------------------------------------------------------ en route

	def test_en_route_texts_once_with_the_eta_and_the_tracking_link(self):
		job = self.job()
		self.status(job, "En Route")
		texts = self.texts()
		self.assertEqual(len(texts), 1, texts)
		to, body = texts[0]
		self.assertEqual(to, MOBILE)
		self.assertTrue(body.startswith("Gigafibre : Émilie, votre technicien, est en route"), body)
		self.assertIn("/suivi/", body)
		self.assertNotIn("Tremblay", body)
		eta = customer_texts.eta_rules.announced(
			__import__("gigafibre.field.eta", fromlist=["job_eta"]).job_eta(job.name)["eta"]
		)
		self.assertIn(f"vers {eta.hour} h {eta.minute:02d}", body)
		self.assertGreater(eta, self.at(10))  # 11 km away: not there yet
		# Back to Assigned and on the way again, or saved again: the same event, no second text.
		self.status(job, "Assigned")
		self.status(job, "En Route")
		job.reload()
		job.save()
		self.assertEqual(len(self.texts()), 1)

	def test_an_english_customer_is_texted_in_english(self):
		frappe.db.set_value("Customer", self.customer, "language", "en")
		self.status(self.job(), "En Route")
		body = self.texts()[0][1]
		self.assertTrue(body.startswith("Gigafibre: Émilie, your technician, is on the way"), body)
		self.assertRegex(body, r"around \d{1,2}:\d{2} (AM|PM)")

	def test_a_stop_customer_gets_no_text(self):
		job = self.job(location=self.stop_location)
		self.status(job, "En Route")
		self.assertEqual(self.texts(), [])
		comments = frappe.get_all(
			"Comment",
			filters={"reference_doctype": "Dispatch Job", "reference_name": job.name},
			pluck="content",
		)
		self.assertTrue(any("STOP" in c for c in comments), comments)

	# ------------------------------------------------------------ /suivi

	def test_tracking_payload_en_route_then_arrived_then_expired(self):
		job = self.job()
		self.status(job, "En Route")
		token = self.token_in(self.texts()[0][1], "suivi")
		state = self.state(token)
		self.assertEqual(set(state), set(tracking.PAYLOAD_KEYS))
		self.assertEqual(state["status"], "en_route")
		self.assertEqual(state["first_name"], "Émilie")
		self.assertEqual(set(state["position"]), {"lat", "lon", "at"})
		self.assertAlmostEqual(state["position"]["lat"], FAR["lat"], places=4)
		self.assertTrue(state["eta"].startswith(str(self.day)))

		self.status(job, "On Site")
		state = self.state(token)
		self.assertEqual(state, {"first_name": "Émilie", "eta": None, "position": None, "status": "arrived"})

		self.status(job, "Completed")
		state = self.state(token)
		self.assertEqual(state, {"first_name": "", "eta": None, "position": None, "status": "expired"})
		self.assertTrue(
			all(frappe.get_all("Customer Job Link", filters={"dispatch_job": job.name}, pluck="revoked"))
		)

	def test_tracking_page_renders_in_french(self):
		from frappe.website.serve import get_response_content
		from werkzeug.test import EnvironBuilder
		from werkzeug.wrappers import Request

		job = self.job()
		self.status(job, "En Route")
		token = self.token_in(self.texts()[0][1], "suivi")
		frappe.set_user("Guest")
		frappe.local.request = Request(EnvironBuilder(path=f"/suivi/{token}").get_environ())
		html = get_response_content(f"suivi/{token}")
		self.assertIn("est en route", html)
		self.assertIn("/assets/frappe/js/lib/leaflet/leaflet.js", html)
		self.assertNotIn("Tremblay", html)
		self.assertIn("Lien refusé", get_response_content("suivi/not-a-token"))

	def test_bad_tokens_are_404_or_403(self):
		job = self.job()
		self.status(job, "En Route")
		tracking_token = self.token_in(self.texts()[0][1], "suivi")
		for bad in ("not-a-token", "", tracking_token + "x"):
			with self.assertRaises(frappe.DoesNotExistError):
				self.state(bad)
		# A tracking link is no rebooking link.
		with self.assertRaises(frappe.DoesNotExistError):
			call_endpoint(API + "rebooking_slots", get=True, form={"token": tracking_token})
		with self.assertRaises(frappe.DoesNotExistError):
			call_endpoint(API + "book", form={"token": "nope", "start": str(self.at(8, 1))})

	# ------------------------------------------------------------ late

	def test_late_is_texted_once_per_event(self):
		job = self.job(window=(9, 10.1))
		self.status(job, "En Route")
		self.sent_before = len(self.twilio.requests)  # the en-route text aside
		self.assertEqual(self.late(), 1)
		texts = self.texts(MOBILE)
		self.assertEqual(len(texts), 1)
		self.assertIn("a du retard", texts[0][1])
		self.assertIn("/suivi/", texts[0][1])
		# The same delay again, or a few minutes more: nothing new.
		self.assertEqual(self.late(), 0)
		self.position = dict(self.position, lat=FAR["lat"] - 0.02)
		self.assertEqual(self.late(), 0)
		# Much later (about 40 km away now): a new event, one more text.
		self.position = dict(self.position, lat=45.20, lon=-73.90)
		self.assertEqual(self.late(), 1)
		self.assertEqual(len(self.texts(MOBILE)), 2)

	def test_an_assigned_job_is_late_only_from_a_live_position(self):
		self.job(window=(9, 10.1))
		self.assertEqual(self.late(), 1)
		self.assertNotIn("/suivi/", self.texts(MOBILE)[0][1])  # not on the way yet: nothing to follow
		self.live.stop()
		with patch("gigafibre.field.eta.live_position", return_value=None):
			self.job(
				window=(9, 10.1), location=make_location(customer=self.customer, address_line1="1 rue Test")
			)
			self.assertEqual(self.late(), 0)
		self.live.start()

	# ------------------------------------------------------------ absent and rebooking

	def absent_job(self, **fields):
		return self.job(window=(13, 15), skills=[self.skill], **fields)

	def mark_absent(self):
		return call_endpoint(
			"gigafibre.api.dispatch.technician_absent",
			user="Administrator",
			technician=self.tech.name,
			date=str(self.day),
		)

	def test_absent_technician_texts_a_rebooking_link_once(self):
		job = self.absent_job()
		plan = self.mark_absent()
		self.assertEqual(plan["texted"], [job.name])
		texts = self.texts()
		self.assertEqual(len(texts), 1)
		self.assertIn("ne peut pas venir aujourd'hui", texts[0][1])
		self.token_in(texts[0][1], "rendez-vous")
		self.assertEqual(self.mark_absent()["texted"], [])
		self.assertEqual(len(self.texts()), 1)

	def test_rebooking_offers_real_slots_and_books_one(self):
		job = self.absent_job()
		self.mark_absent()
		token = self.token_in(self.texts()[0][1], "rendez-vous")
		page = call_endpoint(API + "rebooking_slots", get=True, form={"token": token})
		self.assertIsNone(page["booked"])
		self.assertTrue(page["slots"])
		starts = {w[0] for w in slots.WINDOWS}
		for slot in page["slots"]:
			start = get_datetime(slot["start"])
			self.assertTrue(self.day < start.date() <= self.day + timedelta(days=slots.DAYS_AHEAD))
			self.assertIn(start.hour * 3600 + start.minute * 60, starts)
		first = page["slots"][0]
		self.assertEqual(first["start"], self.at(8, 1).isoformat())
		done = call_endpoint(API + "book", form={"token": token, "start": first["start"]})
		self.assertTrue(done["booked"])
		job.reload()
		self.assertEqual(job.technician, self.tech.name)  # the only one with the skill
		self.assertEqual(get_datetime(job.window_start), self.at(8, 1))
		self.assertEqual(get_datetime(job.window_end), self.at(10, 1))
		self.assertTrue(self.at(8, 1) <= get_datetime(job.scheduled_start) <= self.at(9, 1))
		page = call_endpoint(API + "rebooking_slots", get=True, form={"token": token})
		self.assertEqual(page["booked"]["start"], first["start"])
		self.assertEqual(page["slots"], [])
		with self.assertRaises(frappe.ValidationError):
			call_endpoint(API + "book", form={"token": token, "start": first["start"]})
		# Bad input is a 4xx naming what is wrong, never a 500.
		with self.assertRaises(frappe.ValidationError):
			call_endpoint(API + "book", form={"token": token, "start": "demain"})

	def test_a_slot_taken_meanwhile_answers_fresh_slots(self):
		frappe.db.set_value("Technician", self.tech.name, "max_jobs_per_day", 1)  # one job a day
		first_job, second_job = self.absent_job(), self.absent_job(subject="Deuxième visite")
		self.mark_absent()
		tokens = [self.token_in(body, "rendez-vous") for _to, body in self.texts()]
		self.assertEqual(len(tokens), 2)
		offered = [
			call_endpoint(API + "rebooking_slots", get=True, form={"token": t})["slots"] for t in tokens
		]
		tomorrow = self.at(8, 1).isoformat()
		self.assertEqual(offered[0][0]["start"], tomorrow)
		self.assertEqual(offered[1][0]["start"], tomorrow)
		self.assertTrue(call_endpoint(API + "book", form={"token": tokens[0], "start": tomorrow})["booked"])
		late = call_endpoint(API + "book", form={"token": tokens[1], "start": tomorrow})
		self.assertFalse(late["booked"])
		self.assertIn("vient d'être pris", late["message"])
		self.assertTrue(late["slots"])
		self.assertTrue(all(get_datetime(s["start"]).date() != self.at(8, 1).date() for s in late["slots"]))
		second_job.reload()
		self.assertNotEqual(get_datetime(second_job.window_start).date(), self.at(8, 1).date())
		first_job.reload()
		self.assertEqual(get_datetime(first_job.window_start), self.at(8, 1))

	def test_an_ended_rebooking_link_is_403(self):
		job = self.absent_job()
		self.mark_absent()
		token = self.token_in(self.texts()[0][1], "rendez-vous")
		self.status(job, "Cancelled")
		with self.assertRaises(frappe.PermissionError):
			call_endpoint(API + "rebooking_slots", get=True, form={"token": token})
