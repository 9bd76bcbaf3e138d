"""Magic links on the Frappe side: the site's secret, and who a technician token stands for."""

from datetime import datetime, timezone

import frappe
from frappe import _

from gigafibre.auth import magic_link

TECH_SCOPE = "tech"
TOKEN_HEADER = "X-Gigafibre-Token"


def link_secret() -> str:
	return frappe.get_single("Gigafibre Settings").get_password("jwt_secret", raise_exception=False) or ""


def request_token() -> str | None:
	"""A link token from the `X-Gigafibre-Token` header, else from the `token` form field.

	Not `Authorization: Bearer`: Frappe reads every Bearer header as one of its own OAuth tokens
	and answers 401 before our code runs (frappe/auth.py, validate_auth).
	"""
	return frappe.get_request_header(TOKEN_HEADER) or frappe.form_dict.get("token") or None


def technician_for_token(token: str | None) -> str:
	"""The active technician a tech-page token was issued to; 401 with a clear message otherwise."""
	try:
		claims = magic_link.verify(link_secret(), token, TECH_SCOPE, datetime.now(timezone.utc))
	except (magic_link.LinkExpired, magic_link.LinkInvalid) as err:
		frappe.throw(_(err.message), exc=frappe.AuthenticationError, title=_("Link refused"))
	if not frappe.db.get_value("Technician", claims.subject, "active"):
		frappe.throw(_("This link is not valid."), exc=frappe.AuthenticationError, title=_("Link refused"))
	return claims.subject
