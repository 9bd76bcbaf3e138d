"""Outages that started in the range: how long each lasted and how many customers it cut off.

Duration: started_at to resolved_at (an open outage: to now, marked open). MTTR: the mean
duration of the resolved ones. Customers affected: the distinct customers of the outage's
affected locations (Outage Location rows), else its `affected_count`. One grouped statement.
"""

from datetime import timedelta

import frappe
from frappe import _
from frappe.utils import now_datetime

from gigafibre.reports import filters as common

SQL = """
select o.name, o.monitor_name, o.olt, o.pon_port, o.status, o.started_at, o.resolved_at,
	timestampdiff(second, o.started_at, coalesce(o.resolved_at, %(now)s)) / 60 as minutes,
	greatest(coalesce(count(distinct ol.customer), 0), coalesce(o.affected_count, 0)) as customers,
	count(distinct ol.service_location) as locations
from `tabOutage` o
left join `tabOutage Location` ol on ol.parent = o.name and ol.parenttype = 'Outage'
where o.started_at >= %(from)s and o.started_at < %(to)s {conditions}
group by o.name
order by o.started_at desc
"""


def execute(filters=None):
	filters = frappe._dict(filters or {})
	start, end = common.date_range(filters, months_back=2)
	values = {"from": start, "to": end + timedelta(days=1), "now": now_datetime()}
	conditions = ""
	if filters.get("olt"):
		values["olt"] = filters.olt
		conditions = " and o.olt = %(olt)s"
	rows = frappe.db.sql(SQL.format(conditions=conditions), values, as_dict=True)
	for row in rows:
		row.minutes = round(float(row.minutes or 0), 1)
		row.customer_minutes = round(row.minutes * int(row.customers or 0), 1)
		row.status_label = _(row.status) if row.status else ""
	resolved = [r.minutes for r in rows if r.status == "Resolved"]
	mttr = round(sum(resolved) / len(resolved), 1) if resolved else 0
	summary = [
		{"label": _("Outages"), "value": len(rows), "datatype": "Int"},
		{"label": _("MTTR (minutes)"), "value": mttr, "datatype": "Float", "indicator": "Orange"},
		{
			"label": _("Customers Affected"),
			"value": sum(int(r.customers or 0) for r in rows),
			"datatype": "Int",
		},
		{
			"label": _("Open"),
			"value": sum(1 for r in rows if r.status == "Open"),
			"datatype": "Int",
			"indicator": "Red",
		},
	]
	chart = None
	if rows:
		by_month: dict[str, list] = {}
		for r in rows:
			by_month.setdefault(r.started_at.strftime("%Y-%m"), []).append(r)
		months = sorted(by_month)
		chart = {
			"data": {
				"labels": months,
				"datasets": [
					{"name": _("Outages"), "chartType": "bar", "values": [len(by_month[m]) for m in months]},
					{
						"name": _("MTTR (minutes)"),
						"chartType": "line",
						"values": [
							round(sum(r.minutes for r in by_month[m]) / len(by_month[m]), 1) for m in months
						],
					},
				],
			},
			"type": "axis-mixed",
		}
	return columns(), rows, None, chart, summary


def columns() -> list[dict]:
	return [
		{"fieldname": "name", "label": _("Outage"), "fieldtype": "Link", "options": "Outage", "width": 110},
		{"fieldname": "monitor_name", "label": _("Monitor"), "fieldtype": "Data", "width": 160},
		{"fieldname": "olt", "label": _("OLT"), "fieldtype": "Data", "width": 120},
		{"fieldname": "pon_port", "label": _("PON Port"), "fieldtype": "Data", "width": 90},
		{"fieldname": "status_label", "label": _("Status"), "fieldtype": "Data", "width": 90},
		{"fieldname": "started_at", "label": _("Started At"), "fieldtype": "Datetime", "width": 150},
		{"fieldname": "resolved_at", "label": _("Resolved At"), "fieldtype": "Datetime", "width": 150},
		{"fieldname": "minutes", "label": _("Duration (min)"), "fieldtype": "Float", "width": 110},
		{"fieldname": "customers", "label": _("Customers Affected"), "fieldtype": "Int", "width": 120},
		{"fieldname": "locations", "label": _("Locations"), "fieldtype": "Int", "width": 90},
		{"fieldname": "customer_minutes", "label": _("Customer-Minutes"), "fieldtype": "Float", "width": 120},
	]
