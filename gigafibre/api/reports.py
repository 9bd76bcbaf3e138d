"""The workspace's number cards that no document count answers (the MRR of this month)."""

import json

import frappe
from frappe import _

from gigafibre.roles import BILLING_ROLES


@frappe.whitelist(methods=["GET", "POST"])
def mrr_card(filters: str | dict | None = None) -> dict:
	"""This month's MRR (the MRR Movements report's definition) for the number card; accounting
	roles and Gigafibre Managers only, as the report."""
	if BILLING_ROLES.isdisjoint(frappe.get_roles()):
		raise frappe.PermissionError(
			_("Only accounting staff or a Gigafibre Manager can read revenue figures.")
		)
	from gigafibre.gigafibre.report.mrr_movements.mrr_movements import monthly

	if isinstance(filters, str):
		try:
			filters = json.loads(filters or "{}")
		except ValueError:
			raise frappe.ValidationError(_("filters must be a JSON object.")) from None
	filters = frappe._dict(filters if isinstance(filters, dict) else {})
	day = frappe.utils.getdate()
	rows = monthly(frappe._dict(company=filters.get("company"), from_date=day, to_date=day))
	return {"value": rows[-1].mrr if rows else 0, "fieldtype": "Currency"}
