"""The data the report benchmark measures (issue 18): an ISP of 20,000 subscriptions, 100,000
invoices, 30,000 jobs and 50,000 tickets, from a fixed seed, on a site of its own.

	cd <bench>/sites && ../env/bin/python <repo>/benchmarks/report_data.py --site reports.localhost \\
		[--subscriptions 20000] [--invoices 100000] [--jobs 30000] [--tickets 50000] [--seed 18]

Idempotent per seed: what exists is kept (a second run adds nothing). What it makes:

1. **Subscriptions**: `billing_cycle.generate` (customers, locations and subscriptions, a few
   through the real path and the rest bulk copies checked against them: see that benchmark),
   then spread in time with the seed: start dates over the 14 months before this one, 12 %
   cancelled (an end date after the start, location Inactive), 5 % of locations Suspended, 4 %
   with a plan change (a Subscription Change row), areas over 40 Québec postal prefixes, every
   location placed on an OLT / PON port / ONU. Then **reactivations**: about a quarter of the
   addresses cancelled more than 45 days ago subscribe again — an active subscription of the same
   plan (one with no plan change) moves to the cancelled address and its customer, 20 to 120 days after
   the cancellation (its own address left Inactive) — so MRR Movements measures reactivations.
2. **Invoices**: one real Sales Invoice made and submitted by ERPNext (GST + QST template), then
   --invoices copies of all its rows (Sales Invoice, its item and tax rows, GL Entry, Payment
   Ledger Entry), scaled to the subscription's monthly amount, one per subscription and month
   from its start; invoices more than 45 days old are paid (a Payment Ledger Entry against them,
   their outstanding 0) so the receivables are the recent ones, as at an ISP.
3. **Jobs**: --jobs Dispatch Jobs over the last 120 days for 25 technicians (with shifts and a
   home), types, windows, check-in/out, acceptance outcomes and repeat repairs from the seed.
4. **Tickets**: --tickets Issues over the last 180 days in 6 categories, some customers calling
   often; 300 Outages with their affected locations; the OLT poller's last readings (Redis).

Bulk rows through `frappe.db.bulk_insert`, names from the naming series taken in blocks
(`billing_cycle.series`), as the billing benchmark does.
"""

import argparse
import os
import random
import sys
import time
from datetime import date, datetime, timedelta

import frappe

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import billing_cycle as bc  # the billing benchmark's generator and helpers

FSAS = [
	("Montréal", p)
	for p in "H1A H1B H1E H1G H1H H1K H1L H1M H1N H1P H1R H1S H1T H1V H1W H1X H1Y H1Z H2A H2B".split()
] + [
	("Laval", "H7A"),
	("Laval", "H7B"),
	("Laval", "H7C"),
	("Laval", "H7E"),
	("Laval", "H7G"),
	("Longueuil", "J4G"),
	("Longueuil", "J4H"),
	("Longueuil", "J4J"),
	("Longueuil", "J4K"),
	("Longueuil", "J4L"),
	("Québec", "G1A"),
	("Québec", "G1B"),
	("Québec", "G1C"),
	("Québec", "G1E"),
	("Québec", "G1G"),
	("Gatineau", "J8P"),
	("Gatineau", "J8R"),
	("Gatineau", "J8T"),
	("Sherbrooke", "J1E"),
	("Sherbrooke", "J1G"),
]
ISSUE_TYPES = ["GFB Panne", "GFB Lenteur", "GFB Wi-Fi", "GFB Facturation", "GFB Télé", "GFB Déménagement"]
JOB_TYPES = (("Install", 30), ("Repair", 35), ("Upgrade", 10), ("Removal", 10), ("Maintenance", 15))
OLTS = [f"OLT-BENCH-{n:02d}" for n in range(1, 9)]
TECHS = 25


def now():
	return frappe.utils.now_datetime()


def std(name: str, stamp, **values) -> dict:
	return {
		"name": name,
		"creation": stamp,
		"modified": stamp,
		"owner": "Administrator",
		"modified_by": "Administrator",
		"docstatus": 0,
		"idx": 0,
		**values,
	}


def insert(doctype: str, rows: list[dict]) -> None:
	if not rows:
		return
	columns = list(rows[0])
	frappe.db.bulk_insert(doctype, columns, [[r.get(c) for c in columns] for r in rows], chunk_size=5000)


def ours(seed: int) -> list[frappe._dict]:
	return frappe.db.sql(
		"select s.name, s.party, s.gigafibre_service_location as location from tabSubscription s"
		" where s.party like %s and s.gigafibre_service_location is not null order by s.name",
		f"%-B{seed}-%",
		as_dict=True,
	)


# ---------------------------------------------------------------- 1. subscriptions in time
def spread(seed: int, subs: list[frappe._dict]) -> int:
	"""Start and end dates, statuses, areas and OLT places from the seed (once: marked by the
	plan changes it makes)."""
	if frappe.db.exists("Subscription Change", {"reason": f"report-bench-{seed}"}):
		return 0
	rng = random.Random(seed * 7)
	today = date.today()
	first = date(today.year - 1, today.month, 1) - timedelta(days=60)
	span = (today - first).days
	monthly = dict(
		frappe.db.sql(
			"select parent, sum(qty * gigafibre_rate) from `tabSubscription Plan Detail`"
			" where parenttype = 'Subscription' group by parent"
		)
	)
	frappe.db.sql("drop temporary table if exists gfb_spread")
	frappe.db.sql(
		"create temporary table gfb_spread (sub varchar(140) primary key, loc varchar(140),"
		" start date, end date, status varchar(20), loc_status varchar(20), city varchar(140),"
		" postal varchar(10), olt varchar(40), pon varchar(20), onu varchar(10))"
	)
	rows, changes, stamp = [], [], now()
	series = iter(bc.series("SUBCHG-", len(subs) // 20 + 10))
	company = bc.company()
	currency = frappe.get_cached_value("Company", company, "default_currency")
	for index, sub in enumerate(subs):
		start = first + timedelta(days=int(span * rng.random() ** 0.8))
		start = min(start, today)
		end = None
		status, loc_status = "Active", "Active"
		if rng.random() < 0.12 and (today - start).days > 40:
			end = start + timedelta(days=rng.randint(35, (today - start).days))
			status, loc_status = "Cancelled", "Inactive"
		elif rng.random() < 0.05:
			loc_status = "Suspended"
		city, fsa = rng.choice(FSAS)
		olt, pon = OLTS[index % len(OLTS)], f"0/{rng.randint(1, 2)}/{rng.randint(1, 16)}"
		rows.append(
			(
				sub.name,
				sub.location,
				start,
				end,
				status,
				loc_status,
				city,
				f"{fsa} {rng.randint(1, 9)}A{rng.randint(1, 9)}",
				olt,
				pon,
				str(index % 128 + 1),
			)
		)
		if rng.random() < 0.04 and (end or today) - start > timedelta(days=60):
			before = float(monthly.get(sub.name) or 0)
			after = before + rng.choice((-20, -10, 10, 15, 20))
			effective = start + timedelta(days=rng.randint(30, ((end or today) - start).days))
			changes.append(
				std(
					next(series),
					stamp,
					subscription=sub.name,
					change_type="Upgrade" if after > before else "Downgrade",
					effective_date=effective,
					customer=sub.party,
					service_location=sub.location,
					changed_by="Administrator",
					changed_at=datetime.combine(effective, datetime.min.time()),
					source="System",
					reason=f"report-bench-{seed}",
					currency=currency,
					monthly_before=before,
					monthly_after=after,
					price_difference=after - before,
					prorated_amount=0,
				)
			)
	for offset in range(0, len(rows), 5000):
		chunk = rows[offset : offset + 5000]
		frappe.db.sql(
			"insert into gfb_spread values " + ",".join(["(%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s)"] * len(chunk)),
			[v for row in chunk for v in row],
		)
	frappe.db.sql(
		"update tabSubscription s join gfb_spread t on t.sub = s.name set s.start_date = t.start,"
		" s.end_date = t.end, s.status = t.status, s.cancelation_date = t.end,"
		" s.current_invoice_start = t.start"
	)
	frappe.db.sql(
		"update `tabService Location` l join gfb_spread t on t.loc = l.name set l.location_status = t.loc_status,"
		" l.city = t.city, l.postal_code = t.postal, l.olt = t.olt, l.pon_port = t.pon, l.onu_id = t.onu"
	)
	insert("Subscription Change", changes)
	frappe.db.commit()
	return len(rows)


def reactivations(seed: int) -> int:
	"""Cancelled addresses that subscribe again (once: marked by an address with two of our
	subscriptions). Run before the invoices, which then follow the moved subscriptions."""
	ours_like = f"%-B{seed}-%"
	if frappe.db.sql(
		"select 1 from tabSubscription where party like %s and gigafibre_service_location is not null"
		" group by gigafibre_service_location having count(*) > 1 limit 1",
		ours_like,
	):
		return 0
	rng = random.Random(seed * 31)
	today = date.today()
	rows = frappe.db.sql(
		"select s.name, s.party, s.gigafibre_service_location as location, s.start_date, s.end_date"
		" from tabSubscription s where s.party like %s and s.gigafibre_service_location is not null"
		" and not exists (select 1 from `tabSubscription Change` c where c.subscription = s.name)"
		" order by s.name",
		ours_like,
		as_dict=True,
	)
	main_plan = {}  # a subscription's largest line, as MRR Movements by plan reads it
	for parent, plan in frappe.db.sql(
		"select parent, plan from `tabSubscription Plan Detail` where parenttype = 'Subscription'"
		" order by parent, qty * coalesce(gigafibre_rate, 0) desc, plan"
	):
		main_plan.setdefault(parent, plan)
	cancelled = [r for r in rows if r.end_date and (today - r.end_date).days > 45]
	donors: dict[str, list] = {}
	for row in rows:
		if not row.end_date:
			donors.setdefault(main_plan.get(row.name), []).append(row)
	for same_plan in donors.values():
		rng.shuffle(same_plan)
	moves = []
	for gone in cancelled:
		same_plan = donors.get(main_plan.get(gone.name))
		if rng.random() >= 0.25 or not same_plan:
			continue
		back = same_plan.pop()  # the same plan: a reactivation by plan too
		start = gone.end_date + timedelta(days=rng.randint(20, min(120, (today - gone.end_date).days - 5)))
		moves.append((back.name, gone.location, gone.party, start, back.location))
	for name, location, party, start, old_location in moves:
		frappe.db.sql(
			"update tabSubscription set gigafibre_service_location = %s, party = %s, start_date = %s,"
			" current_invoice_start = %s, status = 'Active' where name = %s",
			(location, party, start, start, name),
		)
		frappe.db.sql(
			"update `tabService Location` set location_status = if(name = %s, 'Active', 'Inactive')"
			" where name in (%s, %s)",
			(location, location, old_location),
		)
	frappe.db.commit()
	return len(moves)


# ---------------------------------------------------------------- 2. invoices
TEMPLATE_NET = 100.0


def template_invoice(seed: int) -> str:
	"""One Sales Invoice made by ERPNext (net 100, the bench GST + QST template), submitted."""
	key = f"report-bench-template-{seed}"
	if name := frappe.db.get_value("Sales Invoice", {"remarks": key, "docstatus": 1}):
		return name
	from gigafibre.onboarding import catalog

	company = bc.company()
	template = bc.ensure_tax_template(company)
	ctx = catalog.selling_context(company, template)
	customer = frappe.db.get_value("Customer", {"name": ("like", f"%-B{seed}-00000")})
	day = date.today() - timedelta(days=400)
	bc.ensure_fiscal_year(day)
	bc.ensure_fiscal_year(date.today())
	invoice = frappe.new_doc("Sales Invoice")
	invoice.update(
		{
			"customer": customer,
			"company": company,
			"currency": ctx.currency,
			"selling_price_list": ctx.price_list,
			"ignore_pricing_rule": 1,
			"set_posting_time": 1,
			"posting_date": day,
			"due_date": day + timedelta(days=15),
			"taxes_and_charges": ctx.template,
			"disable_rounded_total": 1,
			"remarks": key,
		}
	)
	invoice.append(
		"items",
		{"item_code": bc.PLANS[0][0], "qty": 1, "rate": TEMPLATE_NET, "price_list_rate": TEMPLATE_NET},
	)
	for row in ctx.tax_rows:
		invoice.append("taxes", row)
	invoice.insert()
	invoice.submit()
	frappe.db.commit()
	return invoice.name


def rows_of_invoice(name: str) -> dict[str, list[dict]]:
	def q(sql):
		return frappe.db.sql(sql, name, as_dict=True)

	return {
		"Sales Invoice": q("select * from `tabSales Invoice` where name = %s"),
		"Sales Invoice Item": q("select * from `tabSales Invoice Item` where parent = %s order by idx"),
		"Sales Taxes and Charges": q(
			"select * from `tabSales Taxes and Charges` where parent = %s and parenttype = 'Sales Invoice' order by idx"
		),
		"GL Entry": q("select * from `tabGL Entry` where voucher_no = %s and is_cancelled = 0"),
		"Payment Ledger Entry": q("select * from `tabPayment Ledger Entry` where voucher_no = %s"),
	}


def money_columns(doctype: str) -> set[str]:
	return {f.fieldname for f in frappe.get_meta(doctype).fields if f.fieldtype == "Currency"}


def invoices(seed: int, subs: list[frappe._dict], count: int) -> int:
	"""--invoices copies of the template, one per subscription and month from its start."""
	have = frappe.db.count("Sales Invoice", {"gigafibre_billing_key": ("like", f"RB{seed}-%")})
	if have >= count:
		return 0
	template = rows_of_invoice(template_invoice(seed))
	money = {dt: money_columns(dt) for dt in template}
	info = {
		r.name: r
		for r in frappe.db.sql(
			"select s.name, s.party, s.start_date, s.end_date, s.gigafibre_service_location as location,"
			" (select sum(qty * gigafibre_rate) from `tabSubscription Plan Detail` d where d.parent = s.name) as monthly"
			" from tabSubscription s where s.party like %s and s.gigafibre_service_location is not null",
			f"%-B{seed}-%",
			as_dict=True,
		)
	}
	wanted = []
	today = date.today()
	for sub in subs:
		s = info[sub.name]
		day = date(s.start_date.year, s.start_date.month, 1)
		while day <= min(s.end_date or today, today):
			wanted.append((sub.name, day))
			day = (day + timedelta(days=32)).replace(day=1)
	rng = random.Random(seed * 11)
	rng.shuffle(wanted)
	wanted = sorted(wanted[:count], key=lambda w: (w[1], w[0]))[have:]
	prefix = template["Sales Invoice"][0].name.rsplit("-", 1)[0] + "-RB"
	stamp = now()
	made = 0
	for offset in range(0, len(wanted), 5000):
		chunk = wanted[offset : offset + 5000]
		names = bc.series(f"{prefix}{seed}-", len(chunk), digits=6)
		payments = bc.series(f"PE-RB{seed}-", len(chunk), digits=6)
		tables: dict[str, list[dict]] = {dt: [] for dt in template}
		tables["Payment Ledger Entry"] = []
		for (sub_name, day), name, payment in zip(chunk, names, payments, strict=True):
			s = info[sub_name]
			factor = float(s.monthly or TEMPLATE_NET) / TEMPLATE_NET
			due = day + timedelta(days=15)
			paid = (today - day).days > 45
			period_end = (day + timedelta(days=32)).replace(day=1) - timedelta(days=1)

			def copy(doctype, row, **values):
				out = dict(row)
				for column in money[doctype]:
					if isinstance(out.get(column), int | float) or hasattr(out.get(column), "as_tuple"):
						out[column] = round(float(out[column]) * factor, 2)
				out.update(creation=stamp, modified=stamp, **values)
				return out

			si = copy(
				"Sales Invoice",
				template["Sales Invoice"][0],
				name=name,
				customer=s.party,
				customer_name=s.party,
				title=s.party,
				posting_date=day,
				due_date=due,
				from_date=day,
				to_date=period_end,
				subscription=sub_name,
				gigafibre_billing_key=f"RB{seed}-{sub_name}/{day}",
				gigafibre_service_location=s.location,
				remarks=None,
				status="Paid" if paid else ("Overdue" if due < today else "Unpaid"),
			)
			si["outstanding_amount"] = 0 if paid else si["grand_total"]
			tables["Sales Invoice"].append(si)
			for row in template["Sales Invoice Item"]:
				tables["Sales Invoice Item"].append(
					copy("Sales Invoice Item", row, name=frappe.generate_hash(length=10), parent=name)
				)
			for row in template["Sales Taxes and Charges"]:
				tables["Sales Taxes and Charges"].append(
					copy("Sales Taxes and Charges", row, name=frappe.generate_hash(length=10), parent=name)
				)
			for row in template["GL Entry"]:
				party = {"party": s.party} if row.party else {}
				against = {"against_voucher": name} if row.against_voucher else {}
				tables["GL Entry"].append(
					copy(
						"GL Entry",
						row,
						name=frappe.generate_hash(length=10),
						voucher_no=name,
						posting_date=day,
						due_date=due if row.due_date else None,
						against=s.party if row.party is None and row.against else row.against,
						**party,
						**against,
					)
				)
			for row in template["Payment Ledger Entry"]:
				ple = copy(
					"Payment Ledger Entry",
					row,
					name=frappe.generate_hash(length=10),
					voucher_no=name,
					against_voucher_no=name,
					party=s.party,
					posting_date=day,
					due_date=due,
				)
				tables["Payment Ledger Entry"].append(ple)
				if paid:
					tables["Payment Ledger Entry"].append(
						{
							**ple,
							"name": frappe.generate_hash(length=10),
							"voucher_type": "Payment Entry",
							"voucher_no": payment,
							"posting_date": due,
							"amount": -ple["amount"],
							"amount_in_account_currency": -ple["amount_in_account_currency"],
						}
					)
		for doctype, rows in tables.items():
			insert(doctype, rows)
		frappe.db.commit()
		made += len(chunk)
	return made


# ---------------------------------------------------------------- 3. jobs
def technicians(seed: int) -> list[frappe._dict]:
	names = frappe.get_all(
		"Technician", filters={"full_name": ("like", f"Bench Tech {seed}-%")}, pluck="name"
	)
	rng = random.Random(seed * 13)
	for index in range(len(names), TECHS):
		doc = frappe.get_doc(
			{
				"doctype": "Technician",
				"full_name": f"Bench Tech {seed}-{index:02d}",
				"mobile": f"+1514555{seed % 10}{index:03d}",
				"active": 1,
				"home_latitude": 45.50 + rng.uniform(-0.15, 0.15),
				"home_longitude": -73.60 + rng.uniform(-0.2, 0.2),
				"working_hours": [
					{
						"weekday": day,
						"start_time": "08:00:00",
						"end_time": "16:30:00",
						"break_start": "12:00:00",
						"break_minutes": 30,
					}
					for day in ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday")
				],
			}
		)
		doc.insert(ignore_permissions=True)
		names.append(doc.name)
	frappe.db.commit()
	return frappe.get_all(
		"Technician", filters={"name": ("in", names)}, fields=["name", "full_name"], order_by="name"
	)


def jobs(seed: int, count: int) -> int:
	have = frappe.db.count("Dispatch Job", {"subject": ("like", f"RB{seed} %")})
	if have >= count:
		return 0
	techs = technicians(seed)
	locations = frappe.db.sql(
		"select l.name, l.customer, l.latitude, l.longitude from `tabService Location` l where l.customer like %s",
		f"%-B{seed}-%",
		as_dict=True,
	)
	# Coordinates around the city for the travel model (once).
	rng = random.Random(seed * 17)
	if locations and not locations[0].latitude:
		frappe.db.sql(
			"update `tabService Location` set latitude = 45.5 + (rand(%s) - 0.5) * 0.3,"
			" longitude = -73.6 + (rand() - 0.5) * 0.4 where customer like %s",
			(seed, f"%-B{seed}-%"),
		)
	rows = []
	names = bc.series("DJ-", count - have)
	today = date.today()
	types, weights = zip(*JOB_TYPES, strict=True)
	for index, name in enumerate(names, have):
		loc = rng.choice(locations)
		tech = techs[index % len(techs)]
		day = today - timedelta(days=rng.randint(0, 120))
		start = datetime.combine(day, datetime.min.time()) + timedelta(
			hours=8, minutes=30 * rng.randint(0, 14)
		)
		duration = rng.choice((45, 60, 90, 120))
		status = rng.choices(("Completed", "Cancelled", "Assigned"), weights=(85, 7, 8))[0]
		window_start = start - timedelta(minutes=rng.choice((0, 30, 60)))
		window_end = window_start + timedelta(hours=rng.choice((2, 3, 4)))
		check_in = start + timedelta(minutes=rng.randint(-40, 120)) if status == "Completed" else None
		check_out = check_in + timedelta(minutes=duration + rng.randint(-15, 60)) if check_in else None
		job_type = rng.choices(types, weights=weights)[0]
		gate = "Not Checked"
		if job_type == "Install" and status == "Completed":
			gate = rng.choices(("Passed", "Failed", "Overridden"), weights=(88, 7, 5))[0]
		created = datetime.combine(day - timedelta(days=rng.randint(1, 10)), datetime.min.time()) + timedelta(
			hours=9
		)
		rows.append(
			std(
				name,
				created,
				subject=f"RB{seed} {job_type} {index}",
				job_type=job_type,
				priority="Normal",
				status=status,
				technician=tech.name,
				technician_name=tech.full_name,
				customer=loc.customer,
				customer_name=loc.customer,
				service_location=loc.name,
				expected_duration=duration,
				window_start=window_start,
				window_end=window_end,
				scheduled_start=start,
				scheduled_end=start + timedelta(minutes=duration),
				check_in_at=check_in,
				check_out_at=check_out,
				acceptance_status=gate,
				acceptance_override=1 if gate == "Overridden" else 0,
				source="Manual",
			)
		)
	insert("Dispatch Job", rows)
	frappe.db.commit()
	return len(rows)


# ---------------------------------------------------------------- 4. tickets, outages, readings
def tickets(seed: int, count: int) -> int:
	have = frappe.db.count("Issue", {"subject": ("like", f"RB{seed} %")})
	if have >= count:
		return 0
	for name in ISSUE_TYPES:
		if not frappe.db.exists("Issue Type", name):
			frappe.get_doc({"doctype": "Issue Type", "__newname": name}).insert(ignore_permissions=True)
	customers = frappe.db.sql_list("select name from tabCustomer where name like %s", f"%-B{seed}-%")
	rng = random.Random(seed * 19)
	callers = rng.sample(customers, len(customers) // 50)  # 2 % call a lot
	company = bc.company()
	today = date.today()
	year = today.year
	names = bc.series(f"ISS-{year}-", count - have)
	rows = []
	for index, name in enumerate(names, have):
		customer = rng.choice(callers) if rng.random() < 0.15 else rng.choice(customers)
		opened = today - timedelta(days=rng.randint(0, 180))
		status = rng.choices(("Closed", "Resolved", "Open", "Replied"), weights=(60, 25, 10, 5))[0]
		rows.append(
			std(
				name,
				datetime.combine(opened, datetime.min.time()) + timedelta(hours=10),
				naming_series="ISS-.YYYY.-",
				subject=f"RB{seed} ticket {index}",
				status=status,
				customer=customer,
				issue_type=rng.choice(ISSUE_TYPES),
				opening_date=opened,
				opening_time="10:00:00",
				company=company,
				raised_by=f"rb{index}@bench.example",
				agreement_status="",
			)
		)
	insert("Issue", rows)
	frappe.db.commit()
	return len(rows)


def outages(seed: int, count: int = 300) -> int:
	if frappe.db.exists("Outage", {"monitor_name": f"RB{seed} monitor 0"}):
		return 0
	rng = random.Random(seed * 23)
	locations = frappe.db.sql(
		"select name, customer, olt, pon_port from `tabService Location` where customer like %s",
		f"%-B{seed}-%",
		as_dict=True,
	)
	names = bc.series("OUT-", count)
	rows, children, stamp = [], [], now()
	for index, name in enumerate(names):
		started = now() - timedelta(days=rng.randint(0, 170), minutes=rng.randint(0, 1440))
		resolved = started + timedelta(minutes=rng.randint(10, 600)) if index % 20 else None
		affected = rng.sample(locations, rng.randint(5, 60))
		rows.append(
			std(
				name,
				started,
				monitor_name=f"RB{seed} monitor {index}",
				olt=affected[0].olt,
				pon_port=affected[0].pon_port,
				status="Resolved" if resolved else "Open",
				started_at=started,
				resolved_at=resolved,
				affected_count=len(affected),
			)
		)
		for idx, loc in enumerate(affected, 1):
			children.append(
				std(
					frappe.generate_hash(length=10),
					stamp,
					idx=idx,
					parent=name,
					parenttype="Outage",
					parentfield="affected_locations",
					service_location=loc.name,
					customer=loc.customer,
				)
			)
	insert("Outage", rows)
	insert("Outage Location", children)
	frappe.db.commit()
	return len(rows)


def readings(seed: int) -> int:
	"""The OLT poller's last readings, as `network.tasks.store_readings` keeps them."""
	from gigafibre.network import tasks

	rng = random.Random(seed * 29)
	places = frappe.db.sql(
		"select olt, pon_port, onu_id from `tabService Location` where customer like %s and olt like 'OLT-BENCH-%%'",
		f"%-B{seed}-%",
	)
	memory: dict = {}
	stamp = now().isoformat()
	for olt, pon, onu in places:
		online = rng.random() > 0.04
		rx = round(rng.gauss(-20.5, 3.2), 2) if online else None
		memory.setdefault(olt, {"at": stamp, "onus": []})["onus"].append(
			[pon, int(onu), "online" if online else "offline", rx]
		)
	frappe.cache.set_value(tasks.READINGS_CACHE, memory, expires_in_sec=tasks.EPISODES_TTL_S)
	return len(places)


def main() -> int:
	parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
	parser.add_argument("--site", required=True)
	parser.add_argument("--subscriptions", type=int, default=20000)
	parser.add_argument("--invoices", type=int, default=100000)
	parser.add_argument("--jobs", type=int, default=30000)
	parser.add_argument("--tickets", type=int, default=50000)
	parser.add_argument("--seed", type=int, default=18)
	args = parser.parse_args()
	frappe.init(site=args.site, sites_path=".")
	frappe.connect()
	frappe.set_user("Administrator")
	generate(args)
	return 0


def generate(args) -> dict:
	timings = {}

	def step(label, call):
		start = time.perf_counter()
		made = call()
		timings[label] = (made, time.perf_counter() - start)
		print(f"{label:14}: {made} made in {timings[label][1]:.1f} s", flush=True)

	bc.ensure_tax_template(bc.company())
	bc.ensure_catalog()
	frappe.db.commit()
	step("subscriptions", lambda: bc.generate(args.seed, args.subscriptions, 6)["copied"])
	subs = ours(args.seed)
	step("spread", lambda: spread(args.seed, subs))
	step("reactivations", lambda: reactivations(args.seed))
	step("invoices", lambda: invoices(args.seed, subs, args.invoices))
	step("jobs", lambda: jobs(args.seed, args.jobs))
	step("tickets", lambda: tickets(args.seed, args.tickets))
	step("outages", lambda: outages(args.seed))
	step("onu readings", lambda: readings(args.seed))
	return timings


if __name__ == "__main__":
	sys.exit(main())
