"""The customer's rebooking page, `/rendez-vous/<token>`: the free slots of the coming days (checked
with the planner), and booking one. Served without login; the page calls
`gigafibre.api.customer_tracking.rebooking_slots` and `.book` with its token
(gigafibre/field/rebooking.py)."""

import frappe
from frappe import _

from gigafibre import __version__
from gigafibre.field import customer_links

no_cache = 1


def get_context(context):
	frappe.local.lang = "fr"
	context.no_cache = 1
	context.lang = "fr"
	context.version = __version__
	context.token = frappe.form_dict.get("token") or ""
	context.error = None
	state, _record = customer_links.check(context.token, customer_links.REBOOKING)
	if state == customer_links.INVALID:
		context.error = _("This link is not valid.")
		context.http_status_code = 404
	elif state == customer_links.EXPIRED:
		context.error = _("This link has expired. Call us to choose a new appointment.")
		context.http_status_code = 403
	return context
