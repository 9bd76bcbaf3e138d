"""The web checkout's guest endpoints (the marketing site and the portal call them).

Every endpoint here is open to guests and rate-limited per IP; the OTP ones answer the same way
whatever the identifier, and the order endpoint (next) takes the checkout token `verify_otp` gives.
"""

import frappe
from frappe import _
from frappe.rate_limiter import rate_limit

from gigafibre.errors import InvalidValue
from gigafibre.onboarding import otp_service
from gigafibre.validation import user_errors


@frappe.whitelist(allow_guest=True, methods=["POST"])
@rate_limit(limit=10, seconds=3600)
def request_otp(identifier: str | None = None) -> dict:
	"""Send a 6-digit code to this email or mobile number; the same answer every time."""
	try:
		otp_service.request(identifier)
	except InvalidValue as err:
		frappe.throw(_(err.message).format(*err.args_))
	return {"message": _(otp_service.SAME_ANSWER)}


@frappe.whitelist(allow_guest=True, methods=["POST"])
@rate_limit(limit=20, seconds=3600)
def verify_otp(identifier: str | None = None, code: str | None = None) -> dict:
	"""A right code (within 10 minutes and 5 attempts) for a 30-minute checkout token."""
	return otp_service.verify(identifier, code)


@frappe.whitelist(allow_guest=True, methods=["GET", "POST"])
@rate_limit(limit=120, seconds=3600)
def search_address(q: str | None = None) -> list[dict]:
	"""Up to 10 addresses for what was typed, each saying whether the fibre network reaches it."""
	from gigafibre.onboarding import addresses

	with user_errors():
		return addresses.search(q)


@frappe.whitelist(allow_guest=True, methods=["GET"])
@rate_limit(limit=300, seconds=3600)
def catalog() -> dict:
	"""Plans, add-ons and one-time fees for sale on the website, with GST/QST by ERPNext."""
	from gigafibre.onboarding.catalog import catalog as build

	return build()


# xss_safe: Frappe would HTML-escape what guests type ("Roy & Fils" stored as "Roy &amp; Fils");
# the order keeps it as typed, refuses < and >, and every page that shows it escapes it.
@frappe.whitelist(allow_guest=True, methods=["POST"], xss_safe=True)
@rate_limit(limit=30, seconds=3600)
def order(
	checkout_token: str | None = None,
	order_key: str | None = None,
	items: str | list | None = None,
	first_name: str | None = None,
	last_name: str | None = None,
	civic_number: str | None = None,
	street: str | None = None,
	city: str | None = None,
	postal_code: str | None = None,
	customer_type: str | None = None,
	company_name: str | None = None,
	email: str | None = None,
	referral_code: str | None = None,
) -> dict:
	"""Lead -> Quotation for a verified email or phone, with its contract: a signed link for a
	household, a DocuSeal submission for a company. The same order key answers the same order."""
	from gigafibre.onboarding import order_request, orders

	identifier = otp_service.checkout_identifier(checkout_token)
	with user_errors():
		request = order_request.parse(
			order_key,
			items,
			first_name,
			last_name,
			civic_number,
			street,
			city,
			postal_code,
			customer_type=customer_type,
			company_name=company_name,
			email=email or (identifier if "@" in identifier else None),
			referral_code=referral_code,
		)
	raw = {
		"customer_type": customer_type,
		"company_name": company_name,
		"email": email,
		"referral_code": referral_code,
		"items": items,
		"first_name": first_name,
		"last_name": last_name,
		"civic_number": civic_number,
		"street": street,
		"city": city,
		"postal_code": postal_code,
	}
	return orders.place(identifier, request, raw)


@frappe.whitelist(allow_guest=True, methods=["GET"])
@rate_limit(limit=60, seconds=3600)
def check_referral(code: str | None = None) -> dict:
	"""Whether a referral code can be used, and the credit it brings (never whose code it is)."""
	from gigafibre.onboarding.referrals import check_for_guest

	return check_for_guest(code)


@frappe.whitelist(allow_guest=True, methods=["GET"])
@rate_limit(limit=300, seconds=3600)
def contract(token: str | None = None) -> dict:
	"""The contract a link opens: its text and SHA-256 to accept, or where it stands once signed
	(with the deposit's payment page)."""
	from gigafibre.onboarding import acceptance

	return acceptance.page(acceptance.order_for_token(token))


# xss_safe: the typed name is compared with the order's as typed (see `order`).
@frappe.whitelist(allow_guest=True, methods=["POST"], xss_safe=True)
@rate_limit(limit=30, seconds=3600)
def accept_contract(
	token: str | None = None,
	full_name: str | None = None,
	agree: str | None = None,
	contract_hash: str | None = None,
) -> dict:
	"""Sign the residential contract: the typed name, the ticked box and the SHA-256 of the text
	shown. Creates the customer, the sales order and the deposit's payment page."""
	from gigafibre.onboarding import acceptance

	return acceptance.accept_signed_link(token, full_name, agree, contract_hash)


@frappe.whitelist(methods=["POST"])
def accept_for_client(order: str | None = None, how_agreed: str | None = None) -> dict:
	"""Staff only: accept a web order's contract for the customer (a phone order), saying how they
	agreed. Creates what a signature creates; answers the order's state with the deposit's page."""
	from gigafibre.onboarding import acceptance

	return acceptance.accept_for_client(order, how_agreed)
