"""The portal session on Frappe's request path (hooks.auth_hooks).

Frappe reads every `Authorization: Bearer` header as one of its OAuth tokens and refuses the
request unless some hook sets a user. A valid portal session token sets the portal's own user
(a Website User with no roles) and records which customer the request speaks for; endpoints
then scope every read and write to `current_customer()`.
"""

import frappe
from frappe import _

from gigafibre.portal.links import session_customer

PORTAL_USER = "portal-session@gigafibre.invalid"


def authenticate() -> None:
	header = frappe.get_request_header("Authorization") or ""
	if not header.lower().startswith("bearer "):
		return
	customer = session_customer(header[7:].strip())
	if not customer:
		return  # not ours: Frappe answers 401
	form_dict = frappe.local.form_dict
	frappe.set_user(PORTAL_USER)
	frappe.local.form_dict = form_dict  # set_user empties it
	frappe.local.portal_customer = customer


def current_customer() -> str:
	customer = getattr(frappe.local, "portal_customer", None)
	if not customer or frappe.session.user != PORTAL_USER:
		frappe.throw(_("Open the portal with the link you received."), exc=frappe.AuthenticationError)
	return customer


def ensure_portal_user() -> None:
	"""The identity portal requests run as: enabled, a Website User, no roles, no password."""
	if frappe.db.exists("User", PORTAL_USER):
		return
	user = frappe.get_doc(
		{
			"doctype": "User",
			"email": PORTAL_USER,
			"first_name": "Portail client",
			"user_type": "Website User",
			"send_welcome_email": 0,
			"enabled": 1,
		}
	)
	user.flags.ignore_permissions = True
	user.flags.no_welcome_mail = True
	user.insert()
