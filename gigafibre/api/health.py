"""The Gigafibre Health page's endpoint: what is not set up or not working on this site."""

import frappe

HEALTH_ROLES = ("System Manager", "Gigafibre Manager")


@frappe.whitelist(methods=["GET", "POST"])
def report() -> dict:
	"""Every check's line (status, what was found, the fix); System Manager or Gigafibre Manager."""
	frappe.only_for(HEALTH_ROLES)
	from gigafibre.health.service import report as build

	return build()
