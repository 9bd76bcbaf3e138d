"""What each customer owes, aged by due date, beside the status of their service.

Outstanding: the `outstanding_amount` of the customer's submitted Sales Invoices (credit notes
negative), aged by the days from the due date to the report date: 0-30 (not yet due included),
31-60, 61-90, 90+. Service: how many of the customer's Service Locations are Active and
Suspended; *Service Status* is Suspended when one is, else Active when one is, else Inactive.
ERPNext's own Accounts Receivable (linked from the workspace) stays the ledger's answer; this
one adds the service. Two grouped statements (the invoices; the locations of those customers).
"""

import frappe
from frappe import _
from frappe.utils import getdate, today

from gigafibre.reports import filters as common

SQL = """
select r.*, c.customer_name from (
	select si.customer,
		sum(si.outstanding_amount) as outstanding,
		sum(case when datediff(%(day)s, si.due_date) <= 30 then si.outstanding_amount else 0 end) as d0_30,
		sum(case when datediff(%(day)s, si.due_date) between 31 and 60 then si.outstanding_amount else 0 end) as d31_60,
		sum(case when datediff(%(day)s, si.due_date) between 61 and 90 then si.outstanding_amount else 0 end) as d61_90,
		sum(case when datediff(%(day)s, si.due_date) > 90 then si.outstanding_amount else 0 end) as d90,
		count(*) as invoices, min(si.due_date) as oldest_due
	from `tabSales Invoice` si{customer_join}
	where si.docstatus = 1 and si.company = %(company)s and si.outstanding_amount != 0 {conditions}
	group by si.customer
	having outstanding != 0
) r
join `tabCustomer` c on c.name = r.customer
order by r.outstanding desc
"""

LOCATIONS = """
select customer,
	sum(location_status = 'Active') as active,
	sum(location_status = 'Suspended') as suspended
from `tabService Location`
where customer in %(customers)s
group by customer
"""


def execute(filters=None):
	filters = frappe._dict(filters or {})
	values = {"company": common.company(filters), "day": getdate(filters.get("date") or today())}
	conditions = common.customer_group_condition(filters, "c", values)
	if filters.get("customer"):
		values["customer"] = filters.customer
		conditions += " and si.customer = %(customer)s"
	rows = frappe.db.sql(
		SQL.format(conditions=conditions, customer_join=common.customer_join(filters, "si.customer")),
		values,
		as_dict=True,
	)
	services = {}
	if rows:
		services = {
			r.customer: r
			for r in frappe.db.sql(LOCATIONS, {"customers": tuple(r.customer for r in rows)}, as_dict=True)
		}
	wanted = filters.get("service_status")
	out = []
	for row in rows:
		service = services.get(row.customer) or frappe._dict(active=0, suspended=0)
		row.active, row.suspended = int(service.active or 0), int(service.suspended or 0)
		row.service_status = "Suspended" if row.suspended else "Active" if row.active else "Inactive"
		if wanted and row.service_status != wanted:
			continue
		row.service_status_label = _(row.service_status)
		for key in ("outstanding", "d0_30", "d31_60", "d61_90", "d90"):
			row[key] = float(row[key] or 0)
		out.append(row)
	return columns(), out, None, chart(out), summary(out)


def columns() -> list[dict]:
	money = {"fieldtype": "Currency", "width": 110}
	return [
		{
			"fieldname": "customer",
			"label": _("Customer"),
			"fieldtype": "Link",
			"options": "Customer",
			"width": 200,
		},
		{"fieldname": "customer_name", "label": _("Name"), "fieldtype": "Data", "width": 180},
		{
			"fieldname": "service_status_label",
			"label": _("Service Status"),
			"fieldtype": "Data",
			"width": 110,
		},
		{"fieldname": "active", "label": _("Active"), "fieldtype": "Int", "width": 70},
		{"fieldname": "suspended", "label": _("Suspended"), "fieldtype": "Int", "width": 90},
		{"fieldname": "outstanding", "label": _("Outstanding"), **money},
		{"fieldname": "d0_30", "label": _("0-30 Days"), **money},
		{"fieldname": "d31_60", "label": _("31-60 Days"), **money},
		{"fieldname": "d61_90", "label": _("61-90 Days"), **money},
		{"fieldname": "d90", "label": _("Over 90 Days"), **money},
		{"fieldname": "invoices", "label": _("Invoices"), "fieldtype": "Int", "width": 80},
		{"fieldname": "oldest_due", "label": _("Oldest Due Date"), "fieldtype": "Date", "width": 110},
	]


def chart(rows) -> dict | None:
	if not rows:
		return None
	keys = ("d0_30", "d31_60", "d61_90", "d90")
	labels = [_("0-30 Days"), _("31-60 Days"), _("61-90 Days"), _("Over 90 Days")]
	datasets = []
	for status in ("Active", "Suspended", "Inactive"):
		mine = [r for r in rows if r.service_status == status]
		if mine:
			datasets.append({"name": _(status), "values": [sum(r[k] for r in mine) for k in keys]})
	return {"data": {"labels": labels, "datasets": datasets}, "type": "bar", "barOptions": {"stacked": 1}}


def summary(rows) -> list[dict]:
	suspended = [r for r in rows if r.service_status == "Suspended"]
	return [
		{"label": _("Outstanding"), "value": sum(r.outstanding for r in rows), "datatype": "Currency"},
		{
			"label": _("Owed by suspended customers"),
			"value": sum(r.outstanding for r in suspended),
			"datatype": "Currency",
			"indicator": "Red",
		},
		{
			"label": _("Over 90 Days"),
			"value": sum(r.d90 for r in rows),
			"datatype": "Currency",
			"indicator": "Orange",
		},
	]
