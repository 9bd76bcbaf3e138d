"""The Gigafibre Health page's endpoint: what is not set up or not working on this site."""

import frappe
from frappe import _

HEALTH_ROLES = ("System Manager", "Gigafibre Manager")


@frappe.whitelist(methods=["GET", "POST"])
def report() -> dict:
	"""Every check's line (status, what was found, the fix); System Manager or Gigafibre Manager."""
	# (not frappe.only_for, which lets everyone through in tests)
	if set(HEALTH_ROLES).isdisjoint(frappe.get_roles()):
		raise frappe.PermissionError(_("Only a System Manager or a Gigafibre Manager can read this report."))
	from gigafibre.health.service import report as build

	return build()
