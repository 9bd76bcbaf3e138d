"""The rebooking page `/rendez-vous/<token>`: real slots for the next days, and booking one.

A slot is a customer window of a coming day (`field.slots.WINDOWS`) in which some technician
working that day can still fit the job, checked against that day's routes as they stand with the
planner's insertion (`field.slots.fit`). Booking checks the chosen slot again, under a lock held
until the booking commits (two customers cannot both take the last room in a route), and writes
the job: the new window, the technician and the scheduled start the insertion found. A slot
taken meanwhile answers `booked: false` with a French message and the slots as they are now.
"""

from datetime import date, datetime, timedelta

import frappe
from frappe import _
from frappe.utils import format_date, getdate, now_datetime

from gigafibre.dispatch import status as job_status
from gigafibre.dispatch.day import read_day
from gigafibre.errors import GigafibreError
from gigafibre.field import customer_links, eta_rules, slots

BOOKABLE = (job_status.NEW, job_status.PLANNED, job_status.ASSIGNED, job_status.EN_ROUTE)
LOCK_SECONDS = 20


def _day_fits(job: str, day: date) -> tuple[object, list[slots.Fit]]:
	"""(the day's model, the windows of `day` that can take `job`)."""
	model = read_day(day, extra_jobs=[job], unpin=job)
	if model.problem is None or job not in {j.id for j in model.problem.jobs}:
		return model, []
	try:
		return model, slots.open_windows(model.problem, model.current_sequences(), job)
	except GigafibreError:
		return model, []


def slot_dict(day: date, window: tuple[int, int], language: str = "fr") -> dict:
	start = datetime.combine(day, datetime.min.time()) + timedelta(seconds=window[0])
	end = datetime.combine(day, datetime.min.time()) + timedelta(seconds=window[1])
	return {
		"start": start.isoformat(),
		"end": end.isoformat(),
		"date": day.isoformat(),
		"day_label": format_date(day, "EEEE d MMMM"),
		"time_label": f"{eta_rules.clock_text(start, language)} – {eta_rules.clock_text(end, language)}",
	}


def offer(job: str, today: date | None = None) -> list[dict]:
	"""The slots of the next `slots.DAYS_AHEAD` days that can take `job`, earliest first."""
	today = today or getdate()
	out: list[dict] = []
	for offset in range(1, slots.DAYS_AHEAD + 1):
		day = today + timedelta(days=offset)
		_model, fits = _day_fits(job, day)
		out += [slot_dict(day, f.window) for f in fits]
		if len(out) >= slots.MAX_SLOTS:
			break
	return out[: slots.MAX_SLOTS]


def page(record) -> dict:
	"""What the page shows for a valid rebooking link: the booking made, or the slots."""
	job = frappe.db.get_value(
		"Dispatch Job", record.dispatch_job, ["name", "status", "subject", "address"], as_dict=True
	)
	booked = None
	if record.booked_start:
		booked = slot_dict(
			getdate(record.booked_start),
			(
				_seconds(record.booked_start),
				_seconds(record.booked_end) if record.booked_end else _seconds(record.booked_start),
			),
		)
	bookable = bool(job) and job.status in BOOKABLE and not booked
	return {
		"address": job.address if job else None,
		"booked": booked,
		"slots": offer(record.dispatch_job) if bookable else [],
	}


def book(record, start: str) -> dict:
	"""Book the slot starting at `start` (ISO, as offered) for the link's job."""
	if record.booked_at:
		frappe.throw(_("This appointment was already chosen."), frappe.ValidationError)
	try:
		moment = datetime.fromisoformat(str(start).strip())
	except ValueError:
		frappe.throw(_("{0} is not a valid date and time.").format(start), frappe.ValidationError)
	moment = moment.replace(tzinfo=None)
	day = moment.date()
	today = getdate()
	window = next((w for w in slots.WINDOWS if w[0] == _seconds(moment)), None)
	if window is None or not today < day <= today + timedelta(days=slots.DAYS_AHEAD):
		frappe.throw(_("This is not one of the appointments offered."), frappe.ValidationError)
	job = record.dispatch_job
	_lock(f"gigafibre-rebook-{frappe.local.site}")
	doc = frappe.get_doc("Dispatch Job", job, for_update=True)
	if doc.status not in BOOKABLE:
		frappe.throw(_("This visit can no longer be moved. Call us to change it."), frappe.ValidationError)
	model, _fits = _day_fits(job, day)
	found = (
		slots.fit(model.problem, model.current_sequences(), job, window)
		if model.problem is not None and job in {j.id for j in model.problem.jobs}
		else None
	)
	if found is None:
		return {
			"booked": False,
			"message": _("Sorry, this appointment was just taken. Here are the ones still free."),
			"slots": offer(job),
		}
	base = datetime.combine(day, datetime.min.time())
	if doc.status == job_status.EN_ROUTE:
		doc.status = job_status.ASSIGNED
	doc.technician = found.insertion.technician
	doc.window_start = base + timedelta(seconds=window[0])
	doc.window_end = base + timedelta(seconds=window[1])
	doc.scheduled_start = base + timedelta(seconds=found.insertion.stop.start)
	doc.scheduled_end = None
	doc.flags.ignore_permissions = True
	doc.save()
	now = now_datetime()
	frappe.db.set_value(
		customer_links.DOCTYPE,
		record.name,
		{"booked_at": now, "booked_start": doc.window_start, "booked_end": doc.window_end},
	)
	chosen = slot_dict(day, window)
	doc.add_comment(
		"Info",
		_("The customer chose a new appointment: {0}, {1}.").format(
			chosen["day_label"], chosen["time_label"]
		),
	)
	return {"booked": True, "slot": chosen}


def _seconds(moment) -> int:
	moment = moment if isinstance(moment, datetime) else frappe.utils.get_datetime(moment)
	return moment.hour * 3600 + moment.minute * 60 + moment.second


def _lock(name: str) -> None:
	"""A database lock held until this transaction commits or rolls back."""
	got = frappe.db.sql("select get_lock(%s, %s)", (name, LOCK_SECONDS))[0][0]
	if not got:
		frappe.throw(_("Too many bookings at once. Try again in a minute."), frappe.TooManyRequestsError)

	def release() -> None:
		frappe.db.sql("select release_lock(%s)", (name,))

	frappe.db.after_commit.add(release)
	frappe.db.after_rollback.add(release)
