"""The Gigafibre reports at an ISP's size (issue 18): each report's median time over --runs runs
(goal <= 2 s), ERPNext's own Accounts Receivable on the same data as the yardstick, and the
EXPLAIN of the slowest report's slowest statement.

	cd <bench>/sites && ../env/bin/python <repo>/benchmarks/reports.py --site reports.localhost [--runs 5]

The data: `benchmarks/report_data.py` (20,000 subscriptions, 100,000 invoices, 30,000 jobs,
50,000 tickets from seed 18), run first on the same site. Each report runs as the desk runs it
(`frappe.desk.query_report.run`, as Administrator, no prepared report) over the whole data set's
range: 12 months of MRR, 3 months of taxes, every job (120 days), 180 days of tickets and outages.
"""

import argparse
import statistics
import sys
import time
from datetime import date, timedelta

import frappe


def reports(company: str) -> list[tuple[str, dict]]:
	today = date.today()
	month_start = today.replace(day=1)
	year_ago = (month_start - timedelta(days=330)).replace(day=1)
	return [
		("MRR Movements", {"company": company, "from_date": str(year_ago), "to_date": str(today)}),
		(
			"MRR Movements",
			{
				"company": company,
				"from_date": str(year_ago),
				"to_date": str(today),
				"group_by": "Plan and Month",
			},
		),
		("Subscribers by Plan and Area", {"company": company, "date": str(today)}),
		(
			"Sales Tax Reconciliation",
			{
				"company": company,
				"from_date": str((month_start - timedelta(days=60)).replace(day=1)),
				"to_date": str(today),
			},
		),
		("Receivables by Service Status", {"company": company, "date": str(today)}),
		("Technician Performance", {"from_date": str(today - timedelta(days=120)), "to_date": str(today)}),
		(
			"Technician Performance",
			{
				"from_date": str(today - timedelta(days=120)),
				"to_date": str(today),
				"group_by": "Technician and Day",
			},
		),
		("Job Duration by Type", {"from_date": str(today - timedelta(days=120)), "to_date": str(today)}),
		("ONU Optical Levels", {}),
		("Outage Duration", {"from_date": str(today - timedelta(days=180)), "to_date": str(today)}),
		(
			"Tickets per Subscribers",
			{"company": company, "from_date": str(today - timedelta(days=180)), "to_date": str(today)},
		),
		("Repeat Callers", {"from_date": str(today - timedelta(days=180)), "to_date": str(today)}),
	]


def yardstick(company: str) -> tuple[str, dict]:
	return (
		"Accounts Receivable",
		{
			"company": company,
			"report_date": str(date.today()),
			"ageing_based_on": "Due Date",
			"range1": 30,
			"range2": 60,
			"range3": 90,
			"range4": 120,
		},
	)


def run_once(name: str, filters: dict) -> tuple[float, int]:
	from frappe.desk.query_report import run

	frappe.clear_messages()
	start = time.perf_counter()
	result = run(name, filters=filters, ignore_prepared_report=True)
	return time.perf_counter() - start, len(result.get("result") or [])


def timed(name: str, filters: dict, runs: int) -> dict:
	run_once(name, filters)  # warm: caches, the module import
	times, rows = [], 0
	for _ in range(runs):
		seconds, rows = run_once(name, filters)
		times.append(seconds)
	return {"name": name, "filters": filters, "median": statistics.median(times), "runs": times, "rows": rows}


def statements(name: str, filters: dict) -> list[tuple[float, str, object]]:
	"""Every SQL statement one run of the report sends, with its time, slowest first."""
	sql = frappe.db.sql
	seen: list[tuple[float, str, object]] = []

	def recorded(query, values=(), *args, **kwargs):
		start = time.perf_counter()
		try:
			return sql(query, values, *args, **kwargs)
		finally:
			seen.append((time.perf_counter() - start, query, values))

	frappe.db.sql = recorded
	try:
		run_once(name, filters)
	finally:
		frappe.db.sql = sql
	return sorted(seen, key=lambda s: -s[0])


def explain(query: str, values) -> list[dict]:
	return frappe.db.sql("explain " + query, values, as_dict=True)


def counts() -> dict:
	return {
		"subscriptions": frappe.db.count("Subscription", {"gigafibre_service_location": ("is", "set")}),
		"invoices": frappe.db.count("Sales Invoice", {"docstatus": 1}),
		"gl entries": frappe.db.count("GL Entry"),
		"jobs": frappe.db.count("Dispatch Job"),
		"tickets": frappe.db.count("Issue"),
		"outages": frappe.db.count("Outage"),
	}


def main() -> int:
	parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
	parser.add_argument("--site", required=True)
	parser.add_argument("--runs", type=int, default=5)
	args = parser.parse_args()
	frappe.init(site=args.site, sites_path=".")
	frappe.connect()
	frappe.set_user("Administrator")
	company = frappe.defaults.get_global_default("company") or frappe.get_all("Company", pluck="name")[0]
	print("data:", ", ".join(f"{k} {v:,}" for k, v in counts().items()))
	results = []
	for name, filters in reports(company):
		result = timed(name, filters, args.runs)
		results.append(result)
		print(f"  {name:32} {result['median']:7.3f} s  ({result['rows']} rows)", flush=True)
	ar = timed(*yardstick(company), args.runs)
	print(f"  {'Accounts Receivable (ERPNext)':32} {ar['median']:7.3f} s  ({ar['rows']} rows)", flush=True)

	print(f"\n| report (median of {args.runs}) | seconds | rows | goal <= 2 s |")
	print("|---|---:|---:|---|")
	for r in results:
		label = r["name"] + (f" ({r['filters']['group_by']})" if r["filters"].get("group_by") else "")
		print(f"| {label} | {r['median']:.3f} | {r['rows']} | {'yes' if r['median'] <= 2 else 'NO'} |")
	print(f"| *ERPNext Accounts Receivable (yardstick)* | {ar['median']:.3f} | {ar['rows']} | |")

	slowest = max(results, key=lambda r: r["median"])
	print(f"\nslowest: {slowest['name']} {slowest['filters']}")
	for seconds, query, values in statements(slowest["name"], slowest["filters"])[:2]:
		print(f"\n-- {seconds:.3f} s\n{frappe.db.mogrify(query, values) if values else query}")
		for row in explain(query, values):
			print(
				"  ",
				{
					k: row.get(k)
					for k in ("id", "select_type", "table", "type", "key", "rows", "filtered", "Extra")
				},
			)
	return 0


if __name__ == "__main__":
	sys.exit(main())
