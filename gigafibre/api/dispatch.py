"""Dispatch endpoints for the desk's Dispatch page and the ops SPA: suggest, plan, apply, assign, board;
and a technician's calendar feed (iCal) behind a signed, revocable token.

Callers are dispatchers (Dispatcher, Gigafibre Manager, System Manager) with a session; reads need
read permission on Dispatch Job, writes need write permission. Dates are `YYYY-MM-DD`, today when
left out. Everything else lives in `gigafibre.dispatch` (`day`, `plans`, `suggestions`, `board`,
`calendar`, `day_map`).
"""

import json

import frappe
from frappe import _
from frappe.rate_limiter import rate_limit
from werkzeug.wrappers import Response

from gigafibre.auth.service import request_token
from gigafibre.dispatch import board as board_
from gigafibre.dispatch import calendar as calendar_
from gigafibre.dispatch import day, day_map, plans, suggestions
from gigafibre.roles import STAFF_ROLES


def _allow(permission: str) -> None:
	if not (STAFF_ROLES & set(frappe.get_roles())) or not frappe.has_permission("Dispatch Job", permission):
		frappe.throw(_("Only dispatchers may plan and assign jobs."), frappe.PermissionError)


def _job(name: str) -> str:
	if not name or not isinstance(name, str) or not frappe.db.exists("Dispatch Job", name):
		frappe.throw(_("Dispatch Job {0} does not exist.").format(name), frappe.DoesNotExistError)
	return name


@frappe.whitelist(methods=["GET", "POST"])
def suggest(job: str) -> dict:
	"""Every technician ranked for `job`, best first, with the reasons for each."""
	_allow("read")
	return suggestions.suggest(_job(job))


@frappe.whitelist(methods=["GET", "POST"])
def board(date: str | None = None) -> dict:
	"""The day's technicians with their jobs, and the jobs waiting for one."""
	_allow("read")
	return board_.board(day.parse_date(date))


@frappe.whitelist(methods=["GET", "POST"])
def map_data(date: str | None = None) -> dict:
	"""The day on the map in one payload: jobs with coordinates, status, priority, technician, place
	in the day and whether they wait for a technician; technicians at their last position (or home)
	with their planned route; the tile server from settings."""
	_allow("read")
	return day_map.map_data(day.parse_date(date))


@frappe.whitelist(methods=["POST"])
def plan(date: str | None = None, apply: bool = False) -> dict:
	"""The optimised plan for `date` with before/after travel totals; applied at once if `apply`."""
	apply = frappe.utils.sbool(apply)
	_allow("write" if apply else "read")
	result = plans.plan(day.parse_date(date))
	if apply:
		result["applied"] = plans.apply(result)
	return result


@frappe.whitelist(methods=["POST"])
def apply(plan: dict | str) -> dict:
	"""Write a plan (as returned by `plan`) to its jobs: {updated, skipped (with reasons), unchanged}."""
	_allow("write")
	if isinstance(plan, str):
		try:
			plan = json.loads(plan)
		except ValueError:
			frappe.throw(_("This is not a dispatch plan."), frappe.ValidationError)
	return plans.apply(plan)


@frappe.whitelist(methods=["POST"])
def assign(job: str, technician: str | None, scheduled_start: str | None = None) -> dict:
	"""Hand `job` to `technician` (empty to take it back), optionally at `scheduled_start`.
	`technician` must be sent, and may be blank (`str | None` without a default)."""
	_allow("write")
	return plans.assign(_job(job), technician or None, scheduled_start or None)


@frappe.whitelist(methods=["POST"])
def calendar_link(technician: str) -> dict:
	"""A new calendar feed URL for `technician` (revocable from its Calendar Token)."""
	_allow("write")
	if not technician or not frappe.db.exists("Technician", technician):
		frappe.throw(_("Technician {0} does not exist.").format(technician), frappe.DoesNotExistError)
	return calendar_.issue_calendar_link(technician)


@frappe.whitelist(allow_guest=True, methods=["GET"])
@rate_limit(limit=120, seconds=3600)
def calendar(token: str | None = None) -> Response:
	"""The technician's jobs as an iCalendar (.ics) feed, for a calendar app to subscribe to.

	The token comes in the URL (`?token=`, what calendar apps can send) or the X-Gigafibre-Token header."""
	technician = calendar_.technician_for_calendar(token or request_token())
	response = Response(calendar_.calendar_feed(technician), mimetype="text/calendar")
	response.headers["Content-Disposition"] = 'inline; filename="gigafibre.ics"'
	response.headers["Cache-Control"] = "private, max-age=300"
	return response


@frappe.whitelist(methods=["POST"])
def insert_urgent(job: str) -> dict:
	"""Today's plan with an urgent job put where it disturbs least; `apply` it to write it."""
	_allow("write")
	return plans.insert_urgent(_job(job))


@frappe.whitelist(methods=["POST"])
def technician_absent(technician: str, date: str | None = None, notify_customers: bool = True) -> dict:
	"""The day's plan with an absent technician's jobs handed to the others; `apply` it to write it.
	The customers of the jobs nobody else can fit are texted a rebooking link (`texted`), unless
	`notify_customers` is false."""
	_allow("write")
	if not frappe.db.exists("Technician", technician):
		raise frappe.DoesNotExistError(_("Technician {0} does not exist.").format(technician))
	return plans.technician_absent(
		technician, day.parse_date(date), notify_customers=frappe.utils.sbool(notify_customers)
	)


@frappe.whitelist(methods=["GET", "POST"])
@rate_limit(limit=120, seconds=60)
def breadcrumbs(technician: str, date: str | None = None) -> list[dict]:
	"""The technician's GPS route on `date` (site-local day, today when empty), read from Traccar:
	[{lat, lon, at, speed_kmh}], oldest first. 503 when Traccar is not configured or not answering."""
	_allow("read")
	from gigafibre.field import live

	if not frappe.db.exists("Technician", technician):
		raise frappe.DoesNotExistError(_("Technician {0} does not exist.").format(technician))
	return live.breadcrumbs(technician, day.parse_date(date))
