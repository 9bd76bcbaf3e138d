"""The billing cycle: one submitted Sales Invoice per subscription and period, billed in advance.

The Subscription row is the stored state: `current_invoice_start/end` is the next period to bill.
The scheduler (hourly) bills every subscription whose next period has begun, in batches of jobs;
a lost job, a missed day or a stopped scheduler are caught up at the next run, one invoice per
missed period. Each invoice carries the key `<subscription>/<period start>` in a unique column,
so a re-run, a replayed job or two workers on the same subscription never make a second one.

An invoice has the monthly lines (prorated when the period is shorter than its cycle: the first
calendar month, the last days before an end date), the prorated adjustments of plan changes not
billed yet, and the taxes of the company's template, computed by ERPNext. Its e-mail is stored with
it (an outbox step, `messaging/outbox.queue_call`, in the same transaction) and handed to Frappe's
email queue by a short job after the commit, the PDF rendered when the queue sends it: the e-mail
(mostly Frappe's CSS inlining, ~90 ms) is not paid inside the batch, and a mail that cannot go (no
outgoing account) no longer takes its invoice down with it. The invoice is listed in the portal
with the customer's other invoices, and the pre-authorized payment run charges it when due.

A batch names its invoices from a block of the naming series reserved ahead
(`invoice_numbers.Block`), so two workers do not wait on the series row.
"""

import json
from datetime import timedelta

import frappe
from frappe import _
from frappe.utils import add_days, cint, flt, getdate, today

from gigafibre.billing import invoice_numbers, periods, subscriptions
from gigafibre.messaging import outbox
from gigafibre.messaging.language import recipient_language, rendered_in
from gigafibre.onboarding import catalog
from gigafibre.onboarding.item_names import names_in
from gigafibre.printing.amounts import format_money

BATCH = 200
EMAIL_INVOICE = "gigafibre.billing.cycle.email_invoice"
PRINT_FORMAT = "Gigafibre Invoice"


def billing_key(subscription: str, start) -> str:
	return f"{subscription}/{getdate(start).isoformat()}"


def due_subscriptions(day, limit: int | None = None) -> list[str]:
	"""Subscriptions whose next period has begun by `day` (and is not after their end date)."""
	sub = frappe.qb.DocType("Subscription")
	query = (
		frappe.qb.from_(sub)
		.select(sub.name)
		.where(
			sub.gigafibre_service_location.isnotnull()
			& (sub.current_invoice_start <= getdate(day))
			& (sub.end_date.isnull() | (sub.current_invoice_start <= sub.end_date))
			& (sub.status != "Completed")
		)
		.orderby(sub.name)
	)
	if limit:
		query = query.limit(limit)
	return query.run(pluck=True)


def run(day=None, batch: int = BATCH) -> int:
	"""Scheduler, hourly: enqueue the due subscriptions in batches; the number due."""
	from gigafibre.jobs import enqueue

	day = getdate(day or today())
	names = due_subscriptions(day)
	for index in range(0, len(names), batch):
		chunk = names[index : index + batch]
		enqueue(
			"gigafibre.billing.cycle.bill_batch",
			queue="long",
			timeout=3600,
			job_id=f"billing-cycle:{day}:{chunk[0]}",
			deduplicate=True,  # a batch still running from the last hour is not doubled
			names=chunk,
			day=str(day),
		)
	return len(names)


def bill_batch(names: list[str], day) -> dict:
	"""Job: bill each subscription of the batch; one failing does not stop the others."""
	counts = {"invoices": 0, "failed": 0}
	context = Context(numbers=invoice_numbers.Block())
	try:
		for index, name in enumerate(names):
			_bill_one(name, day, context, counts, wanted=len(names) - index)
	finally:
		context.numbers.release()
	return counts


def _bill_one(name: str, day, context: "Context", counts: dict, wanted: int) -> None:
	context.numbers.refill(wanted)  # between two commits: its own short transaction
	mark = context.numbers.mark()
	frappe.db.savepoint("billing_cycle")
	try:
		counts["invoices"] += len(bill_subscription(name, day, context))
	except Exception:
		frappe.db.rollback(save_point="billing_cycle")
		context.numbers.give_back_to(mark)
		# The savepoint does not take back what was to run after commit (the rolled-back
		# invoice's flow event); this subscription's are the only ones pending (commit below).
		if not frappe.flags.in_test:
			frappe.db.after_commit.reset()
		counts["failed"] += 1
		frappe.log_error(
			title=_("Subscription {0} not billed").format(name),
			reference_doctype="Subscription",
			reference_name=name,
		)
	if not frappe.flags.in_test:
		frappe.db.commit()  # each subscription's invoices stand on their own


class Context:
	"""What every invoice of a run shares: the selling context, tax rows, settings."""

	def __init__(self, numbers: invoice_numbers.Block | None = None):
		self.selling = {}
		self.numbers = numbers  # None: ERPNext names each invoice (one-off bills outside a batch)
		self.send_email = cint(frappe.db.get_single_value("Gigafibre Settings", "invoice_email"))

	def of(self, company: str, template: str | None) -> frappe._dict:
		key = (company, template)
		if key not in self.selling:
			self.selling[key] = catalog.selling_context(company, template)
		return self.selling[key]


def bill_subscription(name: str, day, context: Context | None = None) -> list[str]:
	"""Bill every period of `name` begun by `day`; the invoices made (or found, on a re-run)."""
	context = context or Context()
	day = getdate(day)
	sub = frappe.get_doc("Subscription", name, for_update=True)
	if not sub.current_invoice_start:
		return []
	mode = subscriptions.billing_mode(sub)
	anchor = getdate(sub.start_date)
	end_date = getdate(sub.end_date) if sub.end_date else None
	lines = subscriptions.monthly_lines(sub)
	made = []
	for period in periods.periods_due(getdate(sub.current_invoice_start), day, mode, anchor, end_date):
		made.append(invoice_for(sub, period, day, lines, context))
		following = period.end + timedelta(days=1)
		next_period = (
			periods.billed_period(following, mode, anchor, end_date)
			if end_date is None or following <= end_date
			else periods.Period(following, following)
		)
		sub.db_set(
			{"current_invoice_start": next_period.start, "current_invoice_end": next_period.end},
			update_modified=False,
		)
	return made


def invoice_for(sub, period: periods.Period, day, lines: list[dict], context: Context) -> str:
	"""The submitted Sales Invoice of `sub` for `period`: made once, found after."""
	key = billing_key(sub.name, period.start)
	if existing := existing_invoice(key):
		return existing
	whole = periods.full_period(period.start, subscriptions.billing_mode(sub), getdate(sub.start_date))
	charges = [
		Charge(line["item_code"], line["qty"], periods.prorated(line["rate"], period, whole), period)
		for line in lines
	]
	return settle(sub, key, day, period, charges, context)


def existing_invoice(key: str) -> str | None:
	return frappe.db.get_value("Sales Invoice", {"gigafibre_billing_key": key, "docstatus": ("<", 2)})


class Charge:
	"""One line to bill: `amount` per unit for the days of `period` (negative: a credit)."""

	def __init__(self, item_code: str, qty, amount, period: periods.Period, label: str | None = None):
		self.item_code, self.qty, self.amount, self.period, self.label = item_code, qty, amount, period, label


def settle(sub, key: str, day, period: periods.Period, charges: list[Charge], context: Context) -> str | None:
	"""Submit what `charges` and the changes not billed yet come to; the document's name, None
	when nothing is owed either way.

	ERPNext refuses negative rates and quantities on an invoice (Selling Settings' "Allow Negative
	rates", off by default, and we leave the site's setting alone), so credits are the invoice's
	additional discount on the net total (taxes follow), itemized in its remarks; when there is
	nothing to charge (a cancellation's unused days), they are a credit note's lines. Credits that
	exceed the charges leave the rest on a credit note of their own (`<key>/credit`)."""
	changes = unbilled_changes(sub.name)
	for change in changes:
		for adjustment in change["adjustments"]:
			amount = flt(adjustment["amount"])
			days = periods.Period(getdate(adjustment["start"]), getdate(adjustment["end"]))
			charges.append(
				Charge(adjustment["item_code"], 1, amount, days, "credit" if amount < 0 else "charge")
			)
	positives = [c for c in charges if flt(c.amount) > 0]
	credits = [c for c in charges if flt(c.amount) < 0]
	if not positives and not credits:
		return None
	language = recipient_language(sub.party)
	names = names_in([c.item_code for c in charges], language)
	if not positives:
		name = _submit(sub, key, day, period, credits, context, language, names, is_return=True)
	else:
		charged = sum(flt(c.amount) * flt(c.qty) for c in positives)
		credited = -sum(flt(c.amount) * flt(c.qty) for c in credits)
		name = _submit(
			sub,
			key,
			day,
			period,
			positives,
			context,
			language,
			names,
			credits=credits,
			discount=min(credited, charged),
		)
		if credited > charged:
			rest = Charge(credits[0].item_code, 1, -(credited - charged), credits[0].period, "credit")
			_submit(sub, f"{key}/credit", day, period, [rest], context, language, names, is_return=True)
	for change in changes:
		frappe.db.set_value("Subscription Change", change["name"], "billed_invoice", name)
	return name


def _submit(
	sub,
	key: str,
	day,
	period: periods.Period,
	lines: list[Charge],
	context: Context,
	language: str,
	names: dict,
	is_return: bool = False,
	credits: list[Charge] | None = None,
	discount: float = 0,
) -> str:
	ctx = context.of(sub.company, sub.sales_tax_template)
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
			"due_date": day if is_return else add_days(day, cint(sub.days_until_due)),
			"is_return": 1 if is_return else 0,
			"taxes_and_charges": ctx.template,
			"subscription": sub.name,
			"from_date": period.start,
			"to_date": period.end,
			"gigafibre_billing_key": key,
			"gigafibre_service_location": sub.gigafibre_service_location,
			"language": language,
		}
	)
	with rendered_in(language):
		for line in lines:
			# A credit note's quantities are negative (ERPNext's returns), its rates positive.
			qty = -abs(flt(line.qty)) if is_return else flt(line.qty)
			invoice.append(
				"items",
				_item_row(line.item_code, qty, abs(flt(line.amount)), line.period, describe(line, names)),
			)
		if credits and discount:
			invoice.apply_discount_on = "Net Total"
			invoice.discount_amount = discount
			invoice.remarks = "\n".join(
				f"{describe(credit, names)} : {format_money(credit.amount * flt(credit.qty), ctx.currency, language)}"
				for credit in credits
			)
	for row in ctx.tax_rows:
		invoice.append("taxes", row)
	invoice.flags.ignore_permissions = True
	invoice.insert(set_name=context.numbers.take(invoice) if context.numbers else None)
	invoice.submit()
	if context.send_email and not is_return:
		outbox.queue_call(
			EMAIL_INVOICE,
			dedupe_key=f"invoice-email:{invoice.name}",
			invoice=invoice.name,
			customer=sub.party,
			language=language,
		)
	return invoice.name


def describe(line: Charge, names: dict) -> str:
	"""What a line says, in the language being rendered: the item, its days, and why."""
	text = f"{names.get(line.item_code, line.item_code)}, {period_text(line.period)}"
	if line.label == "credit":
		return _("Credit: {0}").format(text)
	if line.label == "charge":
		return _("Charge for a change: {0}").format(text)
	return text


def _item_row(item_code: str, qty, rate, period: periods.Period, description: str) -> dict:
	# The description says the days billed; item_names.localize names the item in the customer's
	# language. Price list rate = rate: a prorated line is not a discount.
	return {
		"item_code": item_code,
		"qty": qty,
		"rate": rate,
		"price_list_rate": rate,
		"description": description,
		"service_start_date": period.start,
		"service_end_date": period.end,
	}


def period_text(period: periods.Period) -> str:
	""" "1 to 30 April 2027" in the language being rendered."""
	from gigafibre.printing.invoice import gigafibre_date

	return _("{0} to {1}").format(gigafibre_date(period.start), gigafibre_date(period.end))


def unbilled_changes(subscription: str) -> list[dict]:
	rows = frappe.get_all(
		"Subscription Change",
		filters={
			"subscription": subscription,
			"billed_invoice": ("is", "not set"),
			"adjustments": ("is", "set"),
		},
		fields=["name", "adjustments"],
		order_by="creation asc",
	)
	changes = []
	for row in rows:
		adjustments = json.loads(row.adjustments or "[]")
		if adjustments:
			changes.append({"name": row.name, "adjustments": adjustments})
	return changes


def email_invoice(invoice: str, customer: str, language: str) -> None:
	"""The outbox step: the invoice to the customer's email through Frappe's email queue, its PDF
	made when sent."""
	email = frappe.db.get_value("Customer", customer, "email_id")
	if not email:
		return
	with rendered_in(language) as lang:
		frappe.sendmail(
			recipients=[email],
			subject=_("Your Gigafibre invoice {0}").format(invoice),
			message=_("Hello, your Gigafibre invoice {0} is attached. Thank you for being with us.").format(
				invoice
			),
			attachments=[
				{
					"print_format_attachment": 1,
					"doctype": "Sales Invoice",
					"name": invoice,
					"print_format": PRINT_FORMAT,
					"lang": lang,
				}
			],
			reference_doctype="Sales Invoice",
			reference_name=invoice,
		)
