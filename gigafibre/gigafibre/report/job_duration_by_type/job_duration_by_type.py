"""Mean time to complete by job type: check-in to check-out of the completed jobs whose check-out
falls in the range, beside the planned duration (expected_duration). One grouped statement."""

from datetime import timedelta

import frappe
from frappe import _

from gigafibre.reports import filters as common

SQL = """
select j.job_type, count(*) as jobs,
	avg(timestampdiff(second, j.check_in_at, j.check_out_at)) / 60 as mean_minutes,
	min(timestampdiff(second, j.check_in_at, j.check_out_at)) / 60 as min_minutes,
	max(timestampdiff(second, j.check_in_at, j.check_out_at)) / 60 as max_minutes,
	avg(j.expected_duration) as planned_minutes
from `tabDispatch Job` j
where j.status = 'Completed' and j.check_out_at >= %(from)s and j.check_out_at < %(to)s
	and j.check_in_at is not null and j.check_out_at >= j.check_in_at {conditions}
group by j.job_type
order by j.job_type
"""


def execute(filters=None):
	filters = frappe._dict(filters or {})
	start, end = common.date_range(filters, months_back=0)
	values = {"from": start, "to": end + timedelta(days=1)}
	conditions = ""
	if filters.get("technician"):
		values["technician"] = filters.technician
		conditions = " and j.technician = %(technician)s"
	rows = frappe.db.sql(SQL.format(conditions=conditions), values, as_dict=True)
	for row in rows:
		for key in ("mean_minutes", "min_minutes", "max_minutes", "planned_minutes"):
			row[key] = round(float(row[key] or 0), 1)
		row.job_type_label = _(row.job_type) if row.job_type else ""
		row.overrun = round(row.mean_minutes - row.planned_minutes, 1) if row.planned_minutes else None
	chart = None
	if rows:
		chart = {
			"data": {
				"labels": [r.job_type_label for r in rows],
				"datasets": [
					{"name": _("Mean Minutes"), "values": [r.mean_minutes for r in rows]},
					{"name": _("Planned Minutes"), "values": [r.planned_minutes for r in rows]},
				],
			},
			"type": "bar",
		}
	return columns(), rows, None, chart


def columns() -> list[dict]:
	num = {"fieldtype": "Float", "width": 120}
	return [
		{"fieldname": "job_type_label", "label": _("Job Type"), "fieldtype": "Data", "width": 140},
		{"fieldname": "jobs", "label": _("Completed"), "fieldtype": "Int", "width": 90},
		{"fieldname": "mean_minutes", "label": _("Mean Minutes"), **num},
		{"fieldname": "min_minutes", "label": _("Shortest (min)"), **num},
		{"fieldname": "max_minutes", "label": _("Longest (min)"), **num},
		{"fieldname": "planned_minutes", "label": _("Planned Minutes"), **num},
		{"fieldname": "overrun", "label": _("Over Plan (min)"), **num},
	]
