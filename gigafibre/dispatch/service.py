"""The Frappe shell of dispatch: the day's technicians and jobs read into the planner's model, and
the planner's answers written back to Dispatch Jobs.

Times in the model are seconds since midnight of the planned day, in the site's time zone (Frappe
stores naive local datetimes). Places are the technicians' home bases, then the jobs' service
locations. A job is "of the day" when its scheduled start falls on that day, or, unscheduled,
its window starts that day. En Route and On Site jobs are pinned to their technician.

Settings (Gigafibre Settings, each with a default when the field is absent or empty):
dispatch_road_factor, dispatch_average_speed, dispatch_time_limit, dispatch_weight_travel,
dispatch_weight_load, dispatch_weight_earliness, dispatch_weight_affinity, routing_engine
(osrm or valhalla) and routing_url (blank: great-circle estimate).
"""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import frappe
from frappe import _
from frappe.utils import get_datetime, getdate, now_datetime

from gigafibre.dispatch import planner, replan, scoring, travel
from gigafibre.dispatch import status as job_status
from gigafibre.dispatch.shifts import WEEKDAYS, to_time
from gigafibre.errors import ServiceError
from gigafibre.validation import user_errors

EVENT = "gigafibre_dispatch"
DAY = 24 * 3600

DEFAULTS = {
	"dispatch_road_factor": travel.DEFAULT_ROAD_FACTOR,
	"dispatch_average_speed": travel.DEFAULT_SPEED_KMH,
	"dispatch_time_limit": 3.0,
	"dispatch_weight_travel": 0.4,
	"dispatch_weight_load": 0.2,
	"dispatch_weight_earliness": 0.2,
	"dispatch_weight_affinity": 0.2,
	"routing_engine": "",
	"routing_url": "",
}

JOB_FIELDS = [
	"name",
	"subject",
	"status",
	"priority",
	"job_type",
	"technician",
	"customer",
	"customer_name",
	"service_location",
	"address",
	"expected_duration",
	"window_start",
	"window_end",
	"scheduled_start",
	"scheduled_end",
	"check_in_at",
	"modified",
]


def setting(fieldname: str):
	"""A dispatch setting, or its default while the field is absent from Gigafibre Settings."""
	value = frappe.get_single("Gigafibre Settings").get(fieldname)
	return DEFAULTS[fieldname] if value in (None, "", 0, 0.0) else value


def weights() -> scoring.Weights:
	return scoring.Weights(
		float(setting("dispatch_weight_travel")),
		float(setting("dispatch_weight_load")),
		float(setting("dispatch_weight_earliness")),
		float(setting("dispatch_weight_affinity")),
	)


# ------------------------------------------------------------------ reading the day


@dataclass
class Day:
	"""The planner's problem for one date, and what it was built from."""

	day: date
	problem: planner.Problem | None
	jobs: dict[str, frappe._dict]  # every job of the day, by name
	technicians: dict[str, frappe._dict]  # technicians in the model, by name
	excluded: list[dict] = field(default_factory=list)  # jobs left out of the model, with reasons
	off: list[dict] = field(default_factory=list)  # technicians left out, with reasons
	source: str = "estimate"
	routing_error: str | None = None  # why the routing service's times were not used

	def at(self, seconds: int) -> datetime:
		return datetime.combine(self.day, datetime.min.time()) + timedelta(seconds=int(seconds))

	def seconds(self, moment) -> int:
		return int((get_datetime(moment) - datetime.combine(self.day, datetime.min.time())).total_seconds())

	def current_sequences(self) -> dict[str, list[str]]:
		"""Each technician's jobs in the model as they are assigned now, in scheduled order."""
		if self.problem is None:
			return {}
		in_model = {j.id: j for j in self.problem.jobs}
		sequences: dict[str, list[str]] = {}
		for tech in self.technicians:
			mine = [j for j in self.jobs.values() if j.technician == tech and j.name in in_model]
			mine.sort(
				key=lambda j: (
					in_model[j.name].pinned_to is None,
					in_model[j.name].pinned_start or 0,
					get_datetime(j.scheduled_start or j.window_start or self.at(DAY - 1)),
					j.name,
				)
			)
			sequences[tech] = [j.name for j in mine]
		return sequences


def parse_date(value: str | date | None) -> date:
	"""A `YYYY-MM-DD` date (today when empty); a ValidationError naming the bad value otherwise."""
	if value in (None, ""):
		return getdate()
	if isinstance(value, date):
		return value
	try:
		return date.fromisoformat(str(value).strip())
	except ValueError:
		frappe.throw(_("{0} is not a valid date (YYYY-MM-DD).").format(value), frappe.ValidationError)


def job_date(job: frappe._dict) -> date:
	moment = job.scheduled_start or job.window_start
	return getdate(moment) if moment else getdate()


def day_job_names(day: date) -> list[str]:
	start = datetime.combine(day, datetime.min.time())
	end = start + timedelta(days=1)
	return frappe.db.sql_list(
		"""select name from `tabDispatch Job`
		where status in %(open)s and (
			(scheduled_start >= %(start)s and scheduled_start < %(end)s)
			or (scheduled_start is null and window_start >= %(start)s and window_start < %(end)s))
		order by name""",
		{"open": job_status.OPEN, "start": start, "end": end},
	)


def _skills(parenttype: str, names: list[str], parentfield: str) -> dict[str, frozenset[str]]:
	out: dict[str, set[str]] = {}
	if names:
		for row in frappe.get_all(
			"Skill Tag",
			filters={"parenttype": parenttype, "parentfield": parentfield, "parent": ["in", names]},
			fields=["parent", "skill"],
		):
			out.setdefault(row.parent, set()).add(row.skill)
	return {k: frozenset(v) for k, v in out.items()}


def _seconds_of(value) -> int | None:
	moment = to_time(value)
	return None if moment is None else moment.hour * 3600 + moment.minute * 60 + moment.second


def working_technicians(day: date) -> tuple[dict[str, frappe._dict], list[dict]]:
	"""Active technicians with a shift on `day`'s weekday: {name: row with shift, break}; and the others."""
	weekday = WEEKDAYS[day.weekday()]
	rows = frappe.get_all(
		"Technician",
		filters={"active": 1},
		fields=["name", "full_name", "home_latitude", "home_longitude", "max_jobs_per_day"],
		order_by="full_name asc, name asc",
	)
	names = [r.name for r in rows]
	shifts = {
		s.parent: s
		for s in frappe.get_all(
			"Technician Shift",
			filters={"parenttype": "Technician", "parent": ["in", names or [""]], "weekday": weekday},
			fields=["parent", "start_time", "end_time", "break_start", "break_minutes"],
		)
	}
	skills = _skills("Technician", names, "skills")
	working: dict[str, frappe._dict] = {}
	off: list[dict] = []
	for row in rows:
		shift = shifts.get(row.name)
		if not shift:
			off.append({"technician": row.name, "reason": _("No shift on {0}.").format(_(weekday))})
			continue
		row.shift = (_seconds_of(shift.start_time), _seconds_of(shift.end_time))
		b_start = _seconds_of(shift.break_start)
		row.break_ = (
			(b_start, shift.break_minutes * 60) if b_start is not None and shift.break_minutes else None
		)
		row.skills = skills.get(row.name, frozenset())
		row.has_home = bool(row.home_latitude or row.home_longitude)
		working[row.name] = row
	return working, off


def read_day(day: date, extra_jobs: list[str] | None = None, unpin: str | None = None) -> Day:
	"""The planner's problem for `day`. `extra_jobs` are added even when not of the day; the job
	`unpin` is never pinned (to rank candidates for it)."""
	names = day_job_names(day)
	for name in extra_jobs or []:
		if name not in names:
			names.append(name)
	jobs = {
		j.name: j
		for j in frappe.get_all("Dispatch Job", filters={"name": ["in", names or [""]]}, fields=JOB_FIELDS)
	}
	technicians, off = working_technicians(day)
	excluded: list[dict] = []
	homeless = [t for t in technicians.values() if not t.has_home]
	for tech in homeless:
		off.append({"technician": tech.name, "reason": _("No home base coordinates.")})
		del technicians[tech.name]
	job_skills = _skills("Dispatch Job", list(jobs), "required_skills")
	locations = {
		loc.name: loc
		for loc in frappe.get_all(
			"Service Location",
			filters={"name": ["in", [j.service_location for j in jobs.values()] or [""]]},
			fields=["name", "latitude", "longitude"],
		)
	}
	points: list[travel.Point] = []
	home_place: dict[str, int] = {}
	for tech in technicians.values():
		home_place[tech.name] = len(points)
		points.append((tech.home_latitude, tech.home_longitude))
	result = Day(day, None, jobs, technicians, excluded, off)
	now = now_datetime()
	not_before = result.seconds(now) if day == now.date() else None
	model_jobs: list[planner.Job] = []
	for job in jobs.values():
		loc = locations.get(job.service_location)
		if not loc or not (loc.latitude or loc.longitude):
			excluded.append({"job": job.name, "reason": _("Its service location has no coordinates.")})
			continue
		duration = int(job.expected_duration or 0) * 60
		if duration <= 0:
			excluded.append({"job": job.name, "reason": _("It has no expected duration.")})
			continue
		window = _window(result, job, duration)
		if window == "misfit":
			excluded.append({"job": job.name, "reason": _("It does not fit in its time window.")})
			continue
		pinned_to = pinned_start = None
		if job.status in job_status.PINNED and job.technician and job.name != unpin:
			if job.technician not in technicians:
				excluded.append(
					{
						"job": job.name,
						"reason": _("Already started by {0}, who is not working that day.").format(
							job.technician
						),
					}
				)
				continue
			pinned_to = job.technician
			started = job.check_in_at if job.status == job_status.ON_SITE and job.check_in_at else None
			moment = started or job.scheduled_start or now
			pinned_start = min(max(result.seconds(moment), 0), DAY - 1)
			window = None
		place = len(points)
		points.append((loc.latitude, loc.longitude))
		model_jobs.append(
			planner.Job(
				id=job.name,
				place=place,
				duration=duration,
				window=window,
				# A started job stays with its technician whatever the skills say.
				skills=frozenset() if pinned_to else job_skills.get(job.name, frozenset()),
				priority=job.priority or "Normal",
				pinned_to=pinned_to,
				pinned_start=pinned_start,
			)
		)
	if not points:
		return result
	with user_errors():
		matrix, result.routing_error = travel_matrix(points)
	result.source = matrix.source
	# A technician still busy with a started job after the shift works until it is done and home.
	for job in model_jobs:
		if job.pinned_to:
			tech = technicians[job.pinned_to]
			back = job.pinned_start + job.duration + matrix.durations[job.place][home_place[tech.name]]
			if back > tech.shift[1]:
				tech.shift = (tech.shift[0], back)
	model_techs = tuple(
		planner.Technician(
			id=t.name,
			start=home_place[t.name],
			end=home_place[t.name],
			shift=t.shift,
			skills=t.skills,
			break_=t.break_,
			max_jobs=t.max_jobs_per_day or None,
		)
		for t in technicians.values()
	)
	result.problem = planner.Problem(
		tuple(model_jobs), model_techs, matrix.durations, matrix.distances, not_before
	)
	return result


def _window(day: Day, job: frappe._dict, duration: int):
	"""The service-start window in the day's seconds (the job ends inside the customer's window),
	None without a window, "misfit" when the job cannot fit in it."""
	if not job.window_start and not job.window_end:
		return None
	start = max(day.seconds(job.window_start), 0) if job.window_start else 0
	end = min(day.seconds(job.window_end), DAY) if job.window_end else DAY
	if start >= DAY or end <= 0:
		return None  # a window on another day: the schedule decides
	if end - duration < start:
		return "misfit"
	return (start, end - duration)


def travel_matrix(points: list[travel.Point]) -> tuple[travel.Matrix, str | None]:
	"""Road times from the routing service when one is set, else the straight-line estimate; and
	why the routing service was not used when it failed. A failing routing service does not stop
	the dispatcher: the estimate stands in, the plan says so (`routing_error`), the log keeps it."""
	url = (setting("routing_url") or "").strip()
	error = None
	if url:
		engine = (setting("routing_engine") or "osrm").lower()
		client = travel.TableClient(base_url=url, engine=engine, cache=_FrappeCache())
		try:
			return client.matrix(points), None
		except ServiceError as err:
			error = _(err.message).format(*err.args_)
			frappe.log_error(title=_("Routing service unavailable"), message=error)
	estimate = travel.estimate(
		points, float(setting("dispatch_road_factor")), float(setting("dispatch_average_speed"))
	)
	return estimate, error


class _FrappeCache:
	"""travel.Cache over the site's Redis."""

	def get(self, key: str):
		return frappe.cache.get_value(key)

	def set(self, key: str, value, expires_in_sec: int | None = None):
		frappe.cache.set_value(key, value, expires_in_sec=expires_in_sec)


# ------------------------------------------------------------------ planning


def plan(day: date, time_limit: float | None = None) -> dict:
	"""The optimised plan for `day`, JSON-able, with the current assignments' travel as "before"."""
	model = read_day(day)
	if model.problem is None:
		return _plan_out(model, None)
	with user_errors():
		solved = planner.solve(model.problem, time_limit=float(time_limit or setting("dispatch_time_limit")))
	return _plan_out(model, solved)


def insert_urgent(job: str) -> dict:
	"""Today's plan as it stands, with `job` put where it disturbs least (started routes kept)."""
	doc = frappe.get_doc("Dispatch Job", job)
	if doc.technician or doc.status not in ("New", "Planned"):
		frappe.throw(_("Job {0} is already assigned or under way.").format(job))
	model = read_day(job_date(frappe._dict(doc.as_dict())), extra_jobs=[job])
	_require_in_model(model, job)
	with user_errors():
		new_plan = replan.insert_job(model.problem, _current_plan(model), job)
	return _plan_out(model, new_plan)


def technician_absent(technician: str, day: date) -> dict:
	"""`technician` is away on `day`: their jobs go to the others, the most urgent first."""
	model = read_day(day)
	if model.problem is None:
		frappe.throw(_("No job to plan."))
	with user_errors():
		_problem, new_plan = replan.remove_technician(model.problem, _current_plan(model), technician)
	return _plan_out(model, new_plan)


def _current_plan(model: Day) -> planner.Plan:
	return planner.build_plan(model.problem, model.current_sequences(), [])


def _require_in_model(model: Day, job: str) -> None:
	if model.problem is not None and job in {j.id for j in model.problem.jobs}:
		return
	reason = next(
		(e["reason"] for e in model.excluded if e["job"] == job), _("No technician works that day.")
	)
	frappe.throw(_("Job {0} cannot be planned: {1}").format(job, reason))


def _plan_out(model: Day, solved: planner.Plan | None) -> dict:
	"""A plan as the desk and `apply` read it, with the day's current travel as "before"."""
	out = {
		"date": str(model.day),
		"source": model.source,
		"routing_error": model.routing_error,
		"routes": [],
		"unassigned": [
			{"job": e["job"], "subject": model.jobs[e["job"]].subject, "reason": e["reason"]}
			for e in model.excluded
		],
		"off": model.off,
		"before": _totals(0, 0, 0),
		"after": _totals(0, 0, 0),
	}
	if model.problem is None or solved is None:
		return out
	problem = model.problem
	before_travel = before_distance = before_count = before_problems = 0
	current = model.current_sequences()
	for tech in problem.technicians:
		sequence = current.get(tech.id, [])
		if not sequence:
			continue
		timed = planner.time_route(problem, tech, sequence)
		before_travel += timed.travel
		before_distance += timed.distance
		before_count += len(sequence)
		before_problems += len(timed.problems)
	out["before"] = _totals(before_travel, before_distance, before_count)
	out["before"]["problems"] = before_problems
	for route in solved.routes:
		tech = model.technicians[route.technician]
		out["routes"].append(
			{
				"technician": route.technician,
				"technician_name": tech.full_name,
				"departure": _iso(model.at(route.departure)),
				"return": _iso(model.at(route.return_)),
				"break_start": _iso(model.at(route.break_at)) if route.break_at is not None else None,
				"break_minutes": tech.break_[1] // 60 if route.break_at is not None else None,
				"travel_minutes": round(route.travel / 60),
				"distance_km": round(route.distance / 1000, 1),
				"stops": [_stop(model, stop) for stop in route.stops],
			}
		)
	for item in solved.unassigned:
		out["unassigned"].append(
			{
				"job": item.job,
				"subject": model.jobs[item.job].subject,
				"reason": _(item.reason).format(*item.args),
			}
		)
	planned = sum(len(r.stops) for r in solved.routes)
	out["after"] = _totals(solved.travel, solved.distance, planned)
	out["after"]["problems"] = len(solved.violations)
	return out


def _stop(model: Day, stop: planner.Stop) -> dict:
	job = model.jobs[stop.job]
	return {
		"job": stop.job,
		"subject": job.subject,
		"customer_name": job.customer_name,
		"address": job.address,
		"priority": job.priority,
		"status": job.status,  # as planned: apply refuses a job that moved on since
		"technician_before": job.technician,
		"arrival": _iso(model.at(stop.arrival)),
		"start": _iso(model.at(stop.start)),
		"end": _iso(model.at(stop.end)),
		"travel_minutes": round(stop.travel / 60),
		"distance_km": round(stop.distance / 1000, 1),
		"pinned": stop.pinned,
	}


def _totals(travel_seconds: int, distance_m: int, jobs: int) -> dict:
	return {
		"travel_minutes": round(travel_seconds / 60),
		"distance_km": round(distance_m / 1000, 1),
		"jobs": jobs,
	}


def _iso(moment: datetime) -> str:
	return moment.strftime("%Y-%m-%d %H:%M:%S")


# ------------------------------------------------------------------ writing back


def apply(plan_: dict) -> dict:
	"""Write a plan's stops to their jobs (technician, scheduled start and end), all or nothing.

	Jobs whose status or technician changed since the plan are skipped with the reason; pinned
	stops (already started) are left as they are."""
	if not isinstance(plan_, dict) or not isinstance(plan_.get("routes"), list):
		frappe.throw(_("This is not a dispatch plan."), frappe.ValidationError)
	updated: list[str] = []
	skipped: list[dict] = []
	unchanged: list[str] = []
	writes: list[tuple] = []
	for route in plan_["routes"]:
		technician = route.get("technician") if isinstance(route, dict) else None
		if not technician or not isinstance(route.get("stops"), list):
			frappe.throw(_("This is not a dispatch plan."), frappe.ValidationError)
		if not frappe.db.exists("Technician", technician):
			frappe.throw(_("Technician {0} does not exist.").format(technician), frappe.DoesNotExistError)
		for stop in route["stops"]:
			if not isinstance(stop, dict) or not stop.get("job") or not stop.get("start"):
				frappe.throw(_("This is not a dispatch plan."), frappe.ValidationError)
			name = stop["job"]
			current = frappe.db.get_value("Dispatch Job", name, ["status", "technician"], as_dict=True)
			if current is None:
				skipped.append({"job": name, "reason": _("The job no longer exists.")})
				continue
			if stop.get("pinned") or current.status in job_status.PINNED:
				unchanged.append(name)
				continue
			if stop.get("status") and current.status != stop["status"]:
				skipped.append(
					{
						"job": name,
						"reason": _("Its status changed from {0} to {1} since the plan.").format(
							_(stop["status"]), _(current.status)
						),
					}
				)
				continue
			if "technician_before" in stop and (current.technician or None) != (
				stop["technician_before"] or None
			):
				skipped.append({"job": name, "reason": _("It was reassigned since the plan.")})
				continue
			writes.append((name, technician, _parse_moment(stop["start"]), _parse_moment(stop.get("end"))))
	for name, technician, start, end in writes:
		doc = frappe.get_doc("Dispatch Job", name)
		doc.technician = technician
		doc.scheduled_start = start
		doc.scheduled_end = end or None
		doc.save()
		updated.append(name)
	if updated:
		publish({"action": "apply", "date": plan_.get("date"), "jobs": updated})
	return {"updated": updated, "skipped": skipped, "unchanged": unchanged}


def _parse_moment(value):
	if not value:
		return None
	try:
		return get_datetime(value)
	except Exception:
		frappe.throw(_("{0} is not a valid date and time.").format(value), frappe.ValidationError)


def assign(job: str, technician: str | None, scheduled_start=None) -> dict:
	"""Hand `job` to `technician` (empty: take it back), optionally at `scheduled_start`."""
	doc = frappe.get_doc("Dispatch Job", job)
	if technician and not frappe.db.exists("Technician", technician):
		frappe.throw(_("Technician {0} does not exist.").format(technician), frappe.DoesNotExistError)
	if doc.status in job_status.CLOSED:
		frappe.throw(_("Job {0} is {1}: it can no longer be assigned.").format(job, _(doc.status)))
	if technician and not frappe.db.get_value("Technician", technician, "active"):
		frappe.throw(_("Technician {0} is not active.").format(technician))
	doc.technician = technician or None
	if scheduled_start:
		start = _parse_moment(scheduled_start)
		doc.scheduled_start = start
		doc.scheduled_end = (
			start + timedelta(minutes=doc.expected_duration) if doc.expected_duration else None
		)
	doc.save()
	publish({"action": "assign", "date": str(job_date(doc)), "jobs": [doc.name]})
	return job_card(doc)


def publish(message: dict) -> None:
	frappe.publish_realtime(EVENT, message, after_commit=True)


# ------------------------------------------------------------------ suggestions


def suggest(job: str) -> dict:
	"""Every technician ranked for `job` on its day, with the reasons in the reader's language."""
	doc = frappe.get_doc("Dispatch Job", job)
	if doc.status in job_status.CLOSED:
		frappe.throw(_("Job {0} is {1}: it can no longer be assigned.").format(job, _(doc.status)))
	day = job_date(doc)
	model = read_day(day, extra_jobs=[doc.name], unpin=doc.name)
	for item in model.excluded:
		if item["job"] == doc.name:
			frappe.throw(_("Job {0} cannot be planned: {1}").format(doc.name, item["reason"]))
	if model.problem is None or not model.problem.technicians:
		return {"job": doc.name, "date": str(day), "candidates": []}
	with user_errors():
		ranked = scoring.rank(model.problem, model.current_sequences(), doc.name, weights(), affinity(doc))
	return {
		"job": doc.name,
		"date": str(day),
		"candidates": [
			{
				"technician": c.technician,
				"technician_name": model.technicians[c.technician].full_name,
				"eligible": c.eligible,
				"score": c.score,
				"start": _iso(model.at(c.start)) if c.start is not None else None,
				"travel_minutes": round(c.travel / 60) if c.travel is not None else None,
				"added_travel_minutes": round(c.added_travel / 60) if c.added_travel is not None else None,
				"reasons": [
					_(r.text).format(*(_(a) if isinstance(a, str) else a for a in r.args)) for r in c.reasons
				],
				"factors": c.factors,
			}
			for c in ranked
		],
	}


def affinity(doc) -> dict[str, int]:
	"""Completed jobs per technician for this customer or at this location."""
	conditions = {"service_location": doc.service_location}
	if doc.customer:
		conditions["customer"] = doc.customer
	counts: dict[str, int] = {}
	for row in frappe.get_all(
		"Dispatch Job",
		filters={"status": job_status.COMPLETED, "technician": ["is", "set"], "name": ["!=", doc.name]},
		or_filters=conditions,
		fields=["technician", "count(name) as n"],
		group_by="technician",
	):
		counts[row.technician] = row.n
	return counts


# ------------------------------------------------------------------ the board


def job_card(job) -> dict:
	return {
		"name": job.name,
		"subject": job.subject,
		"status": job.status,
		"priority": job.priority,
		"job_type": job.job_type,
		"technician": job.technician,
		"customer_name": job.customer_name,
		"address": job.address,
		"expected_duration": job.expected_duration,
		"window_start": _iso(get_datetime(job.window_start)) if job.window_start else None,
		"window_end": _iso(get_datetime(job.window_end)) if job.window_end else None,
		"scheduled_start": _iso(get_datetime(job.scheduled_start)) if job.scheduled_start else None,
		"scheduled_end": _iso(get_datetime(job.scheduled_end)) if job.scheduled_end else None,
	}


def board(day: date) -> dict:
	"""Technicians working or not that day with their jobs, and the jobs nobody has yet."""
	start = datetime.combine(day, datetime.min.time())
	end = start + timedelta(days=1)
	names = frappe.db.sql_list(
		"""select name from `tabDispatch Job`
		where status != %(cancelled)s and (
			(scheduled_start >= %(start)s and scheduled_start < %(end)s)
			or (scheduled_start is null and window_start >= %(start)s and window_start < %(end)s))
		order by scheduled_start, name""",
		{"cancelled": job_status.CANCELLED, "start": start, "end": end},
	)
	# Open jobs with no date at all wait in the unassigned column too.
	names += frappe.get_all(
		"Dispatch Job",
		filters={
			"status": ["in", [job_status.NEW, job_status.PLANNED]],
			"technician": ["is", "not set"],
			"scheduled_start": ["is", "not set"],
			"window_start": ["is", "not set"],
		},
		pluck="name",
		order_by="creation asc",
		limit=100,
	)
	jobs = frappe.get_all("Dispatch Job", filters={"name": ["in", names or [""]]}, fields=JOB_FIELDS)
	working, _off = working_technicians(day)
	technicians = []
	for row in frappe.get_all(
		"Technician", filters={"active": 1}, fields=["name", "full_name"], order_by="full_name asc, name asc"
	):
		shift = working.get(row.name)
		technicians.append(
			{
				"name": row.name,
				"full_name": row.full_name,
				"shift_start": _hhmm(shift.shift[0]) if shift else None,
				"shift_end": _hhmm(shift.shift[1]) if shift else None,
				"break_start": _hhmm(shift.break_[0]) if shift and shift.break_ else None,
				"break_minutes": shift.break_[1] // 60 if shift and shift.break_ else None,
				"jobs": [],
			}
		)
	by_tech = {t["name"]: t for t in technicians}
	unassigned = []
	for job in sorted(jobs, key=lambda j: (str(j.scheduled_start or j.window_start or ""), j.name)):
		card = job_card(job)
		if job.technician and job.technician in by_tech:
			by_tech[job.technician]["jobs"].append(card)
		elif job.status in job_status.OPEN:
			unassigned.append(card)
	return {"date": str(day), "technicians": technicians, "unassigned": unassigned}


def _hhmm(seconds: int) -> str:
	return scoring.clock(seconds)


# ------------------------------------------------------------------ calendar feed (iCal)

ICAL_SCOPE = "ical"
ICAL_LIFETIME = timedelta(days=366)
ICAL_PAST_DAYS = 14
ICAL_FUTURE_DAYS = 90


def issue_calendar_link(technician: str) -> dict:
	"""A signed feed URL for `technician`, recorded in Calendar Token so it can be revoked."""
	from frappe.utils import get_url

	from gigafibre.auth.service import issue_recorded

	if not frappe.db.get_value("Technician", technician, "active"):
		frappe.throw(_("Technician {0} does not exist or is not active.").format(technician))
	with user_errors():
		token, name = issue_recorded(
			"Calendar Token", "technician", technician, ICAL_SCOPE, ICAL_LIFETIME, issued_field="created_at"
		)
	url = f"{get_url()}/api/method/gigafibre.api.dispatch.calendar?token={token}"
	return {"name": name, "token": token, "url": url}


def technician_for_calendar(token: str | None) -> str:
	"""The active technician a genuine, unrevoked feed token stands for; 401 with a clear message otherwise."""
	from gigafibre.tech.links import active_technician

	return active_technician(
		token,
		ICAL_SCOPE,
		"Calendar Token",
		_("This calendar link was revoked. Ask your dispatcher for a new one."),
	)


def calendar_feed(technician: str) -> bytes:
	"""The technician's jobs from two weeks back to three months ahead, as an iCalendar file."""
	from zoneinfo import ZoneInfo

	import icalendar
	from frappe.utils import get_system_timezone

	zone = ZoneInfo(get_system_timezone())
	today = datetime.combine(getdate(), datetime.min.time())
	jobs = frappe.get_all(
		"Dispatch Job",
		filters={
			"technician": technician,
			"status": ["!=", job_status.CANCELLED],
			"scheduled_start": [
				"between",
				[today - timedelta(days=ICAL_PAST_DAYS), today + timedelta(days=ICAL_FUTURE_DAYS)],
			],
		},
		fields=JOB_FIELDS,
		order_by="scheduled_start asc",
	)
	name = frappe.db.get_value("Technician", technician, "full_name") or technician
	cal = icalendar.Calendar()
	cal.add("prodid", "-//Gigafibre//Dispatch//FR")
	cal.add("version", "2.0")
	cal.add("calscale", "GREGORIAN")
	cal.add("x-wr-calname", _("Gigafibre jobs: {0}").format(name))
	cal.add("x-wr-timezone", str(zone))
	host = frappe.local.site or "gigafibre"
	for job in jobs:
		start = get_datetime(job.scheduled_start).replace(tzinfo=zone)
		end = (
			get_datetime(job.scheduled_end).replace(tzinfo=zone)
			if job.scheduled_end
			else start + timedelta(minutes=job.expected_duration or 60)
		)
		event = icalendar.Event()
		event.add("uid", f"{job.name}@{host}")
		event.add("dtstamp", get_datetime(job.modified).replace(tzinfo=zone))
		event.add("dtstart", start)
		event.add("dtend", end)
		event.add("summary", f"{job.subject} ({job.name})")
		if job.address:
			event.add("location", job.address)
		lines = [
			_("Customer: {0}").format(job.customer_name) if job.customer_name else "",
			_("Type: {0}").format(_(job.job_type)) if job.job_type else "",
			_("Priority: {0}").format(_(job.priority)) if job.priority else "",
			_("Status: {0}").format(_(job.status)),
		]
		event.add("description", "\n".join(line for line in lines if line))
		event.add("status", "CONFIRMED" if job.status != job_status.NEW else "TENTATIVE")
		cal.add_component(event)
	return cal.to_ical()
