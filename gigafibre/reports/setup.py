"""Indexes the reports read through, and the read access the revenue reports need (created at
install and migrate; idempotent).

Covering indexes on ERPNext's wide tables: a report that scans 100,000 invoices reads these
narrow entries instead of the rows (a Sales Invoice row is some 250 columns), which is what keeps
them within seconds when the rows do not fit in the database's memory. `frappe.db.add_index`
adds an index once (by name) and leaves it alone after.
"""

INDEXES = {
	# Receivables by Service Status: the outstanding invoices of a company, by customer and due date.
	"Sales Invoice": [
		(
			"gfb_receivables",
			["company", "docstatus", "outstanding_amount", "customer", "due_date"],
		),
		# Sales Tax Reconciliation: a company's submitted invoices of a period.
		("gfb_posting", ["company", "docstatus", "posting_date", "customer"]),
	],
	"Sales Taxes and Charges": [
		(
			"gfb_tax_by_parent",
			["parent", "parenttype", "account_head", "base_tax_amount_after_discount_amount"],
		),
	],
	# Sales Tax Reconciliation, the ledger side.
	"GL Entry": [
		(
			"gfb_tax_ledger",
			["company", "account", "posting_date", "is_cancelled", "voucher_type", "credit", "debit"],
		),
	],
	# MRR Movements and the subscriber reports: a company's subscriptions in a date range.
	"Subscription": [
		(
			"gfb_subscription_span",
			["company", "gigafibre_service_location", "start_date", "end_date", "party", "party_type"],
		),
	],
	"Subscription Plan Detail": [
		("gfb_plan_lines", ["parent", "parenttype", "parentfield", "plan", "qty", "gigafibre_rate"]),
	],
	"Subscription Change": [("gfb_change_span", ["subscription", "effective_date"])],
	# Tickets per Subscribers, Repeat Callers: a period's tickets.
	"Issue": [("gfb_opened", ["opening_date", "customer", "issue_type", "status"])],
	# Technician Performance: repeat repairs at a location after a job.
	"Dispatch Job": [("gfb_repeat_repair", ["service_location", "job_type", "creation", "status"])],
}


def ensure_indexes() -> None:
	import frappe

	for doctype, indexes in INDEXES.items():
		for name, fields in indexes:
			frappe.db.add_index(doctype, fields, index_name=name)


# The revenue reports (MRR Movements, Subscribers by Plan and Area on Subscription; Sales Tax
# Reconciliation, Receivables by Service Status on Sales Invoice) are open to the accounting roles
# and the Gigafibre Manager (their Has Role rows, the first gate). Frappe also asks for the
# `report` right on the report's doctype, which ERPNext gives the accounting roles only: the
# Gigafibre Manager gets read + report (no write, no submit) on those two doctypes, so a manager
# without an accounting role opens them. The Technician has neither gate.
REPORT_ACCESS_ROLE = "Gigafibre Manager"
REPORT_ACCESS_DOCTYPES = ("Subscription", "Sales Invoice")


def ensure_report_access() -> None:
	import frappe
	from frappe.permissions import add_permission, setup_custom_perms, update_permission_property

	if not frappe.db.exists("Role", REPORT_ACCESS_ROLE):
		return
	for doctype in REPORT_ACCESS_DOCTYPES:
		setup_custom_perms(doctype)  # the standard rules copied first: a custom rule replaces them
		rule = {"parent": doctype, "role": REPORT_ACCESS_ROLE, "permlevel": 0, "if_owner": 0}
		if not frappe.db.exists("Custom DocPerm", rule):
			add_permission(doctype, REPORT_ACCESS_ROLE, 0, "read")
		for right in ("read", "report"):
			if not frappe.db.get_value("Custom DocPerm", rule, right):
				update_permission_property(doctype, REPORT_ACCESS_ROLE, 0, right, 1, validate=False)
		frappe.clear_cache(doctype=doctype)
