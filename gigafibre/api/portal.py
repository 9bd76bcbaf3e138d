"""The customer portal's endpoints (portal.gigafibre.ca calls them).

`request_link` and `exchange` are open to guests; every other call carries
`Authorization: Bearer <session token>` (see gigafibre/portal/auth.py) and only ever reads or
writes that customer's records: another customer's record answers 404.
"""

import frappe
from frappe import _
from frappe.rate_limiter import rate_limit

from gigafibre.errors import InvalidValue
from gigafibre.portal import account, links
from gigafibre.portal.auth import current_customer

SAME_ANSWER = "If an account matches, a link is on its way by the same channel."


@frappe.whitelist(allow_guest=True, methods=["POST"])
@rate_limit(limit=10, seconds=3600)
def request_link(identifier: str | None = None) -> dict:
	"""Send a portal link to the customer(s) with this email or mobile number; the same answer
	whether or not one matches."""
	try:
		links.request(identifier)
	except InvalidValue as err:
		frappe.throw(_(err.message).format(*err.args_))
	return {"message": _(SAME_ANSWER)}


@frappe.whitelist(allow_guest=True, methods=["POST"])
@rate_limit(limit=30, seconds=3600)
def exchange(token: str | None = None) -> dict:
	"""A link's token for a 24 h session token; a link works once."""
	return links.exchange(token)


@frappe.whitelist(methods=["GET"])
def dashboard() -> dict:
	return account.dashboard(current_customer())


@frappe.whitelist(methods=["GET"])
def invoices() -> list[dict]:
	return account.invoices(current_customer())


@frappe.whitelist(methods=["GET"])
def invoice(name: str) -> dict:
	return account.invoice(current_customer(), name)


@frappe.whitelist(methods=["GET"])
def invoice_pdf(name: str) -> None:
	"""The invoice as PDF; 503 (in French) when it cannot be made right now (wkhtmltopdf)."""
	from gigafibre.portal.contracts import pdf_not_ready

	customer = current_customer()
	account.own_invoice(customer, name)
	try:
		content = account.invoice_pdf(customer, name)
	except (OSError, frappe.ValidationError) as err:
		if isinstance(err, frappe.DoesNotExistError | frappe.PermissionError):
			raise
		frappe.clear_messages()
		frappe.log_error(
			title=_("Invoice PDF not made"), reference_doctype="Sales Invoice", reference_name=name
		)
		pdf_not_ready()
	frappe.local.response.filename = f"{name}.pdf"
	frappe.local.response.filecontent = content
	frappe.local.response.type = "pdf"


@frappe.whitelist(methods=["POST"])
def pay(name: str) -> dict:
	"""A Stripe Checkout page for the invoice's outstanding amount."""
	from gigafibre.payments.service import checkout_for_invoice

	customer = current_customer()
	account.own_invoice(customer, name)
	base = links._portal_base()
	return {
		"url": checkout_for_invoice(
			name, success_url=f"{base}/#/invoices/{name}?paid=1", cancel_url=f"{base}/#/invoices/{name}"
		)
	}


@frappe.whitelist(methods=["POST"])
def billing_portal() -> dict:
	"""Stripe's billing portal: cards on file and pre-authorized payments."""
	from gigafibre.payments.service import billing_portal_url

	return {"url": billing_portal_url(current_customer(), return_url=f"{links._portal_base()}/#/account")}


@frappe.whitelist(methods=["GET"])
def tickets() -> list[dict]:
	return account.tickets(current_customer())


@frappe.whitelist(methods=["GET"])
def ticket(name: str) -> dict:
	return account.ticket(current_customer(), name)


# xss_safe: what the customer writes is stored as written and escaped once where it is shown as
# HTML (gigafibre/messaging/conversations.py add_message).
@frappe.whitelist(methods=["POST"], xss_safe=True)
@rate_limit(limit=20, seconds=3600)
def open_ticket(subject: str, message: str) -> dict:
	return {"name": account.open_ticket(current_customer(), subject, message)}


@frappe.whitelist(methods=["POST"], xss_safe=True)
@rate_limit(limit=60, seconds=3600)
def reply_ticket(name: str, message: str) -> dict:
	account.reply(current_customer(), name, message)
	return account.ticket(current_customer(), name)


@frappe.whitelist(methods=["GET"])
def messages() -> list[dict]:
	return account.messages(current_customer())


@frappe.whitelist(methods=["POST"], xss_safe=True)
@rate_limit(limit=60, seconds=3600)
def send_message(text: str) -> list[dict]:
	return account.send_message(current_customer(), text)


@frappe.whitelist(methods=["GET"])
def referral() -> dict:
	"""The customer's referral code to share, and the credits it has brought so far."""
	from gigafibre.onboarding.referrals import summary_for

	return summary_for(current_customer())


# ------------------------------------------------------------ signed contracts


@frappe.whitelist(methods=["GET"])
def contracts() -> list[dict]:
	"""The customer's signed contracts (their web orders), newest first."""
	from gigafibre.portal import contracts as signed

	return signed.contracts(current_customer())


@frappe.whitelist(methods=["GET"])
def contract_pdf(name: str) -> None:
	"""The signed contract of one of the customer's web orders, as PDF; 503 while it is being made."""
	from gigafibre.portal import contracts as signed

	file_name, content = signed.contract_pdf(current_customer(), name)
	frappe.local.response.filename = file_name
	frappe.local.response.filecontent = content
	frappe.local.response.type = "pdf"


# ------------------------------------------------------------ subscriptions


@frappe.whitelist(methods=["GET"])
def subscription() -> list[dict]:
	"""The customer's subscriptions (one per address): status, plan and add-ons, balance, next invoice."""
	from gigafibre.billing import overview
	from gigafibre.messaging.language import request_language

	return overview.for_customer(current_customer(), request_language())


@frappe.whitelist(methods=["POST"])
@rate_limit(limit=20, seconds=3600)
def change_plan(subscription: str, plan: str | None = None, add_ons: str | list | None = None) -> dict:
	"""Change the plan and/or the add-ons of one of the customer's subscriptions, today."""
	from gigafibre.api.billing import _codes
	from gigafibre.billing import changes

	return changes.change_plan(
		_own_subscription(subscription), plan or None, _codes(add_ons, "add_ons"), "Portal"
	)


@frappe.whitelist(methods=["POST"])
@rate_limit(limit=10, seconds=3600)
def cancel(subscription: str, end_date: str | None = None) -> dict:
	"""Cancel one of the customer's subscriptions on `end_date` (today or later)."""
	from gigafibre.billing import cancellation

	result = cancellation.cancel(_own_subscription(subscription), end_date or None, None, "Portal")
	return {key: result[key] for key in ("subscription", "end_date", "settled")}


def _own_subscription(name: str | None) -> str:
	"""`name` if it is one of the customer's subscriptions; 404 otherwise (also for another's)."""
	customer = current_customer()
	if (
		not name
		or not isinstance(name, str)
		or not frappe.db.exists(
			"Subscription",
			{
				"name": name,
				"party_type": "Customer",
				"party": customer,
				"gigafibre_service_location": ("is", "set"),
			},
		)
	):
		frappe.throw(_("Subscription {0} does not exist.").format(name or ""), frappe.DoesNotExistError)
	return name
