"""Magic links on the Frappe side: the site's signing secret, where a request carries its token,
and the check every recorded link goes through."""

from datetime import datetime, timedelta, timezone

import frappe
from frappe import _
from frappe.utils import add_to_date, now_datetime

from gigafibre.auth import magic_link

TOKEN_HEADER = "X-Gigafibre-Token"


def link_secret() -> str:
	return frappe.get_single("Gigafibre Settings").get_password("jwt_secret", raise_exception=False) or ""


def request_token() -> str | None:
	"""A link token from the `X-Gigafibre-Token` header, else from the `token` form field.

	Not `Authorization: Bearer`: Frappe reads every Bearer header as one of its own OAuth tokens
	and answers 401 before our code runs (frappe/auth.py, validate_auth).
	"""
	return frappe.get_request_header(TOKEN_HEADER) or frappe.form_dict.get("token") or None


def issue_recorded(
	doctype: str,
	subject_field: str,
	subject: str,
	scope: str,
	lifetime: timedelta,
	issued_field: str = "issued_at",
	**fields,
) -> tuple[str, str]:
	"""A signed token for `subject` whose id is recorded in `doctype` (so it can be revoked):
	(token, record name). `fields` go on the record as they are."""
	token, claims = magic_link.issue(link_secret(), subject, scope, datetime.now(timezone.utc), lifetime)
	issued = now_datetime()
	record = frappe.get_doc(
		{
			"doctype": doctype,
			subject_field: subject,
			"token_id": claims.token_id,
			issued_field: issued,
			"expires_at": add_to_date(issued, seconds=lifetime.total_seconds()),
			**fields,
		}
	).insert(ignore_permissions=True)
	return token, record.name


def refuse(message: str):
	frappe.throw(message, exc=frappe.AuthenticationError, title=_("Link refused"))


def verify_recorded(
	token: str | None, scope: str, doctype: str, subject_field: str, revoked_message: str
) -> str:
	"""The subject of a genuine, unexpired token of `scope` whose id is recorded in `doctype` for
	that subject and not revoked there; 401 with a clear (translated) message otherwise."""
	try:
		claims = magic_link.verify(link_secret(), token, scope, datetime.now(timezone.utc))
	except (magic_link.LinkExpired, magic_link.LinkInvalid) as err:
		refuse(_(err.message))
	record = frappe.db.get_value(
		doctype, {"token_id": claims.token_id}, [subject_field, "revoked"], as_dict=True
	)
	if not record or record.get(subject_field) != claims.subject:
		refuse(_("This link is not valid."))
	if record.revoked:
		refuse(revoked_message)
	return claims.subject
