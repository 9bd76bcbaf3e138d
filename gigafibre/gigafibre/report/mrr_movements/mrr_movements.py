"""MRR and ARR by month, with the movements that make the difference from one month to the next.

MRR of a month = the sum, over the Gigafibre subscriptions (those with a Service Location) active
on the month's last day (start date on or before it, no end date or an end date on or after it),
of their monthly lines: qty x Contracted Monthly Rate (Subscription Plan Detail `gigafibre_rate`;
an empty rate is the plan's selling price) as they stood that day. The lines of a past day come
from the Subscription Change records: the `monthly_after` of the last change on or before that
day, else the `monthly_before` of the first change after it, else today's lines. A suspended
location's subscription counts: it is still billed. ARR = 12 x MRR.

Movements compare each subscriber's MRR month-end over month-end; a subscriber is a Service
Location, so an address that cancels and later subscribes again (a new subscription) is
*reactivated*, not new: new = 0 -> >0 for the first time (its first subscription's first
month-end), reactivated = 0 -> >0 after having been >0, expansion = up, contraction = down and
still >0, churned = >0 -> 0. Opening + new + reactivated + expansion - contraction - churned =
closing. Churn rate = subscribers churned / subscribers at the opening; revenue churn = (churned
+ contraction) / opening MRR; ARPU = closing MRR / subscribers at the closing.

By plan (Group By "Plan and Month"): one row per plan and month. A subscription's plan is its main
line's (the largest qty x contracted rate, by name on a tie: the service, not its add-ons), and
the subscriber is the address *within that plan*: an address that changes plan (a new
subscription of another plan) leaves the first plan (churned there) and enters the other (new
there, or reactivated when it had that plan before). The plans' MRR add up to the month's; their
movement counts may not (a plan switch is a churn and a new one by plan, an expansion or a
contraction overall).

One statement, computed by the database: each subscription's lines once, each address's first
month-end once (per plan too, by plan); for each month and each subscription active at its end
or at the previous one, its MRR at both (the change lookups only for the subscriptions that have
changes), summed by subscriber and month; the movements are then each subscriber's month against
the one before, summed by month (covering indexes in gigafibre/reports/setup.py).
"""

import frappe
from frappe import _

from gigafibre.reports import filters as common
from gigafibre.reports import kpi


def execute(filters=None):
	filters = frappe._dict(filters or {})
	plan = by_plan(filters)
	rows = monthly(filters)
	if plan:
		return columns(True), rows, None, plan_chart(rows), plan_summary(rows)
	return columns(), rows, None, chart(rows), summary(rows)


BY_PLAN = "Plan and Month"


def by_plan(filters) -> bool:
	return filters.get("group_by") == BY_PLAN


def columns(plan: bool = False) -> list[dict]:
	money = {"fieldtype": "Currency", "width": 120}
	first = [{"fieldname": "month", "label": _("Month"), "fieldtype": "Date", "width": 100}]
	if plan:
		first.append(
			{
				"fieldname": "plan",
				"label": _("Plan"),
				"fieldtype": "Link",
				"options": "Subscription Plan",
				"width": 160,
			}
		)
	return [
		*first,
		{"fieldname": "opening_mrr", "label": _("Opening MRR"), **money},
		{"fieldname": "new_mrr", "label": _("New"), **money},
		{"fieldname": "reactivated_mrr", "label": _("Reactivated"), **money},
		{"fieldname": "expansion_mrr", "label": _("Expansion"), **money},
		{"fieldname": "contraction_mrr", "label": _("Contraction"), **money},
		{"fieldname": "churned_mrr", "label": _("Churned"), **money},
		{"fieldname": "mrr", "label": _("MRR"), **money},
		{"fieldname": "arr", "label": _("ARR"), **money},
		{"fieldname": "subscribers", "label": _("Subscribers"), "fieldtype": "Int", "width": 100},
		{"fieldname": "new", "label": _("New Subscribers"), "fieldtype": "Int", "width": 100},
		{"fieldname": "reactivated", "label": _("Reactivated Subscribers"), "fieldtype": "Int", "width": 100},
		{"fieldname": "churned", "label": _("Churned Subscribers"), "fieldtype": "Int", "width": 100},
		{"fieldname": "churn_rate", "label": _("Churn Rate (%)"), "fieldtype": "Percent", "width": 100},
		{"fieldname": "revenue_churn", "label": _("Revenue Churn (%)"), "fieldtype": "Percent", "width": 100},
		{"fieldname": "arpu", "label": _("ARPU"), **money},
	]


SQL = """
with months as ({months}),
mp as (select a.idx, a.m, b.m as pm from months a join months b on b.idx = a.idx - 1),{main}
every as (
	select s.name, s.party, s.party_type, s.company, s.start_date, s.end_date,
		s.gigafibre_service_location, {plan_col} as plan,
		min(case when s.end_date is null or s.end_date >= last_day(s.start_date) then last_day(s.start_date) end)
			over (partition by s.gigafibre_service_location{plan_key}) as first_end
	from `tabSubscription` s{plan_join}
	where s.gigafibre_service_location is not null
),
subs as (
	select s.name, dense_rank() over (order by s.gigafibre_service_location, s.plan) as k, s.plan,
		s.start_date, s.end_date, s.first_end,
		(
			select sum(d.qty * coalesce(nullif(d.gigafibre_rate, 0), (
				select max(ip.price_list_rate) from `tabItem Price` ip
				where ip.item_code = p.item and ip.price_list = p.price_list and ip.selling = 1
			), 0))
			from `tabSubscription Plan Detail` d
			join `tabSubscription Plan` p on p.name = d.plan
			where d.parent = s.name and d.parenttype = 'Subscription' and d.parentfield = 'plans'
		) as base_mrr,
		exists (
			select 1 from `tabSubscription Change` x
			where x.subscription = s.name and x.change_type != 'Cancellation' and x.docstatus < 2
		) as changed
	from every s{customer_join}
	where s.party_type = 'Customer' and s.company = %(company)s and s.start_date <= %(last)s
		and (s.end_date is null or s.end_date >= %(first)s) {conditions}
),
sm as (
	select subs.k, subs.plan, mp.idx, subs.first_end,
		case when subs.end_date is null or subs.end_date >= mp.m then {mrr_at_m} else 0 end as cur,
		case when subs.start_date <= mp.pm then {mrr_at_pm} else 0 end as prev
	from subs
	join mp on subs.start_date <= mp.m and (subs.end_date is null or subs.end_date >= mp.pm)
),
g as (
	select k, max(plan) as plan, idx, max(first_end) as first_end, sum(cur) as cur, sum(prev) as prev
	from sm
	group by k, idx
),
a as (
	select g.idx, {plan_out} as plan,
		sum(g.prev) as opening_mrr,
		sum(g.cur) as mrr,
		sum(case when g.prev = 0 and g.cur > 0 and g.first_end >= mp.m then g.cur else 0 end) as new_mrr,
		sum(case when g.prev = 0 and g.cur > 0 and g.first_end < mp.m then g.cur else 0 end) as reactivated_mrr,
		sum(case when g.prev > 0 and g.cur > g.prev then g.cur - g.prev else 0 end) as expansion_mrr,
		sum(case when g.cur > 0 and g.cur < g.prev then g.prev - g.cur else 0 end) as contraction_mrr,
		sum(case when g.prev > 0 and g.cur = 0 then g.prev else 0 end) as churned_mrr,
		sum(g.cur > 0) as subscribers,
		sum(g.prev > 0) as opening_subscribers,
		sum(g.prev = 0 and g.cur > 0 and g.first_end >= mp.m) as new,
		sum(g.prev = 0 and g.cur > 0 and g.first_end < mp.m) as reactivated,
		sum(g.prev > 0 and g.cur = 0) as churned
	from g
	join mp on mp.idx = g.idx
	where g.cur > 0 or g.prev > 0
	group by g.idx{plan_group}
)
select months.m as month, a.plan, a.opening_mrr, a.mrr, a.new_mrr, a.reactivated_mrr, a.expansion_mrr,
	a.contraction_mrr, a.churned_mrr, a.subscribers, a.opening_subscribers, a.new, a.reactivated, a.churned
from months
left join a on a.idx = months.idx
where months.idx >= 1{plan_where}
order by months.idx{plan_order}
"""

# A subscription's MRR on a day: the lines of its changes when it has any (the `monthly_after` of
# the last change on or before the day, else the `monthly_before` of the first one after it),
# else its lines as they are.
MRR_AT = """case when subs.changed then coalesce(
	(
		select c.monthly_after from `tabSubscription Change` c
		where c.subscription = subs.name and c.change_type != 'Cancellation' and c.docstatus < 2
			and c.effective_date <= {day}
		order by c.effective_date desc, c.creation desc, c.name desc limit 1
	),
	(
		select c.monthly_before from `tabSubscription Change` c
		where c.subscription = subs.name and c.change_type != 'Cancellation' and c.docstatus < 2
			and c.effective_date > {day}
		order by c.effective_date, c.creation, c.name limit 1
	),
	subs.base_mrr, 0
) else coalesce(subs.base_mrr, 0) end"""

# A subscription's main plan: its largest line (qty x contracted rate), by plan name on a tie;
# every subscription's at once (a window over the lines, not a lookup per subscription).
MAIN_PLAN = """
main as (
	select x.parent as name, x.plan from (
		select d.parent, d.plan, row_number() over (
			partition by d.parent order by d.qty * coalesce(d.gigafibre_rate, 0) desc, d.plan
		) as r
		from `tabSubscription Plan Detail` d
		where d.parenttype = 'Subscription' and d.parentfield = 'plans'
	) x where x.r = 1
),"""


def monthly(filters) -> list[dict]:
	start, end = common.date_range(filters)
	ends = common.month_grid(start, end)
	values = {
		"company": common.company(filters),
		"first": ends[0],
		"last": ends[-1],
	}
	conditions = common.customer_group_condition(filters, "c", values)
	if filters.get("plan"):
		values["plan"] = filters.plan
		conditions += (
			" and exists (select 1 from `tabSubscription Plan Detail` pd where pd.parent = s.name"
			" and pd.parenttype = 'Subscription' and pd.plan = %(plan)s)"
		)
	if filters.get("customer"):
		values["customer"] = filters.customer
		conditions += " and s.party = %(customer)s"
	plan = by_plan(filters)
	sql = SQL.format(
		months=common.months_sql(ends),
		main=MAIN_PLAN if plan else "",
		conditions=conditions,
		customer_join=common.customer_join(filters, "s.party"),
		plan_join=" left join main m on m.name = s.name" if plan else "",
		plan_key=", m.plan" if plan else "",
		plan_col="m.plan" if plan else "null",
		mrr_at_m=MRR_AT.format(day="mp.m"),
		mrr_at_pm=MRR_AT.format(day="mp.pm"),
		plan_out="g.plan" if plan else "null",
		plan_where=" and a.plan is not null" if plan else "",
		plan_group=", g.plan" if plan else "",
		plan_order=", a.plan" if plan else "",
	)
	rows = frappe.db.sql(sql, values, as_dict=True)
	for row in rows:
		for key in (
			"opening_mrr",
			"mrr",
			"new_mrr",
			"reactivated_mrr",
			"expansion_mrr",
			"contraction_mrr",
			"churned_mrr",
		):
			row[key] = float(row[key] or 0)
		for key in ("subscribers", "opening_subscribers", "new", "reactivated", "churned"):
			row[key] = int(row[key] or 0)
		row.arr = 12 * row.mrr
		row.churn_rate = kpi.ratio(row.churned, row.opening_subscribers)
		row.revenue_churn = kpi.ratio(row.churned_mrr + row.contraction_mrr, row.opening_mrr)
		row.arpu = round(row.mrr / row.subscribers, 2) if row.subscribers else None
	if plan and filters.get("plan"):
		rows = [r for r in rows if r.plan == filters.plan]
	return rows


def chart(rows: list[dict]) -> dict | None:
	if not rows:
		return None
	return {
		"data": {
			"labels": [frappe.utils.formatdate(r.month, "MMM yyyy") for r in rows],
			"datasets": [
				{"name": _("MRR"), "chartType": "line", "values": [r.mrr for r in rows]},
				{
					"name": _("New"),
					"chartType": "bar",
					"values": [r.new_mrr + r.reactivated_mrr for r in rows],
				},
				{"name": _("Expansion"), "chartType": "bar", "values": [r.expansion_mrr for r in rows]},
				{
					"name": _("Churned"),
					"chartType": "bar",
					"values": [-(r.churned_mrr + r.contraction_mrr) for r in rows],
				},
			],
		},
		"type": "axis-mixed",
		"fieldtype": "Currency",
	}


def plan_chart(rows: list[dict]) -> dict | None:
	"""MRR by plan over the months (a line per plan)."""
	if not rows:
		return None
	months = sorted({r.month for r in rows})
	mrr = {(r.plan, r.month): r.mrr for r in rows}
	return {
		"data": {
			"labels": [frappe.utils.formatdate(m, "MMM yyyy") for m in months],
			"datasets": [
				{"name": plan, "values": [mrr.get((plan, m), 0) for m in months]}
				for plan in sorted({r.plan for r in rows})
			],
		},
		"type": "line",
		"fieldtype": "Currency",
	}


def plan_summary(rows: list[dict]) -> list[dict]:
	"""The last month's MRR, ARR and subscribers over every plan shown."""
	if not rows:
		return []
	last = max(r.month for r in rows)
	closing = [r for r in rows if r.month == last]
	mrr = sum(r.mrr for r in closing)
	subscribers = sum(r.subscribers for r in closing)
	return [
		{"label": _("MRR"), "value": mrr, "datatype": "Currency", "indicator": "Blue"},
		{"label": _("ARR"), "value": 12 * mrr, "datatype": "Currency", "indicator": "Blue"},
		{"label": _("Subscribers"), "value": subscribers, "datatype": "Int"},
		{
			"label": _("ARPU"),
			"value": round(mrr / subscribers, 2) if subscribers else 0,
			"datatype": "Currency",
		},
	]


def summary(rows: list[dict]) -> list[dict]:
	if not rows:
		return []
	last = rows[-1]
	return [
		{"label": _("MRR"), "value": last.mrr, "datatype": "Currency", "indicator": "Blue"},
		{"label": _("ARR"), "value": last.arr, "datatype": "Currency", "indicator": "Blue"},
		{"label": _("Subscribers"), "value": last.subscribers, "datatype": "Int"},
		{"label": _("ARPU"), "value": last.arpu or 0, "datatype": "Currency"},
		{
			"label": _("Churn Rate (%)"),
			"value": last.churn_rate or 0,
			"datatype": "Percent",
			"indicator": "Red",
		},
	]
