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


@frappe.whitelist(allow_guest=True, methods=["POST"])
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
) -> dict:
	"""Lead -> Quotation for a verified email or phone; the same order key answers the same order."""
	from gigafibre.onboarding import order_request, orders

	identifier = otp_service.checkout_identifier(checkout_token)
	with user_errors():
		request = order_request.parse(
			order_key, items, first_name, last_name, civic_number, street, city, postal_code
		)
	raw = {
		"items": items,
		"first_name": first_name,
		"last_name": last_name,
		"civic_number": civic_number,
		"street": street,
		"city": city,
		"postal_code": postal_code,
	}
	return orders.place(identifier, request, raw)
