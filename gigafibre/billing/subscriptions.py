"""Subscriptions: one ERPNext Subscription per Service Location, begun when its install passes.

ERPNext's **Subscription** and **Subscription Plan** are the record (seed §6): the party, the plans
(one Subscription Plan per catalog item, priced from the selling price list; the rate the
customer accepted kept on the plan row), the start and end dates, the status, and the invoices,
linked by ERPNext's own `subscription`, `from_date` and `to_date`. What ERPNext 15's
`Subscription.process` cannot do, measured on its code, is billed by `gigafibre.billing.cycle`:

- it bills a period only on the very day it starts (`can_generate_new_invoice` compares dates for
  equality) and moves on otherwise: a day the scheduler missed is a month never invoiced;
- billed in advance, its proration factor is always 1 (`get_prorata_factor(is_prepaid=1)`): the
  first calendar month would be billed whole;
- nothing for a change mid-cycle, and no key per period: two workers can bill a period twice;
- `follow_calendar_months` demands an end date, and `validate_end_date` refuses a cancellation
  within the first month.

So the cycle makes ordinary Sales Invoices from the Subscription and keeps its
`current_invoice_start/end` (the next period to bill); `GigafibreSubscription` routes ERPNext's
daily `process_all` and the desk's buttons to the same code, so there is one way to bill.
"""

import json

import frappe
from frappe import _
from frappe.utils import flt, getdate, now_datetime, today

from gigafibre.billing import periods
from gigafibre.onboarding import catalog

DOCTYPE = "Subscription"
LIVE = ("Active", "Past Due Date", "Unpaid", "Trialling")
# Web catalog kinds a subscription bills every month (fees are invoiced once, at signature).
MONTHLY_KINDS = ("Plan", "Add-on")


def ensure_plan(item_code: str, ctx: frappe._dict | None = None) -> str:
	"""The Subscription Plan of a catalog item (named after it), made the first time."""
	if frappe.db.exists("Subscription Plan", item_code):
		return item_code
	ctx = ctx or catalog.selling_context()
	plan = frappe.get_doc(
		{
			"doctype": "Subscription Plan",
			"plan_name": item_code,
			"item": item_code,
			"currency": ctx.currency,
			"price_determination": "Based On Price List",
			"price_list": ctx.price_list,
			"billing_interval": "Month",
			"billing_interval_count": 1,
		}
	)
	plan.insert(ignore_permissions=True)
	return plan.name


def of_location(service_location: str) -> str | None:
	"""The location's subscription that is not over (a cancelled one still billing its last days
	counts), else None."""
	rows = frappe.get_all(
		DOCTYPE,
		filters={"gigafibre_service_location": service_location},
		fields=["name", "status", "end_date"],
		order_by="creation desc",
	)
	for row in rows:
		if row.status in LIVE or (row.end_date and getdate(row.end_date) >= getdate(today())):
			return row.name
	return None


def accepted_lines(service_location: str) -> list[dict]:
	"""The monthly lines the customer accepted for this address: the plan and add-ons of its web
	order's Sales Order, at the accepted rates."""
	order = frappe.db.get_value(
		"Web Order",
		{"service_location": service_location, "status": "Accepted", "sales_order": ("is", "set")},
		["name", "sales_order"],
		as_dict=True,
		order_by="creation desc",
	)
	if not order:
		return []
	rows = frappe.get_all(
		"Sales Order Item",
		filters={"parent": order.sales_order},
		fields=["item_code", "rate", "qty"],
		order_by="idx",
	)
	kinds = dict(
		frappe.get_all(
			"Item",
			filters={"name": ("in", [r.item_code for r in rows] or [""])},
			fields=["name", "gigafibre_kind"],
			as_list=True,
		)
	)
	return [
		{"item_code": r.item_code, "rate": flt(r.rate), "qty": flt(r.qty) or 1}
		for r in rows
		if kinds.get(r.item_code) in MONTHLY_KINDS
	]


def activate(
	service_location: str, start_date=None, lines: list[dict] | None = None, bill: bool = True
) -> str:
	"""Begin the location's subscription on `start_date` (today) with `lines` (default: what the
	customer accepted) and bill its first period. Once per location: a second call answers the
	subscription there is."""
	if existing := of_location(service_location):
		return existing
	location = frappe.get_doc("Service Location", service_location, for_update=True)
	if not location.customer:
		frappe.throw(_("Service Location {0} has no customer to bill.").format(service_location))
	lines = lines if lines is not None else accepted_lines(service_location)
	if not lines:
		frappe.throw(
			_("No plan to bill for {0}: the location has no accepted order. Give the plan.").format(
				service_location
			),
			frappe.ValidationError,
		)
	start = getdate(start_date or today())
	ctx = catalog.selling_context()
	mode = frappe.db.get_single_value("Gigafibre Settings", "billing_day") or periods.CALENDAR_MONTH
	days_until_due = frappe.db.get_single_value("Gigafibre Settings", "invoice_days_until_due")
	sub = frappe.new_doc(DOCTYPE)
	sub.update(
		{
			"party_type": "Customer",
			"party": location.customer,
			"company": ctx.company,
			"start_date": start,
			"generate_invoice_at": "Beginning of the current subscription period",
			"submit_invoice": 1,
			"generate_new_invoices_past_due_date": 1,
			"days_until_due": 15 if days_until_due is None else days_until_due,
			"sales_tax_template": ctx.template,
			"gigafibre_service_location": service_location,
			"gigafibre_billing_mode": mode,
		}
	)
	for line in lines:
		sub.append(
			"plans",
			{
				"plan": ensure_plan(line["item_code"], ctx),
				"qty": line.get("qty") or 1,
				"gigafibre_rate": line.get("rate"),
			},
		)
	sub.flags.ignore_permissions = True
	sub.insert()
	first = periods.billed_period(start, mode, start)
	sub.db_set({"current_invoice_start": first.start, "current_invoice_end": first.end})
	if location.location_status in ("Pending", "Inactive"):
		location.db_set("location_status", "Active")
	if bill:
		from gigafibre.billing import cycle

		cycle.bill_subscription(sub.name, start)
	return sub.name


def monthly_lines(sub) -> list[dict]:
	"""The subscription's lines as the cycle bills them: item, monthly rate, quantity, kind."""
	plans = {row.plan: row for row in sub.plans}
	items = dict(
		frappe.get_all(
			"Subscription Plan",
			filters={"name": ("in", list(plans) or [""])},
			fields=["name", "item"],
			as_list=True,
		)
	)
	missing = [items[p] for p, row in plans.items() if row.get("gigafibre_rate") in (None, "") and p in items]
	prices = catalog.prices_for(catalog.selling_context(sub.company).price_list, missing) if missing else {}
	lines = []
	for plan, row in plans.items():
		item_code = items.get(plan)
		if not item_code:
			continue
		rate = row.get("gigafibre_rate")
		lines.append(
			{
				"item_code": item_code,
				"rate": flt(rate if rate not in (None, "") else prices.get(item_code, 0)),
				"qty": flt(row.qty) or 1,
			}
		)
	return lines


def billing_mode(sub) -> str:
	return sub.get("gigafibre_billing_mode") or periods.CALENDAR_MONTH


def job_updated(doc, method=None) -> None:
	"""Dispatch Job on_update: an Install completed begins the subscription; a Removal completed
	returns its equipment. An Install completes only once its network acceptance passed or was
	overridden (or when no gate is set up: Not Checked), so a completed one is a working service."""
	before = doc.get_doc_before_save()
	if doc.status != "Completed" or (before and before.status == "Completed"):
		return
	from gigafibre.jobs import enqueue

	if doc.job_type == "Install" and doc.service_location and doc.acceptance_status != "Failed":
		enqueue(
			"gigafibre.billing.subscriptions.activate_for_job",
			job_id=f"billing-activate:{doc.name}",
			deduplicate=True,
			job=doc.name,
		)
	elif doc.job_type == "Removal":
		from gigafibre.billing.cancellation import equipment_returned

		equipment_returned(doc)


def activate_for_job(job: str) -> str | None:
	"""Job: the subscription an Install job begins, on the day it was completed (Montréal time)."""
	row = frappe.db.get_value(
		"Dispatch Job",
		job,
		["service_location", "status", "job_type", "acceptance_status", "check_out_at"],
		as_dict=True,
	)
	if not row or row.status != "Completed" or row.acceptance_status == "Failed":
		return None
	lines = accepted_lines(row.service_location)
	if not lines:
		return None  # nothing accepted to bill: the desk begins it by hand (api.billing.activate)
	start = getdate(row.check_out_at or now_datetime())
	return activate(row.service_location, start, lines)


def activate_completed_installs(days: int = 31) -> int:
	"""Scheduler, hourly: installs completed and accepted whose activation job was lost."""
	job = frappe.qb.DocType("Dispatch Job")
	order = frappe.qb.DocType("Web Order")
	sub = frappe.qb.DocType(DOCTYPE)
	rows = (
		frappe.qb.from_(job)
		.join(order)
		.on((order.service_location == job.service_location) & (order.status == "Accepted"))
		.left_join(sub)
		.on(sub.gigafibre_service_location == job.service_location)
		.select(job.name)
		.distinct()
		.where(
			(job.job_type == "Install")
			& (job.status == "Completed")
			& (job.acceptance_status.isnull() | (job.acceptance_status != "Failed"))
			& (job.modified >= frappe.utils.add_days(now_datetime(), -days))
			& (sub.name.isnull())
		)
		.limit(200)
	).run(pluck=True)
	for name in rows:
		frappe.db.savepoint("billing_activate")
		try:
			activate_for_job(name)
			if not frappe.flags.in_test:
				frappe.db.commit()
		except frappe.ValidationError:
			frappe.db.rollback(save_point="billing_activate")
			frappe.log_error(title=_("Subscription not begun for job {0}").format(name))
	return len(rows)


def snapshot(lines: list[dict]) -> str:
	return json.dumps(sorted(lines, key=lambda line: line["item_code"]), default=str)
