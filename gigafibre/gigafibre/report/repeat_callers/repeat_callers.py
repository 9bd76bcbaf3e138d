"""Customers who opened several tickets in the range: at least *Minimum Tickets* (3 by default)
Issues opened between the dates, with their categories, how many are still open, the first and
last, and their service status (Suspended when one of their locations is, else Active when one
is). One grouped statement."""

import frappe
from frappe import _

from gigafibre.reports import filters as common

SQL = """
select r.*, c.customer_name,
	(select case when sum(l.location_status = 'Suspended') > 0 then 'Suspended'
		when sum(l.location_status = 'Active') > 0 then 'Active' else 'Inactive' end
		from `tabService Location` l where l.customer = r.customer) as service_status
from (
	select i.customer, count(*) as tickets,
		sum(i.status in ('Open', 'Replied', 'On Hold')) as open_tickets,
		group_concat(distinct nullif(i.issue_type, '') order by i.issue_type separator ', ') as categories,
		min(i.opening_date) as first_ticket, max(i.opening_date) as last_ticket
	from `tabIssue` i{customer_join}
	where i.opening_date between %(from)s and %(to)s and i.customer is not null {conditions}
	group by i.customer
	having tickets >= %(minimum)s
) r
join `tabCustomer` c on c.name = r.customer
order by r.tickets desc, r.last_ticket desc
"""


def execute(filters=None):
	filters = frappe._dict(filters or {})
	start, end = common.date_range(filters, months_back=2)
	values = {"from": start, "to": end, "minimum": max(int(filters.get("minimum_tickets") or 3), 2)}
	conditions = common.customer_group_condition(filters, "c", values)
	rows = frappe.db.sql(
		SQL.format(conditions=conditions, customer_join=common.customer_join(filters, "i.customer")),
		values,
		as_dict=True,
	)
	for row in rows:
		row.service_status_label = _(row.service_status) if row.service_status else ""
	summary = [
		{"label": _("Repeat Callers"), "value": len(rows), "datatype": "Int", "indicator": "Orange"},
		{"label": _("Their Tickets"), "value": sum(int(r.tickets) for r in rows), "datatype": "Int"},
	]
	return columns(), rows, None, None, summary


def columns() -> list[dict]:
	return [
		{
			"fieldname": "customer",
			"label": _("Customer"),
			"fieldtype": "Link",
			"options": "Customer",
			"width": 200,
		},
		{"fieldname": "customer_name", "label": _("Name"), "fieldtype": "Data", "width": 180},
		{"fieldname": "tickets", "label": _("Tickets"), "fieldtype": "Int", "width": 80},
		{"fieldname": "open_tickets", "label": _("Open"), "fieldtype": "Int", "width": 70},
		{"fieldname": "categories", "label": _("Categories"), "fieldtype": "Data", "width": 220},
		{"fieldname": "first_ticket", "label": _("First Ticket"), "fieldtype": "Date", "width": 100},
		{"fieldname": "last_ticket", "label": _("Last Ticket"), "fieldtype": "Date", "width": 100},
		{
			"fieldname": "service_status_label",
			"label": _("Service Status"),
			"fieldtype": "Data",
			"width": 110,
		},
	]
