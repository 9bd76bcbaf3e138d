"""Support tickets per 100 subscribers, by area and category, over a date range.

Tickets: the Issues opened in the range (`opening_date`), in the area of their customer's
Service Location (postal code's first three characters, or the city; a customer with several
locations counts under the first area) and their *Issue Type* (the category). Subscribers: the
locations of the area with a Gigafibre subscription active on the range's last day. Tickets per
100 = 100 x tickets / subscribers of the area. One statement.
"""

import frappe
from frappe import _

from gigafibre.reports import filters as common

SQL = """
with loc_area as (
	select l.customer, min({area}) as area from `tabService Location` l
	where l.customer is not null group by l.customer
),
tickets as (
	select coalesce(la.area, '-') as area, coalesce(nullif(i.issue_type, ''), '') as category,
		count(*) as tickets, sum(i.status in ('Open', 'Replied', 'On Hold')) as open_tickets
	from `tabIssue` i{issue_join}
	left join loc_area la on la.customer = i.customer
	where i.opening_date between %(from)s and %(to)s {issue_conditions}
	group by 1, 2
),
subscribers as (
	select {area} as area, count(distinct l.name) as subscribers
	from `tabSubscription` s{sub_join}
	join `tabService Location` l on l.name = s.gigafibre_service_location
	where s.party_type = 'Customer' and s.company = %(company)s
		and s.start_date <= %(to)s and (s.end_date is null or s.end_date >= %(to)s) {sub_conditions}
	group by 1
)
select t.area, t.category, t.tickets, t.open_tickets, coalesce(s.subscribers, 0) as subscribers
from tickets t left join subscribers s on s.area = t.area
order by t.area, t.category
"""


def execute(filters=None):
	filters = frappe._dict(filters or {})
	start, end = common.date_range(filters, months_back=0)
	values = {"from": start, "to": end, "company": common.company(filters)}
	group = common.customer_group_condition(filters, "c", values)
	issue_conditions = group
	if filters.get("issue_type"):
		values["issue_type"] = filters.issue_type
		issue_conditions += " and i.issue_type = %(issue_type)s"
	sql = SQL.format(
		area=common.area_expression(filters, "l"),
		issue_conditions=issue_conditions,
		sub_conditions=group,
		issue_join=common.customer_join(filters, "i.customer"),
		sub_join=common.customer_join(filters, "s.party"),
	)
	rows = frappe.db.sql(sql, values, as_dict=True)
	for row in rows:
		row.tickets, row.subscribers = int(row.tickets or 0), int(row.subscribers or 0)
		row.per_100 = round(100.0 * row.tickets / row.subscribers, 2) if row.subscribers else None
		row.category = row.category or _("Uncategorized")
	chart = None
	if rows:
		by_area: dict[str, list[int]] = {}
		for r in rows:
			by_area.setdefault(r.area, [0, r.subscribers])[0] += r.tickets
		areas = sorted(by_area, key=lambda a: -by_area[a][0])[:20]
		chart = {
			"data": {
				"labels": areas,
				"datasets": [
					{
						"name": _("Tickets per 100 Subscribers"),
						"values": [
							round(100.0 * by_area[a][0] / by_area[a][1], 2) if by_area[a][1] else 0
							for a in areas
						],
					}
				],
			},
			"type": "bar",
		}
	return columns(filters), rows, None, chart


def columns(filters) -> list[dict]:
	return [
		{
			"fieldname": "area",
			"label": _("City") if filters.get("area") == "City" else _("Postal Prefix"),
			"fieldtype": "Data",
			"width": 110,
		},
		{"fieldname": "category", "label": _("Category"), "fieldtype": "Data", "width": 160},
		{"fieldname": "tickets", "label": _("Tickets"), "fieldtype": "Int", "width": 90},
		{"fieldname": "open_tickets", "label": _("Open"), "fieldtype": "Int", "width": 80},
		{"fieldname": "subscribers", "label": _("Subscribers"), "fieldtype": "Int", "width": 100},
		{
			"fieldname": "per_100",
			"label": _("Tickets per 100 Subscribers"),
			"fieldtype": "Float",
			"width": 160,
		},
	]
