"""The portal session on Frappe's request path (hooks.auth_hooks), and who it runs as.

Frappe reads every `Authorization: Bearer` header as one of its OAuth tokens and refuses the
request unless some hook sets a user. A valid portal session token sets **that customer's own
portal user** — a Website User with no roles, no password and no Contact linking it to the
customer, created when the customer first opens a link (`ensure_portal_user`) and recorded on the
Customer — and records which customer the request speaks for; endpoints then scope every read and
write to `current_customer()`.

Why one user per customer: what the portal writes is owned by the session user, and Frappe's own
doors (/api/resource, frappe.client.*, reports, search) let an owner read their own records. With
one user per customer, whatever those doors give a portal user is that customer's own. On top of
that, `has_permission` and `query_conditions` (hooks, for every doctype) let a portal user reach
through Frappe's doors only the rows it owns, whatever roles or shares a doctype grants to "All".
"""

from contextlib import contextmanager

import frappe
from frappe import _

from gigafibre.portal.identity import is_portal_user, portal_user_email
from gigafibre.portal.links import session_customer

# The Customer field naming its portal user (gigafibre/portal/setup.py).
PORTAL_USER_FIELD = "gigafibre_portal_user"
# The one user every session ran as before each customer had their own; retired by
# gigafibre.patches.v1_0.retire_shared_portal_user.
LEGACY_PORTAL_USER = "portal-session@gigafibre.invalid"


def authenticate() -> None:
	header = frappe.get_request_header("Authorization") or ""
	if not header.lower().startswith("bearer "):
		return
	customer = session_customer(header[7:].strip())
	if not customer:
		return  # not ours: Frappe answers 401
	user = portal_user_of(customer)
	if not user:
		return  # a session from before this customer had a portal user, or one staff disabled: 401
	form_dict = frappe.local.form_dict
	frappe.set_user(user)
	frappe.local.form_dict = form_dict  # set_user empties it
	frappe.local.portal_customer = customer


def portal_user_of(customer: str) -> str | None:
	"""The customer's portal user, when it exists and is enabled (staff disable it to close the portal)."""
	user = frappe.db.get_value("Customer", customer, PORTAL_USER_FIELD)
	if not user or not is_portal_user(user) or user == LEGACY_PORTAL_USER:
		return None
	return user if frappe.db.get_value("User", user, "enabled") else None


def current_customer() -> str:
	customer = getattr(frappe.local, "portal_customer", None)
	if not customer or frappe.session.user != portal_user_of(customer):
		frappe.throw(_("Open the portal with the link you received."), exc=frappe.AuthenticationError)
	return customer


def ensure_portal_user(customer: str) -> str:
	"""The customer's portal user, created the first time (from the link exchange, a committed POST):
	enabled, a Website User, no roles, no password, owned by Administrator. A user staff disabled
	stays disabled."""
	recorded = frappe.db.get_value("Customer", customer, PORTAL_USER_FIELD, for_update=True)
	if recorded and recorded != LEGACY_PORTAL_USER and frappe.db.exists("User", recorded):
		return recorded
	email = portal_user_email(customer)
	if not frappe.db.exists("User", email):
		with as_administrator():
			user = frappe.get_doc(
				{
					"doctype": "User",
					"email": email,
					"first_name": "Portail client",
					"user_type": "Website User",
					"send_welcome_email": 0,
					"enabled": 1,
				}
			)
			user.flags.ignore_permissions = True
			user.flags.no_welcome_mail = True
			user.insert()
	frappe.db.set_value("Customer", customer, PORTAL_USER_FIELD, email, update_modified=False)
	return email


@contextmanager
def as_administrator():
	user, form_dict = frappe.session.user, frappe.local.form_dict
	frappe.set_user("Administrator")
	try:
		yield
	finally:
		frappe.set_user(user)
		frappe.local.form_dict = form_dict


# ---------------------------------------------------------------- hooks: has_permission / query


def has_permission(doc, ptype: str | None = None, user: str | None = None, debug: bool = False):
	"""Every doctype (`has_permission["*"]`): through Frappe's doors a portal user may only read the
	documents it owns, and writes nothing (the portal endpoints write with their own checks).
	None for everyone else and for a portal user reading its own: the usual rules then decide."""
	user = user or frappe.session.user
	if not is_portal_user(user):
		return None
	if ptype in ("read", "select") and (doc.get("owner") or "").lower() == user.lower():
		return None
	return False


def query_conditions(user: str | None = None, doctype: str | None = None) -> str:
	"""Every doctype (`permission_query_conditions["*"]`): a portal user lists only the rows it owns."""
	user = user or frappe.session.user
	if not doctype or not is_portal_user(user):
		return ""
	return f"`tab{doctype}`.`owner` = {frappe.db.escape(user)}"
