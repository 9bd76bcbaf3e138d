"""Magic links on the Frappe side: the site's signing secret, and where a request carries its token."""

import frappe

TOKEN_HEADER = "X-Gigafibre-Token"


def link_secret() -> str:
	return frappe.get_single("Gigafibre Settings").get_password("jwt_secret", raise_exception=False) or ""


def request_token() -> str | None:
	"""A link token from the `X-Gigafibre-Token` header, else from the `token` form field.

	Not `Authorization: Bearer`: Frappe reads every Bearer header as one of its own OAuth tokens
	and answers 401 before our code runs (frappe/auth.py, validate_auth).
	"""
	return frappe.get_request_header(TOKEN_HEADER) or frappe.form_dict.get("token") or None
