"""The Dispatch page's day: technicians with their jobs, and the jobs nobody has yet."""

from datetime import date, datetime, timedelta

import frappe
from frappe.utils import get_datetime

from gigafibre.dispatch import scoring
from gigafibre.dispatch import status as job_status
from gigafibre.dispatch.day import JOB_FIELDS, iso, working_technicians


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
		"window_start": iso(get_datetime(job.window_start)) if job.window_start else None,
		"window_end": iso(get_datetime(job.window_end)) if job.window_end else None,
		"scheduled_start": iso(get_datetime(job.scheduled_start)) if job.scheduled_start else None,
		"scheduled_end": iso(get_datetime(job.scheduled_end)) if job.scheduled_end else None,
		# the technician's GPS stayed at the location while En Route: "on site (GPS)" on the board
		"gps_on_site_at": iso(get_datetime(job.gps_on_site_at)) if job.get("gps_on_site_at") else None,
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
