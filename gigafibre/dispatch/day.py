"""The Frappe side of dispatch: the day's technicians and jobs read into the planner's model.

The other shell modules of dispatch build on it: `plans` (optimise, insert, absence, apply,
assign), `suggestions` (who fits a job), `board` (the Dispatch page's day) and `calendar` (iCal).

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

from gigafibre.dispatch import planner, scoring, travel
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
	"gps_on_site_at",
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


def iso(moment: datetime) -> str:
	return moment.strftime("%Y-%m-%d %H:%M:%S")


# ------------------------------------------------------------------ writing back
