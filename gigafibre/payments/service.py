"""The Frappe side of payments: settings -> Stripe client, Checkout and billing-portal links for the
portal, Stripe customers on ERPNext customers, and the one place a Stripe payment becomes a
Payment Entry (idempotent on the PaymentIntent id)."""

import frappe
from frappe import _
from frappe.utils import flt, getdate, nowdate

from gigafibre.errors import ServiceError
from gigafibre.payments.events import Payment
from gigafibre.payments.stripe_client import SETUP_CODES, StripePayments

MODE_OF_PAYMENT = "Stripe"


class PaymentUnavailable(frappe.ValidationError):
	"""Stripe is not configured or cannot be reached: 503, try again later."""

	http_status_code = 503


def translated(err: ServiceError) -> str:
	return _(err.message).format(*err.args_)


# What a customer reads when Stripe is not set up; staff get the alert instead.
CUSTOMER_UNAVAILABLE = "Online payment is temporarily unavailable; we will contact you."
ALERT_TITLE = "Stripe is not set up: customers cannot pay online"
ALERT_MESSAGE = "A customer was asked to pay online, but Stripe is not configured or refuses the secret key. Set the Stripe secret key in Gigafibre Settings (the Gigafibre Health page shows what is missing), then contact the customers who could not pay."


def raise_for(err: ServiceError):
	"""A Stripe failure as a translated Frappe error (503 when trying later may work). Stripe not
	set up answers the customer's sentence (503) and alerts staff once, never the instruction."""
	if getattr(err, "code", None) in SETUP_CODES:
		from gigafibre.health.alerts import alert_staff

		alert_staff("stripe-not-set-up", ALERT_TITLE, ALERT_MESSAGE)
		frappe.throw(_(CUSTOMER_UNAVAILABLE), exc=PaymentUnavailable)
	frappe.throw(translated(err), exc=PaymentUnavailable if err.retryable else frappe.ValidationError)


def client() -> StripePayments:
	"""The Stripe client from Gigafibre Settings (raises ServiceError when no key is set)."""
	settings = frappe.get_single("Gigafibre Settings")
	return StripePayments(
		settings.get_password("stripe_secret_key", raise_exception=False),
		api_base=settings.stripe_api_base or None,
	)


def checkout_for_invoice(invoice: str, success_url: str, cancel_url: str) -> str:
	"""The URL of a Stripe Checkout page paying what is left on a submitted invoice.

	The caller (the portal) has already checked that the invoice belongs to its customer."""
	doc = frappe.get_doc("Sales Invoice", invoice)
	if doc.docstatus == 0:
		frappe.throw(_("Invoice {0} is a draft and cannot be paid yet.").format(invoice))
	if doc.docstatus == 2:
		frappe.throw(_("Invoice {0} is cancelled.").format(invoice))
	if flt(doc.outstanding_amount) <= 0:
		frappe.throw(_("Invoice {0} is already paid.").format(invoice))
	try:
		stripe = client()
		stripe_customer = ensure_stripe_customer(doc.customer, stripe)
		ppa = bool(frappe.db.get_value("Customer", doc.customer, "gigafibre_ppa_enabled"))
		session = stripe.create_checkout_session(
			invoice=doc.name,
			customer=doc.customer,
			amount=doc.outstanding_amount,
			currency=doc.currency,
			success_url=success_url,
			cancel_url=cancel_url,
			description=_("Invoice {0}").format(doc.name),
			stripe_customer=stripe_customer,
			save_card=ppa,
		)
	except ServiceError as err:
		raise_for(err)
	return session.url


def billing_portal_url(customer: str, return_url: str) -> str:
	"""The URL of Stripe's billing portal (cards on file, receipts) for an ERPNext customer."""
	try:
		stripe = client()
		return stripe.billing_portal_url(ensure_stripe_customer(customer, stripe), return_url)
	except ServiceError as err:
		raise_for(err)


def ensure_stripe_customer(customer: str, stripe: StripePayments | None = None) -> str:
	"""The customer's Stripe id, creating the Stripe customer (and storing its id) the first time."""
	existing = frappe.db.get_value("Customer", customer, "stripe_customer_id")
	if existing:
		return existing
	stripe = stripe or client()
	row = (
		frappe.db.get_value("Customer", customer, ["customer_name", "email_id", "mobile_no"], as_dict=True)
		or frappe._dict()
	)
	stripe_id = stripe.create_customer(
		customer, name=row.customer_name, email=row.email_id or None, phone=row.mobile_no or None
	)
	frappe.db.set_value("Customer", customer, "stripe_customer_id", stripe_id, update_modified=False)
	return stripe_id


def ensure_mode_of_payment(company: str) -> str:
	"""Mode of Payment "Stripe" with an account for the company (its default bank, else cash)."""
	account = frappe.get_cached_value("Company", company, "default_bank_account") or frappe.get_cached_value(
		"Company", company, "default_cash_account"
	)
	if not frappe.db.exists("Mode of Payment", MODE_OF_PAYMENT):
		mode = frappe.get_doc(
			{"doctype": "Mode of Payment", "mode_of_payment": MODE_OF_PAYMENT, "type": "Bank"}
		)
		if account:
			mode.append("accounts", {"company": company, "default_account": account})
		mode.insert(ignore_permissions=True)
		return MODE_OF_PAYMENT
	mode = frappe.get_doc("Mode of Payment", MODE_OF_PAYMENT)
	if account and not any(row.company == company for row in mode.accounts):
		mode.append("accounts", {"company": company, "default_account": account})
		mode.save(ignore_permissions=True)
	return MODE_OF_PAYMENT


def payment_entry_for(reference: str, for_update: bool = False) -> str | None:
	"""The live Payment Entry recording a Stripe payment, if any (a locking read sees other commits)."""
	rows = frappe.db.sql(
		"""select name from `tabPayment Entry` where reference_no = %s and docstatus < 2
		order by docstatus desc limit 1"""
		+ (" for update" if for_update else ""),
		reference,
	)
	return rows[0][0] if rows else None


def record_payment(payment: Payment) -> tuple[str, bool]:
	"""One submitted Payment Entry for a Stripe payment; (its name, created now). A second event of
	the same payment (same PaymentIntent) finds the first entry and creates nothing."""
	from erpnext.accounts.doctype.payment_entry.payment_entry import get_payment_entry

	# Lock the invoice row: two events of one payment processed at once wait for each other.
	if not frappe.db.sql("select name from `tabSales Invoice` where name = %s for update", payment.invoice):
		raise frappe.DoesNotExistError(_("Sales Invoice {0} not found").format(payment.invoice))
	existing = payment_entry_for(payment.reference, for_update=True)
	if existing:
		return existing, False
	invoice = frappe.get_doc("Sales Invoice", payment.invoice)
	if invoice.docstatus != 1:
		frappe.throw(
			_("Invoice {0} is not submitted; the Stripe payment {1} cannot be recorded.").format(
				invoice.name, payment.reference
			)
		)
	if payment.customer and payment.customer != invoice.customer:
		frappe.throw(
			_("Stripe payment {0} names customer {1}, but invoice {2} belongs to {3}.").format(
				payment.reference, payment.customer, invoice.name, invoice.customer
			)
		)
	if payment.currency != (invoice.currency or "").upper():
		frappe.throw(
			_("Stripe payment {0} is in {1}, invoice {2} in {3}.").format(
				payment.reference, payment.currency, invoice.name, invoice.currency
			)
		)
	mode = ensure_mode_of_payment(invoice.company)
	account = frappe.db.get_value(
		"Mode of Payment Account", {"parent": mode, "company": invoice.company}, "default_account"
	)
	amount = flt(payment.amount)
	outstanding = flt(invoice.outstanding_amount)
	entry = get_payment_entry(
		"Sales Invoice",
		invoice.name,
		party_amount=min(amount, outstanding) if outstanding > 0 else None,
		bank_account=account,
		reference_date=payment.paid_on,
	)
	entry.mode_of_payment = mode
	entry.reference_no = payment.reference
	entry.reference_date = getdate(payment.paid_on or nowdate())
	if amount > outstanding:
		# Paid more than is left (settled meanwhile by other means): the rest stays unallocated.
		entry.references = [row for row in entry.references if outstanding > 0]
		entry.paid_amount = entry.received_amount = amount
	entry.remarks = _("Stripe payment {0} for invoice {1}").format(payment.reference, invoice.name)
	entry.flags.ignore_permissions = True
	entry.insert()
	entry.submit()
	return entry.name, True


def remember_card(customer: str, stripe_customer: str | None, payment_method: str | None) -> None:
	"""A card saved for off-session use at Checkout becomes the customer's PPA payment method."""
	if not (customer and payment_method and frappe.db.exists("Customer", customer)):
		return
	values = {"gigafibre_ppa_payment_method": payment_method}
	if (
		stripe_customer
		and not frappe.db.get_value("Customer", customer, "stripe_customer_id")
		and not frappe.db.exists("Customer", {"stripe_customer_id": stripe_customer})
	):
		values["stripe_customer_id"] = stripe_customer
	frappe.db.set_value("Customer", customer, values, update_modified=False)
