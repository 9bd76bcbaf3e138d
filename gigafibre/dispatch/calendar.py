"""A technician's jobs as an iCalendar feed, behind a signed, revocable token."""

from datetime import datetime, timedelta

import frappe
from frappe import _
from frappe.utils import get_datetime, getdate

from gigafibre.dispatch import status as job_status
from gigafibre.dispatch.day import JOB_FIELDS
from gigafibre.validation import user_errors

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
