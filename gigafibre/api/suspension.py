"""The day's suspensions for managers: list, approve (run now), skip (with a reason), retry a failed
one. Reached as `gigafibre.api.billing.approve_suspension` etc. (re-exported there) and from the
Service Suspension form. Only a Gigafibre Manager (or System Manager) decides; everything else
lives in `gigafibre.billing.suspension`."""

import frappe
from frappe import _
from frappe.rate_limiter import rate_limit

from gigafibre.billing import suspension
from gigafibre.roles import MANAGER_ROLES, STAFF_ROLES


def _allow(roles: frozenset, message: str) -> None:
	if frappe.session.user == "Guest":
		frappe.throw(_("Sign in to see suspensions."), exc=frappe.AuthenticationError)
	if not roles & set(frappe.get_roles()):
		frappe.throw(message, exc=frappe.PermissionError)


def _allow_manager() -> None:
	_allow(MANAGER_ROLES, _("Only a Gigafibre Manager can approve, skip or retry a suspension."))


def state(name: str) -> dict:
	doc = frappe.get_doc(suspension.DOCTYPE, name)
	return {
		"name": doc.name,
		"action": doc.action,
		"status": doc.status,
		"service_location": doc.service_location,
		"customer": doc.customer,
		"scheduled_at": doc.scheduled_at,
		"attempts": doc.attempts,
		"next_attempt_at": doc.next_attempt_at,
		"approved_by": doc.approved_by,
		"skipped_by": doc.skipped_by,
		"skip_reason": doc.skip_reason,
		"last_error": doc.last_error,
		"devices": [
			{"equipment": d.equipment, "status": d.status, "attempts": d.attempts, "error": d.error}
			for d in doc.devices
		],
	}


@frappe.whitelist(methods=["GET"])
@rate_limit(limit=120, seconds=60)
def due_suspensions() -> list[dict]:
	"""The dry run of the day: the suspensions proposed to run today."""
	_allow(STAFF_ROLES, _("You are not allowed to see suspensions."))
	return suspension.due_today()


@frappe.whitelist(methods=["POST"])
@rate_limit(limit=60, seconds=60)
def approve_suspension(name: str) -> dict:
	"""Run a proposed suspension now instead of at its scheduled time."""
	_allow_manager()
	suspension.approve(name)
	return state(name)


@frappe.whitelist(methods=["POST"])
@rate_limit(limit=60, seconds=60)
def skip_suspension(name: str, reason: str) -> dict:
	"""Do not run it; the reason is kept. A suspension already begun is followed by a restoration."""
	_allow_manager()
	suspension.skip(name, reason)
	return state(name)


@frappe.whitelist(methods=["POST"])
@rate_limit(limit=60, seconds=60)
def retry_suspension(name: str) -> dict:
	"""Try a failed suspension or restoration again, with all its attempts."""
	_allow_manager()
	suspension.retry(name)
	return state(name)
