"""Pre-authorized payments (PPA): the daily job charges due invoices on the card on file.

One attempt per invoice and day (the idempotency key carries the date): a job run twice the same
day cannot charge twice, and a declined card is tried again the next day with a new key. A success
Stripe answers at once is recorded here; otherwise `payment_intent.succeeded` records it (the same
PaymentIntent, so still one Payment Entry). Failures become a Comment on the invoice and an Error Log.

A charge Stripe left "processing" blocks new attempts on its invoice until its webhook comes. If
that webhook never comes (lost, or the endpoint was down longer than Stripe retries), the daily
job asks Stripe where the PaymentIntent stands before charging anything (`reconcile_pending`).
"""

import frappe
from frappe import _
from frappe.utils import flt, getdate, today

from gigafibre.errors import ServiceError
from gigafibre.payments import service
from gigafibre.payments.events import Payment, ppa_idempotency_key
from gigafibre.payments.stripe_client import from_minor_units

BATCH = 500


def due_invoices(day=None) -> list[frappe._dict]:
	"""Submitted invoices with something to pay, due by `day`, whose customer has PPA and a card."""
	invoice = frappe.qb.DocType("Sales Invoice")
	customer = frappe.qb.DocType("Customer")
	query = (
		frappe.qb.from_(invoice)
		.join(customer)
		.on(customer.name == invoice.customer)
		.select(
			invoice.name,
			invoice.customer,
			invoice.outstanding_amount,
			invoice.currency,
			customer.stripe_customer_id,
			customer.gigafibre_ppa_payment_method,
		)
		.where(
			(invoice.docstatus == 1)
			& (invoice.outstanding_amount > 0)
			& (invoice.due_date <= getdate(day or today()))
			& (invoice.is_return == 0)
			& ((invoice.gigafibre_ppa_pending.isnull()) | (invoice.gigafibre_ppa_pending == ""))
			& (customer.gigafibre_ppa_enabled == 1)
			& (customer.stripe_customer_id.isnotnull())
			& (customer.stripe_customer_id != "")
			& (customer.gigafibre_ppa_payment_method.isnotnull())
			& (customer.gigafibre_ppa_payment_method != "")
		)
		.orderby(invoice.due_date)
		.limit(BATCH)
	)
	return query.run(as_dict=True)


# PaymentIntent states after which a processing charge will not succeed on its own.
GIVEN_UP = ("requires_payment_method", "requires_action", "canceled")


def charge_due_invoices() -> dict:
	"""Scheduler, daily. Returns counts: charged, pending, failed, skipped (and reconciled)."""
	counts = {"charged": 0, "pending": 0, "failed": 0, "skipped": 0, "reconciled": 0}
	stuck = pending_invoices()
	rows = due_invoices() if not stuck else None
	if not stuck and not rows:
		return counts
	try:
		stripe = service.client()
	except ServiceError as err:
		frappe.log_error(title=_("Pre-authorized payments not run"), message=service.translated(err))
		counts["skipped"] = len(rows or stuck)
		return counts
	day = getdate(today())
	if stuck:
		counts["reconciled"] = reconcile_pending(stripe, stuck, day)
		rows = due_invoices()
	for row in rows:
		outcome = charge_invoice(stripe, row, day)
		counts[outcome] += 1
		if not frappe.flags.in_test:
			frappe.db.commit()  # each charge stands on its own
	return counts


def charge_invoice(stripe, row, day) -> str:
	key = ppa_idempotency_key(row.name, day)
	try:
		charge = stripe.charge_off_session(
			invoice=row.name,
			customer=row.customer,
			amount=row.outstanding_amount,
			currency=row.currency,
			stripe_customer=row.stripe_customer_id,
			payment_method=row.gigafibre_ppa_payment_method,
			idempotency_key=key,
			description=_("Invoice {0}").format(row.name),
		)
	except ServiceError as err:
		record_failure(
			row.name,
			getattr(err, "payment_intent", None),
			getattr(err, "code", None),
			service.translated(err),
		)
		return "failed"
	if charge.status == "succeeded":
		frappe.db.savepoint("ppa_record")
		try:
			_record(charge, row, day)
		except Exception:
			# Charged but not recorded here: payment_intent.succeeded will record it.
			frappe.db.rollback(save_point="ppa_record")
			frappe.log_error(title=_("Pre-authorized payment {0} not recorded").format(charge.id))
			return "pending"
		return "charged"
	if charge.status == "processing":
		# A bank still deciding: no new attempt until its webhook (succeeded or failed) clears this.
		frappe.db.set_value(
			"Sales Invoice", row.name, "gigafibre_ppa_pending", charge.id, update_modified=False
		)
		return "pending"
	record_failure(
		row.name, charge.id, charge.status, _("The payment was not completed ({0}).").format(charge.status)
	)
	return "failed"


def _record(charge, row, day) -> None:
	"""The Payment Entry of a pre-authorized charge Stripe says succeeded."""
	service.record_payment(
		Payment(
			reference=charge.id,
			invoice=row.name,
			customer=row.customer,
			amount=from_minor_units(charge.amount, charge.currency),
			currency=charge.currency.upper(),
			paid_on=day,
			ppa=True,
		)
	)


def pending_invoices() -> list[frappe._dict]:
	return frappe.get_all(
		"Sales Invoice",
		filters={"docstatus": 1, "gigafibre_ppa_pending": ("is", "set")},
		fields=["name", "customer", "gigafibre_ppa_pending"],
		limit=BATCH,
	)


def reconcile_pending(stripe, rows, day) -> int:
	"""Ask Stripe about each processing charge: record what succeeded, clear what failed, leave what
	is still processing. Returns how many invoices were settled."""
	settled = 0
	for row in rows:
		reference = row.gigafibre_ppa_pending
		try:
			charge = stripe.payment_intent(reference)
		except ServiceError as err:
			frappe.log_error(
				title=_("Pre-authorized payment {0} not checked").format(reference),
				message=service.translated(err),
			)
			continue
		if charge.status == "succeeded":
			_record(charge, row, day)
			settle_pending(row.name, reference)
		elif charge.status in GIVEN_UP:
			record_failure(
				row.name,
				reference,
				charge.status,
				_("The payment was not completed ({0}).").format(charge.status),
			)
		else:
			continue
		settled += 1
		if not frappe.flags.in_test:
			frappe.db.commit()
	return settled


def settle_pending(invoice: str, reference: str | None) -> None:
	"""The processing attempt `reference` has its outcome: the invoice may be charged again."""
	if reference and frappe.db.get_value("Sales Invoice", invoice, "gigafibre_ppa_pending") == reference:
		frappe.db.set_value("Sales Invoice", invoice, "gigafibre_ppa_pending", None, update_modified=False)


def record_failure(invoice: str, reference: str | None, code: str | None, message: str) -> None:
	"""A failed pre-authorized charge, kept where people look: a Comment on the invoice and an Error Log."""
	settle_pending(invoice, reference)
	if reference and frappe.db.exists(
		"Comment",
		{
			"reference_doctype": "Sales Invoice",
			"reference_name": invoice,
			"content": ("like", f"%{reference}%"),
		},
	):
		return  # the job and the payment_failed webhook report the same attempt
	text = _("Pre-authorized payment failed: {0}").format(message)
	if reference:
		text += " " + _("(Stripe reference {0})").format(reference)
	if code:
		text += f" [{code}]"
	frappe.get_doc(
		{
			"doctype": "Comment",
			"comment_type": "Comment",
			"reference_doctype": "Sales Invoice",
			"reference_name": invoice,
			"content": text,
		}
	).insert(ignore_permissions=True)
	frappe.log_error(
		title=_("Pre-authorized payment failed for {0}").format(invoice),
		message=text,
		reference_doctype="Sales Invoice",
		reference_name=invoice,
	)
