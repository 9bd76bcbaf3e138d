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
