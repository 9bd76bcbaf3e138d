"""Field work by technician (or by technician and day) over a date range.

A job belongs to the day of its scheduled start. *Jobs*: not cancelled; *Completed*; *Jobs per
Day*: completed jobs / days with at least one. *On time*: the check-in inside the customer's
window (Dispatch Job window_start .. window_end; early = before the start, late = after the end),
over the jobs that have a window and a check-in. *First-time fix*: a completed Install, Repair,
Upgrade or Maintenance job is fixed first time unless a Repair job (not cancelled) is created at
the same Service Location within 30 days after its check-out. *Gate failed / Overridden*: the
network acceptance gate's outcome. *Planned travel share*: the planner's travel model
(dispatch/travel.py estimate, with the Settings' road factor and speed) over the day's route
home -> jobs in scheduled order -> home, divided by the shift's working time that weekday (less
its break); without a shift, by the span from the first job's start to the last one's end plus
that travel. *Actual travel share*: the time from leaving a job (its check-out; for the day's
first job, the shift's start) to arriving at the next (the GPS arrival `gps_on_site_at` from the
Traccar geofence, or the check-in, whichever came first), over the same working time (without a
shift: from the first arrival to the last check-out); legs with no known start count 0.
Aggregates are one grouped statement; both travel shares read the day's jobs once.
"""

from collections import defaultdict
from datetime import datetime, time, timedelta

import frappe
from frappe import _
from frappe.utils import get_datetime

from gigafibre.dispatch import travel
from gigafibre.dispatch.shifts import WEEKDAYS, to_time
from gigafibre.reports import filters as common
from gigafibre.reports import kpi

FIX_TYPES = ("Install", "Repair", "Upgrade", "Maintenance")
MOMENTS = ("scheduled_start", "scheduled_end", "check_in_at", "gps_on_site_at", "check_out_at")

SQL = """
select j.technician, max(j.technician_name) as technician_name, {day} as day,
	count(*) as jobs,
	sum(j.status = 'Completed') as completed,
	count(distinct case when j.status = 'Completed' then date(j.scheduled_start) end) as days,
	sum(j.check_in_at is not null and (j.window_start is not null or j.window_end is not null)) as with_window,
	sum(j.check_in_at is not null and j.window_start is not null and j.check_in_at < j.window_start) as early,
	sum(j.check_in_at is not null and j.window_end is not null and j.check_in_at > j.window_end) as late,
	sum(j.status = 'Completed' and j.job_type in %(fix_types)s) as fix_jobs,
	sum(j.status = 'Completed' and j.job_type in %(fix_types)s and exists (
		select 1 from `tabDispatch Job` r
		where r.service_location = j.service_location and r.job_type = 'Repair' and r.name != j.name
			and r.status != 'Cancelled'
			and r.creation > coalesce(j.check_out_at, j.scheduled_end)
			and r.creation <= coalesce(j.check_out_at, j.scheduled_end) + interval 30 day
	)) as repeats,
	sum(j.acceptance_status = 'Failed') as gate_failed,
	sum(j.acceptance_status = 'Overridden' or j.acceptance_override = 1) as overridden
from `tabDispatch Job` j
where j.scheduled_start >= %(from)s and j.scheduled_start < %(to)s
	and j.status != 'Cancelled' and j.technician is not null {conditions}
group by j.technician{by_day}
order by j.technician{by_day}
"""

# The day's moments as seconds from its midnight: 30,000 jobs x 5 datetimes read as numbers, not
# parsed one by one into datetimes by the driver.
ROUTES = """
select j.technician, date(j.scheduled_start) as day,
	timestampdiff(second, date(j.scheduled_start), j.scheduled_start) as scheduled_start,
	timestampdiff(second, date(j.scheduled_start), j.scheduled_end) as scheduled_end,
	timestampdiff(second, date(j.scheduled_start), j.check_in_at) as check_in_at,
	timestampdiff(second, date(j.scheduled_start), j.gps_on_site_at) as gps_on_site_at,
	timestampdiff(second, date(j.scheduled_start), j.check_out_at) as check_out_at,
	l.latitude, l.longitude, t.home_latitude, t.home_longitude
from `tabDispatch Job` j
join `tabTechnician` t on t.name = j.technician
left join `tabService Location` l on l.name = j.service_location
where j.scheduled_start >= %(from)s and j.scheduled_start < %(to)s
	and j.status != 'Cancelled' and j.technician is not null {conditions}
order by j.technician, j.scheduled_start
"""


def execute(filters=None):
	filters = frappe._dict(filters or {})
	start, end = common.date_range(filters, months_back=0)
	values = {"from": start, "to": end + timedelta(days=1), "fix_types": FIX_TYPES}
	conditions = ""
	if filters.get("technician"):
		values["technician"] = filters.technician
		conditions = " and j.technician = %(technician)s"
	by_day = filters.get("group_by") == "Technician and Day"
	rows = frappe.db.sql(
		SQL.format(
			day="date(j.scheduled_start)" if by_day else "null",
			by_day=", date(j.scheduled_start)" if by_day else "",
			conditions=conditions,
		),
		values,
		as_dict=True,
	)
	shares = travel_shares(values, conditions)
	per_tech: dict[str, list] = defaultdict(lambda: [0, 0, 0, 0])
	for (tech, _day), day_share in shares.items():
		for i, seconds in enumerate(day_share):
			per_tech[tech][i] += seconds
	for row in rows:
		for key in ("jobs", "completed", "days", "with_window", "early", "late", "fix_jobs", "repeats"):
			row[key] = int(row[key] or 0)
		row.on_time = row.with_window - row.early - row.late
		row.on_time_rate = kpi.ratio(row.on_time, row.with_window)
		row.first_time_fix = kpi.ratio(row.fix_jobs - row.repeats, row.fix_jobs)
		row.jobs_per_day = round(row.completed / row.days, 2) if row.days else 0
		travel_s, work_s, actual_s, actual_work_s = (
			shares.get((row.technician, row.day), (0, 0, 0, 0)) if by_day else per_tech[row.technician]
		)
		row.travel_hours = round(travel_s / 3600, 2)
		row.travel_share = kpi.ratio(travel_s, work_s)
		row.actual_travel_hours = round(actual_s / 3600, 2)
		row.actual_travel_share = kpi.ratio(actual_s, actual_work_s)
	return columns(by_day), rows, None, chart(rows, by_day)


def travel_shares(values: dict, conditions: str) -> dict[tuple, tuple[int, int, int, int]]:
	"""{(technician, day): (planned travel seconds, working seconds, actual travel seconds, actual
	working seconds)} from one read of the day's jobs."""
	from gigafibre.dispatch.day import setting

	road, speed = float(setting("dispatch_road_factor")), float(setting("dispatch_average_speed"))
	jobs = frappe.db.sql(ROUTES.format(conditions=conditions), values, as_dict=True)
	shifts = defaultdict(dict)
	for s in frappe.get_all(
		"Technician Shift",
		filters={"parenttype": "Technician", "parent": ("in", list({j.technician for j in jobs}) or [""])},
		fields=["parent", "weekday", "start_time", "end_time", "break_minutes"],
	):
		shifts[s.parent][s.weekday] = s
	routes: dict[tuple, list] = defaultdict(list)
	for job in jobs:
		midnight = datetime.combine(job.day, time.min)
		for key in MOMENTS:
			if job[key] is not None:
				job[key] = midnight + timedelta(seconds=int(job[key]))
		routes[(job.technician, job.day)].append(job)
	out = {}
	for (tech, day), mine in routes.items():
		points = [(j.latitude, j.longitude) for j in mine if j.latitude or j.longitude]
		home = (mine[0].home_latitude, mine[0].home_longitude)
		if home[0] or home[1]:
			points = [home, *points, home]
		seconds = kpi.travel_seconds(points, lambda a, b: travel.estimate_leg(a, b, road, speed)[0])
		shift = shifts[tech].get(WEEKDAYS[day.weekday()])
		work, day_start = 0, None
		if shift and to_time(shift.start_time) and to_time(shift.end_time):
			begin, finish = to_time(shift.start_time), to_time(shift.end_time)
			work = (finish.hour * 3600 + finish.minute * 60) - (begin.hour * 3600 + begin.minute * 60)
			work -= (shift.break_minutes or 0) * 60
			day_start = datetime.combine(day, begin) if work > 0 else None
		shift_work = work
		if work <= 0:
			first = mine[0].scheduled_start
			last = max(j.scheduled_end or j.scheduled_start for j in mine)
			work = int((last - first).total_seconds()) + seconds
		actual, actual_work = actual_travel(mine, day_start, shift_work)
		out[(tech, day)] = (seconds, max(work, 0), actual, actual_work)
	return out


def actual_travel(jobs: list[dict], day_start, shift_work: int) -> tuple[int, int]:
	"""(actual travel seconds, working seconds) of one technician-day from its jobs' arrivals."""
	visits = []
	for job in jobs:
		arrivals = [t for t in (job.gps_on_site_at, job.check_in_at) if t]
		if arrivals:
			visits.append((min(arrivals), job.check_out_at))
	if not visits:
		return 0, 0
	seconds = kpi.actual_travel_seconds(visits, day_start)
	if shift_work > 0:
		return seconds, shift_work
	first = min(v[0] for v in visits)
	last = max([v[1] for v in visits if v[1]] + [v[0] for v in visits])
	return seconds, max(int((last - first).total_seconds()), 0)


def columns(by_day: bool) -> list[dict]:
	cols = [
		{
			"fieldname": "technician",
			"label": _("Technician"),
			"fieldtype": "Link",
			"options": "Technician",
			"width": 120,
		},
		{"fieldname": "technician_name", "label": _("Name"), "fieldtype": "Data", "width": 160},
	]
	if by_day:
		cols.append({"fieldname": "day", "label": _("Day"), "fieldtype": "Date", "width": 100})
	pct = {"fieldtype": "Percent", "width": 110}
	return [
		*cols,
		{"fieldname": "jobs", "label": _("Jobs"), "fieldtype": "Int", "width": 70},
		{"fieldname": "completed", "label": _("Completed"), "fieldtype": "Int", "width": 90},
		{"fieldname": "jobs_per_day", "label": _("Jobs per Day"), "fieldtype": "Float", "width": 100},
		{"fieldname": "on_time_rate", "label": _("On Time (%)"), **pct},
		{"fieldname": "early", "label": _("Early"), "fieldtype": "Int", "width": 70},
		{"fieldname": "late", "label": _("Late"), "fieldtype": "Int", "width": 70},
		{"fieldname": "first_time_fix", "label": _("First-Time Fix (%)"), **pct},
		{"fieldname": "repeats", "label": _("Repeat Repairs"), "fieldtype": "Int", "width": 100},
		{"fieldname": "gate_failed", "label": _("Gate Failed"), "fieldtype": "Int", "width": 90},
		{"fieldname": "overridden", "label": _("Gate Overridden"), "fieldtype": "Int", "width": 100},
		{"fieldname": "travel_hours", "label": _("Planned Travel (h)"), "fieldtype": "Float", "width": 110},
		{"fieldname": "travel_share", "label": _("Planned Travel Share (%)"), **pct},
		{
			"fieldname": "actual_travel_hours",
			"label": _("Actual Travel (h)"),
			"fieldtype": "Float",
			"width": 110,
		},
		{"fieldname": "actual_travel_share", "label": _("Actual Travel Share (%)"), **pct},
	]


def chart(rows, by_day: bool) -> dict | None:
	if not rows or by_day:
		return None
	return {
		"data": {
			"labels": [r.technician_name or r.technician for r in rows],
			"datasets": [
				{"name": _("On Time (%)"), "values": [r.on_time_rate or 0 for r in rows]},
				{"name": _("First-Time Fix (%)"), "values": [r.first_time_fix or 0 for r in rows]},
			],
		},
		"type": "bar",
	}
