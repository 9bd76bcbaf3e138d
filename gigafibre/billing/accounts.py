"""What a Service Location owes, from ERPNext's own invoices (no ledger of ours).

A location's balance is the sum of `outstanding_amount` over its submitted Sales Invoices (those
whose `gigafibre_service_location` is the location), credit notes included: a credit note's
negative outstanding lowers it.
"""

import frappe
from frappe.utils import flt


def location_balance(service_location: str) -> float:
	"""The location's balance in the company currency of its invoices (> 0: owed; ≤ 0: cleared)."""
	if not service_location:
		return 0.0
	rows = frappe.get_all(
		"Sales Invoice",
		filters={"docstatus": 1, "gigafibre_service_location": service_location},
		fields=["sum(outstanding_amount) as balance"],
	)
	return flt(rows[0].balance if rows else 0)


def outstanding_invoices(service_location: str) -> list[dict]:
	"""The location's submitted invoices still owing something, oldest first."""
	return frappe.get_all(
		"Sales Invoice",
		filters={
			"docstatus": 1,
			"gigafibre_service_location": service_location,
			"outstanding_amount": (">", 0),
		},
		fields=[
			"name",
			"customer",
			"outstanding_amount",
			"due_date",
			"gigafibre_disputed",
			"gigafibre_ppa_pending",
		],
		order_by="posting_date asc, name asc",
	)
