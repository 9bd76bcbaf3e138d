"""Magic links on the Frappe side: the site's secret, and who a technician token stands for."""

from datetime import datetime, timezone

import frappe
from frappe import _

from gigafibre.auth import magic_link

TECH_SCOPE = "tech"


def link_secret() -> str:
	return frappe.get_single("Gigafibre Settings").get_password("jwt_secret", raise_exception=False) or ""


def request_token() -> str | None:
	"""A link token from `Authorization: Bearer …`, else from the `token` form field."""
	header = frappe.get_request_header("Authorization") or ""
	if header.lower().startswith("bearer "):
		return header[7:].strip() or None
	return frappe.form_dict.get("token") or None


def technician_for_token(token: str | None) -> str:
	"""The active technician a tech-page token was issued to; 401 with a clear message otherwise."""
	try:
		claims = magic_link.verify(link_secret(), token, TECH_SCOPE, datetime.now(timezone.utc))
	except magic_link.LinkExpired as err:
		raise frappe.AuthenticationError(_(err.message)) from None
	except magic_link.LinkInvalid as err:
		raise frappe.AuthenticationError(_(err.message)) from None
	if not frappe.db.get_value("Technician", claims.subject, "active"):
		raise frappe.AuthenticationError(_("This link is not valid."))
	return claims.subject
