"""Plans for a day: optimise, insert an urgent job, hand an absent technician's jobs over; a plan
written back to its Dispatch Jobs, and one job assigned by hand. Dispatchers see changes live
(realtime event `gigafibre_dispatch`)."""

import re
from datetime import date, datetime, timedelta

import frappe
from frappe import _
from frappe.utils import get_datetime

from gigafibre.dispatch import planner, replan
from gigafibre.dispatch import status as job_status
from gigafibre.dispatch.board import job_card
from gigafibre.dispatch.day import EVENT, Day, iso, job_date, read_day, setting
from gigafibre.validation import user_errors


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


def technician_absent(technician: str, day: date, notify_customers: bool = True) -> dict:
	"""`technician` is away on `day`: their jobs go to the others, the most urgent first. The
	customers of their jobs nobody else can fit get a text with a rebooking link (once per job and
	day; `notify_customers=False` for a plan only looked at); `texted` lists those jobs."""
	model = read_day(day)
	if model.problem is None:
		frappe.throw(_("No job to plan."))
	with user_errors():
		_problem, new_plan = replan.remove_technician(model.problem, _current_plan(model), technician)
	out = _plan_out(model, new_plan)
	out["texted"] = []
	if notify_customers:
		from gigafibre.field.customer_texts import notify_absent

		theirs = set(model.current_sequences().get(technician, []))
		left = [u.job for u in new_plan.unassigned if u.job in theirs]
		out["texted"] = notify_absent(technician, day, left)
	return out


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
				"departure": iso(model.at(route.departure)),
				"return": iso(model.at(route.return_)),
				"break_start": iso(model.at(route.break_at)) if route.break_at is not None else None,
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
		"arrival": iso(model.at(stop.arrival)),
		"start": iso(model.at(stop.start)),
		"end": iso(model.at(stop.end)),
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


# What a date and time may look like: YYYY-MM-DD, then optionally HH:MM[:SS[.ffffff]] and a zone.
ISO_MOMENT = re.compile(r"\d{4}-\d{2}-\d{2}([ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?")


def _parse_moment(value):
	if not value:
		return None
	if isinstance(value, datetime):
		return value
	try:
		# get_datetime alone reads "-1" or 7 as some day: only ISO dates and times are accepted.
		if not (isinstance(value, str) and ISO_MOMENT.fullmatch(value.strip())):
			raise ValueError(value)
		return get_datetime(value.strip())
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
