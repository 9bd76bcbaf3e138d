"""Subscribers, MRR and ARR by plan (each monthly line: plans and add-ons) and area, on a day.

A subscriber is a Service Location whose Gigafibre subscription is active on the day (begun on or
before it, not ended before it), counted under every item it pays for monthly and split by the
location's status (Active / Suspended). MRR of a line = qty x Contracted Monthly Rate (an empty
rate: the plan's selling price); the lines are the subscription's current ones. Area: the postal
code's first three characters (forward sortation area) or the city. One grouped statement.
"""

import frappe
from frappe import _
from frappe.utils import getdate, today

from gigafibre.reports import filters as common

SQL = """
select p.item as item, i.item_name as item_name, {area} as area,
	count(distinct l.name) as subscribers,
	count(distinct case when l.location_status = 'Active' then l.name end) as active,
	count(distinct case when l.location_status = 'Suspended' then l.name end) as suspended,
	sum(d.qty * coalesce(nullif(d.gigafibre_rate, 0), ip.rate, 0)) as mrr
from `tabSubscription` s{customer_join}
join `tabService Location` l on l.name = s.gigafibre_service_location
join `tabSubscription Plan Detail` d on d.parent = s.name and d.parenttype = 'Subscription' and d.parentfield = 'plans'
join `tabSubscription Plan` p on p.name = d.plan
left join `tabItem` i on i.name = p.item
left join (
	select item_code, price_list, max(price_list_rate) as rate from `tabItem Price`
	where selling = 1 group by item_code, price_list
) ip on ip.item_code = p.item and ip.price_list = p.price_list
where s.party_type = 'Customer' and s.company = %(company)s
	and s.start_date <= %(day)s and (s.end_date is null or s.end_date >= %(day)s) {conditions}
group by p.item, i.item_name, {area}
order by p.item, {area}
"""


def execute(filters=None):
	filters = frappe._dict(filters or {})
	values = {"company": common.company(filters), "day": getdate(filters.get("date") or today())}
	conditions = common.customer_group_condition(filters, "c", values)
	area = common.area_expression(filters, "l")
	rows = frappe.db.sql(
		SQL.format(area=area, conditions=conditions, customer_join=common.customer_join(filters, "s.party")),
		values,
		as_dict=True,
	)
	for row in rows:
		row.mrr = float(row.mrr or 0)
		row.arr = 12 * row.mrr
		row.arpu = round(row.mrr / row.subscribers, 2) if row.subscribers else None
	return columns(filters), rows, None, chart(rows), summary(rows)


def columns(filters) -> list[dict]:
	money = {"fieldtype": "Currency", "width": 120}
	return [
		{"fieldname": "item", "label": _("Plan"), "fieldtype": "Link", "options": "Item", "width": 180},
		{"fieldname": "item_name", "label": _("Name"), "fieldtype": "Data", "width": 180},
		{
			"fieldname": "area",
			"label": _("City") if filters.get("area") == "City" else _("Postal Prefix"),
			"fieldtype": "Data",
			"width": 110,
		},
		{"fieldname": "subscribers", "label": _("Subscribers"), "fieldtype": "Int", "width": 100},
		{"fieldname": "active", "label": _("Active"), "fieldtype": "Int", "width": 90},
		{"fieldname": "suspended", "label": _("Suspended"), "fieldtype": "Int", "width": 90},
		{"fieldname": "mrr", "label": _("MRR"), **money},
		{"fieldname": "arr", "label": _("ARR"), **money},
		{"fieldname": "arpu", "label": _("ARPU"), **money},
	]


def chart(rows) -> dict | None:
	by_item: dict[str, int] = {}
	for row in rows:
		by_item[row.item_name or row.item] = by_item.get(row.item_name or row.item, 0) + row.subscribers
	if not by_item:
		return None
	return {
		"data": {
			"labels": list(by_item),
			"datasets": [{"name": _("Subscribers"), "values": list(by_item.values())}],
		},
		"type": "bar",
	}


def summary(rows) -> list[dict]:
	return [
		{"label": _("MRR"), "value": sum(r.mrr for r in rows), "datatype": "Currency", "indicator": "Blue"}
	]
