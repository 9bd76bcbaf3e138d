"""The monthly billing run at scale, on a bench site: invoices per second of our cycle
(`gigafibre.billing.cycle`) against the floor (a plain ERPNext Sales Invoice insert + submit loop
of the same items, rates and taxes), one worker against two, and the time a month takes.

	cd <bench>/sites && ../env/bin/python <repo>/benchmarks/billing_cycle.py --site bench.localhost \\
		[--subscriptions 20000] [--runs 3] [--sample 300] [--seed 15] [--workers-slice 600] \\
		[--month 2400|all] [--profile]

Use a site of its own (it writes tens of thousands of documents and changes the company's
default tax template): the bench README recipe, e.g. `bench.localhost`. The site's config needs
its own `bench_id` (`bench --site bench.localhost set-config bench_id gigafibre-billing-bench`):
the bench's workers share one Redis, and the two worker processes this starts must consume only
this site's `long` queue, not jobs other sites left there. The script refuses to run without it.

1. **Data** (idempotent, stable keys from --seed): a small web catalog (plans and add-ons with
   Item Prices valid from 1 January), the company's default tax template made GST 5 % + QST
   9.975 % (created when missing), then --subscriptions customers with an email (their primary
   Contact made by ERPNext, as in production), one Service Location each and a Subscription
   begun on 1 January with a plan and 0-2 add-ons. The first --verify of them are made through
   the real path (Customer insert, Service Location insert,
   `gigafibre.billing.subscriptions.activate(location, start, lines, bill=False)`); the others
   are bulk-inserted rows cloned from the first and checked, column by column, against the rest
   of the real ones (the run stops if they differ).
2. **Ours vs floor**, in this process, --runs times on --sample fresh due subscriptions each
   (a billed subscription's period is consumed: every run takes the next slice), alternating
   which goes first: `cycle.bill_batch(names, day)`, and the floor on the same subscriptions'
   lines (same customer, items, rates, price list, tax template, posting and due dates, a commit
   per invoice as the cycle and ERPNext's own `Subscription.process_all` do). The floor still
   runs the hooks every Sales Invoice runs: gigafibre's `validate` (item_names.localize) and
   `on_submit` (flows.doc_events.sales_invoice_submitted, which enqueues the dunning flow's
   event), and the `has_permission` / `permission_query_conditions` "*" hooks where Frappe asks.
   The invoice e-mail is not in the batch (an outbox step sent by a short-queue job after the
   commit): --sample of the stored steps are then sent in this process and timed on their own,
   and "ours + its e-mail" adds that cost back.
3. **One worker vs two**: --workers-slice subscriptions enqueued as `cycle.run` does (batches of
   `cycle.BATCH` on the `long` queue) and consumed by one worker process (Frappe's RQ worker, as
   `bench worker --queue long` starts it, in burst mode), then another slice of the same size by
   two worker processes at once.
4. **The month**: --month subscriptions (enqueued as run does) billed by two workers, scaled to
   20,000; `--month all`: `cycle.run(day)` itself on every subscription still due (at ~2.5
   invoices/s on 2 cores that is over two hours, hence the default slice).

The billing day is the first day of the earliest period still due among the generated
subscriptions (1 January 2026 on a fresh site): a second run bills February, and so on. Flow-event
jobs the invoices enqueue (no worker of this site consumes `default`/`short` here) are dropped
after each phase, after their size is noted. --profile adds cProfile and query counts of one
batch of each, in this process.
"""

import argparse
import cProfile
import io
import json
import os
import pstats
import random
import resource
import statistics
import subprocess
import sys
import time
import unicodedata
from datetime import date

import frappe

YEAR_START = date(date.today().year, 1, 1)
PLANS = [  # code, English name, French name, monthly price, weight
	("GFB-BENCH-FIBRE-100", "Fibre 100", "Fibre 100", 55.0, 3),
	("GFB-BENCH-FIBRE-500", "Fibre 500", "Fibre 500", 75.0, 5),
	("GFB-BENCH-FIBRE-1000", "Fibre 1000", "Fibre 1000", 95.0, 3),
	("GFB-BENCH-FIBRE-3000", "Fibre 3000", "Fibre 3000", 125.0, 1),
]
ADD_ONS = [
	("GFB-BENCH-MESH", "Mesh Wi-Fi node", "Borne Wi-Fi maillée", 10.0),
	("GFB-BENCH-STATIC-IP", "Static IP address", "Adresse IP fixe", 15.0),
	("GFB-BENCH-TV", "TV box", "Boîtier télé", 12.0),
	("GFB-BENCH-PHONE", "Home phone", "Téléphone résidentiel", 20.0),
]
FIRST = "Marie Jean Sophie Luc Isabelle François Nathalie Éric Chantal Mathieu Julie Étienne Amélie".split()
LAST = (
	"Tremblay Gagnon Roy Côté Bouchard Gauthier Morin Lavoie Fortin Gagné Ouellet Pelletier Bélanger".split()
)
STREETS = ["rue Saint-Denis", "boulevard Saint-Laurent", "avenue du Parc", "rue Ontario Est", "rue Beaubien"]
CITIES = [("Montréal", "H2J 2L3"), ("Laval", "H7N 1A1"), ("Longueuil", "J4K 2T5"), ("Québec", "G1R 4P5")]
# Rows a subscription's creation writes (checked on the real path: Customer insert + activate);
# the named ones are random hashes, regenerated for each copy.
HASH_NAMED = ("Contact Email", "Dynamic Link", "Version", "Subscription Plan Detail")
IGNORED = {"creation", "modified"}


# ---------------------------------------------------------------- the generated set
def plan_for(rng: random.Random) -> list[dict]:
	plan = rng.choices(PLANS, weights=[p[4] for p in PLANS])[0]
	add_ons = rng.sample(ADD_ONS, rng.choice((0, 0, 1, 1, 2)))
	return [{"item_code": code, "rate": rate, "qty": 1} for code, _en, _fr, rate, *_ in [plan, *add_ons]]


def ascii_of(text: str) -> str:
	return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()


def generated(seed: int, count: int) -> list[frappe._dict]:
	"""The --subscriptions customers: the same ones for the same seed, whatever exists already."""
	rng = random.Random(seed)
	people = []
	for index in range(count):
		first, last = rng.choice(FIRST), rng.choice(LAST)
		city, postal = rng.choice(CITIES)
		key = f"B{seed}-{index:05d}"
		people.append(
			frappe._dict(
				index=index,
				customer=f"{first} {last}-{key}",
				first=first,
				last=f"{last}-{key}",
				email=f"{ascii_of(first)}.{ascii_of(last)}.{key.lower()}@bench.example",
				language=rng.choices(("fr", "en"), weights=(3, 1))[0],
				address=f"{rng.randint(1, 9999)} {rng.choice(STREETS)}",
				city=city,
				postal_code=postal,
				lines=plan_for(rng),
			)
		)
	return people


# ---------------------------------------------------------------- site setup
def ensure_site(site: str) -> None:
	own = frappe.get_file_json(os.path.join(frappe.get_site_path(), "site_config.json")).get("bench_id")
	common = frappe.get_file_json(os.path.join(frappe.local.sites_path, "common_site_config.json"))
	if not own or own == common.get("bench_id"):
		raise SystemExit(
			f"{site} shares the bench's Redis queues: give it its own bench_id first\n"
			f"  bench --site {site} set-config bench_id gigafibre-billing-bench"
		)


def company() -> str:
	return frappe.defaults.get_global_default("company") or frappe.get_all("Company", pluck="name")[0]


def ensure_tax_template(company_name: str) -> str:
	"""GST 5 % + QST 9.975 % as the company's default sales template (as the Québec site has)."""
	from gigafibre.demo.taxes import quebec_sales_taxes

	name = quebec_sales_taxes(company_name, "Gigafibre Bench GST + QST")
	frappe.db.set_value(
		"Sales Taxes and Charges Template",
		{"company": company_name, "name": ("!=", name), "is_default": 1},
		"is_default",
		0,
	)
	frappe.db.set_value("Sales Taxes and Charges Template", name, "is_default", 1)
	return name


def ensure_catalog() -> None:
	from gigafibre.billing.subscriptions import ensure_plan

	price_list = frappe.db.get_single_value("Selling Settings", "selling_price_list") or "Standard Selling"
	group = frappe.db.get_value("Item Group", {"is_group": 0}, "name")
	rows = [(c, en, fr, "Plan", rate) for c, en, fr, rate, _w in PLANS]
	rows += [(c, en, fr, "Add-on", rate) for c, en, fr, rate in ADD_ONS]
	for code, name, name_fr, kind, rate in rows:
		if not frappe.db.exists("Item", code):
			frappe.get_doc(
				{
					"doctype": "Item",
					"item_code": code,
					"item_name": name,
					"item_group": group,
					"stock_uom": "Nos",
					"is_stock_item": 0,
					"gigafibre_web_sale": 1,
					"gigafibre_kind": kind,
					"gigafibre_name_fr": name_fr,
				}
			).insert()
		if not frappe.db.exists("Item Price", {"item_code": code, "price_list": price_list}):
			frappe.get_doc(
				{
					"doctype": "Item Price",
					"item_code": code,
					"price_list": price_list,
					"price_list_rate": rate,
					"valid_from": YEAR_START,
				}
			).insert()
		ensure_plan(code)


def ensure_email_account() -> None:
	"""A default outgoing account, as production has: without one `frappe.sendmail` raises
	OutgoingEmailError and the invoice's e-mail step fails. Nothing is sent (no scheduler flushes
	this site's queue); the address does not resolve."""
	if frappe.db.exists("Email Account", {"default_outgoing": 1, "enable_outgoing": 1}):
		return
	frappe.get_doc(
		{
			"doctype": "Email Account",
			"email_account_name": "Gigafibre Bench Outgoing",
			"email_id": "billing@bench.example",
			"enable_outgoing": 1,
			"default_outgoing": 1,
			"smtp_server": "smtp.bench.invalid",
			"no_smtp_authentication": 1,
		}
	).insert(ignore_permissions=True)


def ensure_fiscal_year(day: date) -> None:
	from erpnext.accounts.utils import get_fiscal_year

	try:
		get_fiscal_year(day, company=company())
	except Exception:
		frappe.get_doc(
			{
				"doctype": "Fiscal Year",
				"year": str(day.year),
				"year_start_date": date(day.year, 1, 1),
				"year_end_date": date(day.year, 12, 31),
			}
		).insert()


# ---------------------------------------------------------------- the real path and its copies
def make_real(person: frappe._dict) -> str:
	"""A customer, location and subscription the way production makes them."""
	from gigafibre.billing import subscriptions

	if not frappe.db.exists("Customer", person.customer):
		frappe.get_doc(
			{
				"doctype": "Customer",
				"customer_name": person.customer,
				"customer_type": "Individual",
				"customer_group": frappe.db.get_value("Customer Group", {"is_group": 0}, "name"),
				"territory": frappe.db.get_value("Territory", {"is_group": 0}, "name"),
				"email_id": person.email,
				"language": person.language,
			}
		).insert()
	location = frappe.db.get_value("Service Location", {"customer": person.customer}) or (
		frappe.get_doc(
			{
				"doctype": "Service Location",
				"customer": person.customer,
				"customer_name": person.customer,
				"location_status": "Pending",
				"address_line1": person.address,
				"city": person.city,
				"province": "QC",
				"postal_code": person.postal_code,
			}
		)
		.insert()
		.name
	)
	return subscriptions.activate(location, YEAR_START, person.lines, bill=False)


def rows_of(customer: str) -> dict[str, list[dict]]:
	"""Every row the real path wrote for `customer`, by doctype."""
	cust = frappe.db.sql("select * from tabCustomer where name=%s", customer, as_dict=True)
	contact = cust[0].customer_primary_contact
	location = frappe.db.sql("select * from `tabService Location` where customer=%s", customer, as_dict=True)
	sub = frappe.db.sql(
		"select * from tabSubscription where gigafibre_service_location=%s", location[0].name, as_dict=True
	)

	def children(table, parent):
		return frappe.db.sql(f"select * from `tab{table}` where parent=%s order by idx", parent, as_dict=True)

	return {
		"Customer": cust,
		"Contact": frappe.db.sql("select * from tabContact where name=%s", contact, as_dict=True),
		"Contact Email": children("Contact Email", contact),
		"Dynamic Link": children("Dynamic Link", contact),
		"Version": frappe.db.sql(
			"select * from tabVersion where ref_doctype='Customer' and docname=%s", customer, as_dict=True
		),
		"Service Location": location,
		"Subscription": sub,
		"Subscription Plan Detail": children("Subscription Plan Detail", sub[0].name),
	}


class Copier:
	"""The rows of one subscription cloned from the real one `template` (a `rows_of` answer), for
	another person: what differs is their names, email, language, address and plan lines."""

	def __init__(self, template: dict[str, list[dict]]):
		self.t = template
		self.plans = dict(frappe.get_all("Subscription Plan", fields=["item", "name"], as_list=True))

	def rows(self, person, location: str, subscription: str, now) -> dict[str, list[dict]]:
		t = self.t
		old_customer, old_contact = t["Customer"][0].name, t["Contact"][0].name
		contact = f"{person.first} {person.last}-{person.customer}"

		def copy(row, **values):
			return {**row, "creation": now, "modified": now, **values}

		def hashed(row, **values):
			return copy(row, name=frappe.generate_hash(length=10), **values)

		data = t["Version"][0].data if t["Version"] else ""
		for old, new in ((old_contact, contact), (old_customer, person.customer)):
			data = data.replace(json.dumps(old)[1:-1], json.dumps(new)[1:-1])  # Version's JSON is ASCII
		rows = {
			"Customer": [
				copy(
					t["Customer"][0],
					name=person.customer,
					customer_name=person.customer,
					language=person.language,
					email_id=person.email,
					customer_primary_contact=contact,
				)
			],
			"Contact": [
				copy(
					t["Contact"][0],
					name=contact,
					first_name=person.first,
					last_name=person.last,
					full_name=f"{person.first} {person.last}",
					email_id=person.email,
				)
			],
			"Contact Email": [hashed(r, parent=contact, email_id=person.email) for r in t["Contact Email"]],
			"Dynamic Link": [
				hashed(r, parent=contact, link_name=person.customer, link_title=person.customer)
				for r in t["Dynamic Link"]
			],
			"Version": [hashed(r, docname=person.customer, data=data) for r in t["Version"]],
			"Service Location": [
				copy(
					t["Service Location"][0],
					name=location,
					customer=person.customer,
					customer_name=person.customer,
					address_line1=person.address,
					city=person.city,
					postal_code=person.postal_code,
				)
			],
			"Subscription": [
				copy(
					t["Subscription"][0],
					name=subscription,
					party=person.customer,
					gigafibre_service_location=location,
				)
			],
			"Subscription Plan Detail": [
				hashed(
					t["Subscription Plan Detail"][0],
					parent=subscription,
					idx=idx,
					plan=self.plans[line["item_code"]],
					qty=line["qty"],
					gigafibre_rate=line["rate"],
				)
				for idx, line in enumerate(person.lines, 1)
			],
		}
		return rows


def differences(real: dict, copied: dict) -> list[str]:
	found = []
	for doctype, rows in real.items():
		if len(rows) != len(copied[doctype]):
			found.append(f"{doctype}: {len(rows)} rows made, {len(copied[doctype])} copied")
			continue
		for made, copy in zip(rows, copied[doctype], strict=True):
			for column in set(made) | set(copy):
				if column in IGNORED or (column == "name" and doctype in HASH_NAMED):
					continue
				a, b = made.get(column), copy.get(column)
				if a != b and not (a in (None, "") and b in (None, "")):
					found.append(f"{doctype}.{column}: made {a!r}, copied {b!r}")
	return found


def series(prefix: str, count: int, digits: int = 5) -> list[str]:
	"""`count` names of a naming series, taken at once (what make_autoname takes one by one)."""
	current = frappe.db.sql("select current from tabSeries where name=%s for update", prefix)
	if not current:
		frappe.db.sql("insert into tabSeries (name, current) values (%s, 0)", prefix)
		current = ((0,),)
	start = int(current[0][0])
	frappe.db.sql("update tabSeries set current=%s where name=%s", (start + count, prefix))
	return [f"{prefix}{n:0{digits}d}" for n in range(start + 1, start + count + 1)]


def generate(seed: int, count: int, verify: int) -> dict:
	"""Make what is missing of the generated set; what was made and how long it took."""
	from frappe.model.naming import parse_naming_series

	start = time.perf_counter()
	people = generated(seed, count)
	done = set(
		frappe.db.sql(
			"select party from tabSubscription where party like %s and gigafibre_service_location is not null",
			f"%-B{seed}-%",
			pluck=True,
		)
	)
	customers = set(
		frappe.db.sql("select name from tabCustomer where name like %s", f"%-B{seed}-%", pluck=True)
	)
	missing = [p for p in people if p.customer not in done]
	# Half-made ones (a run stopped between two commits) and the checked ones: the real path.
	real = [p for p in missing if p.customer in customers]
	fresh = [p for p in missing if p.customer not in customers]
	checked, fresh = fresh[:verify], fresh[verify:]
	for person in real + checked:
		make_real(person)
	frappe.db.commit()
	real_s = time.perf_counter() - start
	copied = 0
	if fresh:
		if not checked:
			raise SystemExit("internal: bulk copies need a subscription made by the real path in this run")
		copier = Copier(rows_of(checked[0].customer))
		now = frappe.utils.now_datetime()
		for person in checked[1:]:
			made = rows_of(person.customer)
			copy = copier.rows(
				person,
				made["Service Location"][0].name,
				made["Subscription"][0].name,
				made["Customer"][0].creation,
			)
			if problems := differences(made, copy):
				raise SystemExit("bulk rows differ from activate()'s:\n  " + "\n  ".join(problems[:20]))
		sub_prefix = parse_naming_series(frappe.get_meta("Subscription").autoname.rsplit(".", 1)[0])
		loc_prefix = frappe.get_meta("Service Location").autoname.split(".")[0]
		for offset in range(0, len(fresh), 2000):
			chunk = fresh[offset : offset + 2000]
			locations = series(loc_prefix, len(chunk))
			subs = series(sub_prefix, len(chunk))
			tables: dict[str, list[dict]] = {}
			for person, location, sub in zip(chunk, locations, subs, strict=True):
				for doctype, rows in copier.rows(person, location, sub, now).items():
					tables.setdefault(doctype, []).extend(rows)
			for doctype, rows in tables.items():
				columns = list(rows[0])
				frappe.db.bulk_insert(
					doctype, columns, [[r[c] for c in columns] for r in rows], chunk_size=5000
				)
			frappe.db.commit()
			copied += len(chunk)
	return {
		"set": count,
		"existing": count - len(missing),
		"real": len(real) + len(checked),
		"checked": max(len(checked) - 1, 0) if fresh else 0,
		"copied": copied,
		"real_s": real_s,
		"seconds": time.perf_counter() - start,
	}


# ---------------------------------------------------------------- billing
def billing_day(seed: int):
	"""The first day of the earliest period still due among the generated subscriptions."""
	return frappe.db.sql(
		"select min(current_invoice_start) from tabSubscription where party like %s "
		"and gigafibre_service_location is not null and status != 'Completed'",
		f"%-B{seed}-%",
	)[0][0]


def due(seed: int, day) -> list[str]:
	from gigafibre.billing import cycle

	ours = set(
		frappe.db.sql("select name from tabSubscription where party like %s", f"%-B{seed}-%", pluck=True)
	)
	names = cycle.due_subscriptions(day)
	others = [n for n in names if n not in ours]
	if others:
		print(f"note: {len(others)} due subscriptions not generated by this seed (run() would bill them too)")
	return [n for n in names if n in ours]


def ours(names: list[str], day) -> tuple[float, int]:
	from gigafibre.billing import cycle

	start = time.perf_counter()
	counts = cycle.bill_batch(names, day)
	elapsed = time.perf_counter() - start
	if counts["failed"]:
		print(f"  ! {counts['failed']} subscriptions failed (Error Log: 'Subscription ... not billed')")
	return elapsed, counts["invoices"]


def floor_lines(names: list[str]) -> list[frappe._dict]:
	"""What each subscription bills, read before the floor's timing: customer, lines, due days."""
	subs = frappe.get_all(
		"Subscription",
		filters={"name": ("in", names)},
		fields=["name", "party", "company", "days_until_due", "sales_tax_template"],
	)
	plans = dict(frappe.get_all("Subscription Plan", fields=["name", "item"], as_list=True))
	lines: dict[str, list] = {}
	for row in frappe.get_all(
		"Subscription Plan Detail",
		filters={"parent": ("in", names), "parenttype": "Subscription"},
		fields=["parent", "plan", "qty", "gigafibre_rate"],
		order_by="parent, idx",
	):
		lines.setdefault(row.parent, []).append((plans[row.plan], row.qty, row.gigafibre_rate))
	return [frappe._dict(sub, lines=lines[sub.name]) for sub in subs]


def floor(subs: list[frappe._dict], day) -> tuple[float, int]:
	"""A plain ERPNext loop: one Sales Invoice inserted and submitted per subscription's lines."""
	from gigafibre.onboarding import catalog

	ctx = catalog.selling_context(subs[0].company, subs[0].sales_tax_template)
	start = time.perf_counter()
	for sub in subs:
		invoice = frappe.new_doc("Sales Invoice")
		invoice.update(
			{
				"customer": sub.party,
				"company": sub.company,
				"currency": ctx.currency,
				"selling_price_list": ctx.price_list,
				"ignore_pricing_rule": 1,
				"set_posting_time": 1,
				"posting_date": day,
				"due_date": frappe.utils.add_days(day, sub.days_until_due),
				"taxes_and_charges": ctx.template,
			}
		)
		for item_code, qty, rate in sub.lines:
			invoice.append(
				"items", {"item_code": item_code, "qty": qty, "rate": rate, "price_list_rate": rate}
			)
		for row in ctx.tax_rows:
			invoice.append("taxes", row)
		invoice.flags.ignore_permissions = True
		invoice.insert()
		invoice.submit()
		frappe.db.commit()
	return time.perf_counter() - start, len(subs)


def email_step(count: int) -> float | None:
	"""The invoice e-mails the cycle stored (outbox steps, sent by a short-queue job after its
	commit, not inside the batch): `count` of them sent here, one `outbox.send` each as the job
	does; the median milliseconds per e-mail. The rest stay Queued for the site's outbox sweep."""
	from gigafibre.billing import cycle
	from gigafibre.messaging import outbox

	rows = frappe.get_all(
		"Outgoing Message",
		filters={"call_method": cycle.EMAIL_INVOICE, "status": "Queued"},
		pluck="name",
		order_by="creation desc",
		limit=count,
	)
	if not rows:
		print("note: no invoice e-mail stored (Gigafibre Settings: invoice_email off?)")
		return None
	times = []
	for name in rows:
		start = time.perf_counter()
		outbox.send(name)
		times.append(time.perf_counter() - start)
	return statistics.median(times) * 1000


# ---------------------------------------------------------------- workers
def enqueue_like_run(names: list[str], day) -> list[str]:
	"""What `cycle.run(day)` enqueues, for these names only; the RQ job ids."""
	from gigafibre.billing import cycle
	from gigafibre.jobs import enqueue

	for index in range(0, len(names), cycle.BATCH):
		chunk = names[index : index + cycle.BATCH]
		enqueue(
			"gigafibre.billing.cycle.bill_batch",
			queue="long",
			timeout=3600,
			job_id=f"billing-cycle:{day}:{chunk[0]}",
			names=chunk,
			day=str(day),
		)
	frappe.db.commit()
	return job_ids(names, day)


def job_ids(names: list[str], day) -> list[str]:
	from gigafibre.billing import cycle

	return [f"{frappe.local.site}::billing-cycle:{day}:{names[i]}" for i in range(0, len(names), cycle.BATCH)]


def work(site: str, processes: int, ids: list[str]) -> dict:
	"""`processes` burst workers on this site's long queue until it is empty; wall time (worker
	start-up included) and the span from the first job's start to the last one's end."""
	start, db_cpu, children = time.perf_counter(), server_cpu(), resource.getrusage(resource.RUSAGE_CHILDREN)
	workers = [
		subprocess.Popen([sys.executable, os.path.abspath(__file__), "--worker", "--site", site])
		for _ in range(processes)
	]
	codes = [w.wait() for w in workers]
	wall = time.perf_counter() - start
	after = resource.getrusage(resource.RUSAGE_CHILDREN)
	cpu = {
		"workers_cpu": (after.ru_utime + after.ru_stime) - (children.ru_utime + children.ru_stime),
		"db_cpu": server_cpu() - db_cpu if db_cpu is not None else None,
	}
	if any(codes):
		raise SystemExit(f"worker exit codes {codes}")
	from frappe.utils.background_jobs import get_redis_conn
	from rq.job import Job

	jobs = [j for j in Job.fetch_many(ids, connection=get_redis_conn()) if j]
	failed = [j.id for j in jobs if j.get_status() != "finished"]
	if failed or len(jobs) != len(ids):
		print(f"  ! jobs not finished: {failed[:5]} ({len(ids) - len(jobs)} gone from Redis): span = wall")
		return {"wall": wall, "span": wall, **cpu}
	span = (max(j.ended_at for j in jobs) - min(j.started_at for j in jobs)).total_seconds()
	return {"wall": wall, "span": span, **cpu}


def server_cpu() -> float | None:
	"""CPU seconds the local MariaDB server has used so far (None when it is not on this machine)."""
	for pid in os.listdir("/proc"):
		if not pid.isdigit():
			continue
		try:
			with open(f"/proc/{pid}/comm") as comm:
				if comm.read().strip() not in ("mariadbd", "mysqld"):
					continue
			with open(f"/proc/{pid}/stat") as stat:
				fields = stat.read().rsplit(")", 1)[1].split()
		except OSError:
			continue
		return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
	return None


def worker_main() -> None:
	"""`bench worker --queue long --burst`, on the queue names of this site's bench_id."""
	from frappe.utils.background_jobs import (
		Worker,
		_freeze_gc,
		get_queue_list,
		get_redis_conn,
		set_niceness,
	)

	_freeze_gc()
	connection = get_redis_conn()
	queues = get_queue_list(["long"], build_queue_name=True)
	set_niceness()
	frappe.destroy()
	Worker(queues, connection=connection).work(logging_level="WARNING", burst=True)


def row_locks(before: dict | None = None) -> dict:
	"""InnoDB's row-lock waits so far (the server's, all sites), or since `before`."""
	status = dict(frappe.db.sql("show global status like 'Innodb_row_lock_%%'"))
	now = {"waits": int(status["Innodb_row_lock_waits"]), "ms": int(status["Innodb_row_lock_time"])}
	since = {k: now[k] - (before["_" + k] if before else 0) for k in now}
	return {**since, **{"_" + k: v for k, v in now.items()}}


def drop_flow_jobs() -> tuple[int, int]:
	"""Empty this site's short/default queues (the flow events the invoices enqueued); how many
	jobs there were and the size of one."""
	from frappe.utils.background_jobs import get_queue_list, get_redis_conn
	from rq import Queue

	connection, count, size = get_redis_conn(), 0, 0
	for name in get_queue_list(["short", "default"], build_queue_name=True):
		queue = Queue(name, connection=connection)
		count += queue.count
		if queue.count and not size:
			size = len(connection.hget(f"rq:job:{queue.job_ids[0]}", "data") or b"")
		queue.empty()
	return count, size


# ---------------------------------------------------------------- profile
def profile(names: list[str], day) -> None:
	"""One batch of each under cProfile, with the number of SQL statements per invoice."""
	subs = floor_lines(names)
	for label, call in (("ours", lambda: ours(names, day)), ("floor", lambda: floor(subs, day))):
		statements = {"n": 0}
		sql = frappe.db.sql

		def counted(*args, **kwargs):
			statements["n"] += 1
			return sql(*args, **kwargs)

		frappe.db.sql = counted
		profiler = cProfile.Profile()
		profiler.enable()
		elapsed, made = call()
		profiler.disable()
		frappe.db.sql = sql
		print(
			f"\n--- {label}: {made} invoices, {elapsed / made * 1000:.1f} ms and "
			f"{statements['n'] / made:.0f} SQL statements each"
		)
		out = io.StringIO()
		pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(
			r"gigafibre|erpnext/(accounts|controllers|selling|stock|setup)|frappe/(model|email|database)", 40
		)
		print(out.getvalue())


# ---------------------------------------------------------------- main
def main() -> int:
	parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
	parser.add_argument("--site", required=True)
	parser.add_argument("--subscriptions", type=int, default=20000)
	parser.add_argument("--runs", type=int, default=3)
	parser.add_argument("--sample", type=int, default=300, help="subscriptions per timed run")
	parser.add_argument("--seed", type=int, default=15)
	parser.add_argument("--verify", type=int, default=6, help="made by activate(), checked against copies")
	parser.add_argument("--warmup", type=int, default=20)
	parser.add_argument("--workers-slice", type=int, default=600, help="subscriptions per worker test")
	parser.add_argument(
		"--month",
		default="2400",
		help="subscriptions billed by 2 workers, scaled to 20,000; 'all': cycle.run",
	)
	parser.add_argument("--profile", action="store_true")
	parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
	args = parser.parse_args()
	frappe.init(site=args.site, sites_path=".")
	if args.worker:
		worker_main()
		return 0
	frappe.connect()
	frappe.set_user("Administrator")
	ensure_site(args.site)
	# Finished jobs keep their start and end times this long (Frappe's default, 10 min, is shorter
	# than the month): for the jobs this process enqueues only.
	frappe.local.conf.rq_results_ttl = 6 * 3600

	drop_flow_jobs()  # what an earlier, interrupted run left
	made = generate_all(args)
	day = billing_day(args.seed)
	ensure_fiscal_year(day)
	names = due(args.seed, day)
	print(f"billing day {day}: {len(names)} of the generated subscriptions due")
	need = args.warmup + args.runs * args.sample + 2 * args.workers_slice
	if len(names) < need + (60 if args.profile else 0):
		raise SystemExit(f"{len(names)} due, {need} needed: raise --subscriptions or lower --sample/--runs")
	taken = iter(range(len(names)))

	def take(count):
		return [names[next(taken)] for _ in range(count)]

	# Warm both paths (caches, first documents) before timing.
	warm = take(args.warmup)
	floor(floor_lines(warm), day)
	ours(warm, day)
	if args.profile:
		profile(take(60), day)

	results = {"ours": [], "floor": []}
	for run in range(args.runs):
		slice_ = take(args.sample)
		subs = floor_lines(slice_)
		order = ("floor", "ours") if run % 2 == 0 else ("ours", "floor")
		for label in order:
			seconds, count = floor(subs, day) if label == "floor" else ours(slice_, day)
			results[label].append(count / seconds)
			print(
				f"  run {run + 1} {label:5}: {count} invoices in {seconds:6.1f} s = {count / seconds:5.2f} inv/s"
			)
	email_ms = email_step(args.sample)
	flow_jobs, flow_job_bytes = drop_flow_jobs()
	in_process = 2 * (args.warmup + args.runs * args.sample + (60 if args.profile else 0))

	one_slice = take(args.workers_slice)
	locks = row_locks()
	one = work(args.site, 1, enqueue_like_run(one_slice, day))
	one_locks = row_locks(locks)
	two_slice = take(args.workers_slice)
	two = work(args.site, 2, enqueue_like_run(two_slice, day))
	two_locks = row_locks(one_locks)
	drop_flow_jobs()
	for label, count, result, waits in (
		("1 worker ", len(one_slice), one, one_locks),
		("2 workers", len(two_slice), two, two_locks),
	):
		print(
			f"  {label}: {count} in {result['span']:.1f} s (wall {result['wall']:.1f} s); "
			f"InnoDB row-lock waits {waits['waits']}, {waits['ms'] / 1000:.1f} s waited"
		)

	rest = [names[i] for i in taken]
	if args.month != "all":
		rest = rest[: int(args.month)]
		month = work(args.site, 2, enqueue_like_run(rest, day))
	else:
		from gigafibre.billing import cycle

		enqueued = cycle.run(day)
		frappe.db.commit()
		if enqueued != len(rest):
			print(f"note: cycle.run enqueued {enqueued}, {len(rest)} expected")
		month = work(args.site, 2, job_ids(rest, day))
	drop_flow_jobs()
	invoices = frappe.db.count(
		"Sales Invoice", {"posting_date": day, "subscription": ("in", rest), "docstatus": 1}
	)
	floor_ips, ours_ips = statistics.median(results["floor"]), statistics.median(results["ours"])
	one_ips, two_ips = len(one_slice) / one["span"], len(two_slice) / two["span"]
	scaled = month["span"] * 20000 / max(invoices, 1)

	print(f"\nSubscriptions: {made['set']} (seed {args.seed}); this run made {made['real']} by activate()")
	print(
		f"  and bulk-copied {made['copied']} (checked against {made['checked']} real ones) in "
		f"{made['seconds']:.1f} s ({made['real_s']:.1f} s of it the real ones); {made['existing']} existed"
	)
	print(f"Flow-event jobs: {flow_jobs} enqueued by the {in_process} invoices made in this process")
	print(f"  ({flow_job_bytes} bytes each in Redis; dropped: no worker of this site takes them here)")
	print("\n| measure                         | value |")
	print("|---------------------------------|------:|")
	print(f"| floor (ERPNext loop), inv/s     | {floor_ips:.2f} |")
	print(f"| ours (bill_batch), inv/s        | {ours_ips:.2f} |")
	print(f"| cost per invoice ours / floor   | {floor_ips / ours_ips:.2f}x (goal <= 1.2x) |")
	if email_ms is not None:
		with_email = 1 / (1 / ours_ips + email_ms / 1000)
		print(f"| e-mail step (outbox job), ms/inv| {email_ms:.0f} |")
		print(
			f"| ours + its e-mail, inv/s        | {with_email:.2f} ({floor_ips / with_email:.2f}x the floor) |"
		)
	print(f"| 1 worker, inv/s                 | {one_ips:.2f} |")
	print(f"| 2 workers, inv/s                | {two_ips:.2f} |")
	print(f"| speed-up 2 / 1                  | {two_ips / one_ips:.2f}x (goal >= 1.7x) |")
	if one.get("db_cpu") is not None:
		# Both workers and the database share this machine's cores: one invoice costs the CPU of
		# its worker and of MariaDB, so the cores bound what any number of workers can reach.
		per_invoice = (one["workers_cpu"] + one["db_cpu"]) / len(one_slice)
		ceiling = os.cpu_count() / per_invoice
		print(
			f"| CPU per invoice, 1 worker       | {1000 * one['workers_cpu'] / len(one_slice):.0f} ms worker"
			f" + {1000 * one['db_cpu'] / len(one_slice):.0f} ms MariaDB |"
		)
		print(
			f"| {os.cpu_count()} cores' ceiling, inv/s        | {ceiling:.2f} (at most {ceiling / one_ips:.2f}x one worker) |"
		)
	print(
		f"| month, 2 workers: {invoices:>6} invoices | {month['span'] / 60:.1f} min (wall {month['wall'] / 60:.1f}) |"
	)
	print(
		f"| 20,000-subscription month       | {scaled / 60:.1f} min{'' if invoices == 20000 else ' (scaled)'} |"
	)
	print(
		f"\nmedian of {args.runs} runs x {args.sample}; runs: floor {results['floor']}, ours {results['ours']}"
	)
	print(f"{os.cpu_count()} CPUs, MariaDB on the same machine")
	return 0


def generate_all(args) -> dict:
	ensure_tax_template(company())
	ensure_catalog()
	ensure_email_account()
	frappe.db.commit()
	made = generate(args.seed, args.subscriptions, args.verify)
	print(
		f"generated: {made['real']} real + {made['copied']} copied in {made['seconds']:.1f} s "
		f"({made['existing']} existed)"
	)
	return made


if __name__ == "__main__":
	sys.exit(main())
