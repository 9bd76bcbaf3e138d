"""Desk endpoints for technician links: send ("Envoyer le lien"), revoke one, revoke all."""

import frappe
from frappe import _

from gigafibre.roles import STAFF_ROLES
from gigafibre.tech import links


def _require_dispatcher() -> None:
	# Technicians may write their own jobs; links are the dispatchers' to hand out and take back.
	if not (STAFF_ROLES & set(frappe.get_roles())) or not frappe.has_permission("Dispatch Job", "write"):
		frappe.throw(_("Only dispatchers can send or revoke technician links."), exc=frappe.PermissionError)


def _existing(doctype: str, name: str) -> str:
	if not frappe.db.exists(doctype, name):
		frappe.throw(_("{0} {1} does not exist.").format(_(doctype), name), frappe.DoesNotExistError)
	return name


@frappe.whitelist(methods=["POST"])
def send(technician: str | None = None, dispatch_job: str | None = None) -> dict:
	"""Text the technician a link to today's jobs (for a job: to its technician)."""
	_require_dispatcher()
	if dispatch_job:
		_existing("Dispatch Job", dispatch_job)
	if dispatch_job and not technician:
		technician = frappe.db.get_value("Dispatch Job", dispatch_job, "technician")
	if not technician:
		frappe.throw(_("Pick a technician first."))
	name = links.send_link(_existing("Technician", technician), dispatch_job)
	return {"link": name, "sms_status": frappe.db.get_value("Technician Link", name, "sms_status")}


@frappe.whitelist(methods=["POST"])
def revoke(link: str) -> None:
	_require_dispatcher()
	links.revoke(_existing("Technician Link", link))


@frappe.whitelist(methods=["POST"])
def revoke_all(technician: str) -> dict:
	_require_dispatcher()
	return {"revoked": links.revoke_all(_existing("Technician", technician))}
