"""The customer's tracking page, `/suivi/<token>`: the technician's first name, the ETA and their
position on a small map while they are on the way; "arrived" once they are there; "expired" once
the job is completed or cancelled. Served without login; the page polls
`gigafibre.api.customer_tracking.tracking_state` with its token (gigafibre/field/tracking.py says
what it answers, and that it answers nothing more)."""

import frappe
from frappe import _

from gigafibre import __version__
from gigafibre.dispatch import day_map
from gigafibre.field import customer_links, tracking

no_cache = 1


def get_context(context):
	frappe.local.lang = "fr"
	context.no_cache = 1
	context.lang = "fr"
	context.version = __version__
	context.token = frappe.form_dict.get("token") or ""
	tiles = day_map.tiles()  # the Dispatch map's, from Gigafibre Settings
	context.tile_url, context.tile_attribution = tiles["url"], tiles["attribution"]
	context.poll_seconds = tracking.POLL_SECONDS
	context.error = None
	context.state = None
	try:
		context.state = tracking.state_for_token(context.token)
	except customer_links.Refused:
		context.error = _("This link is not valid.")
		context.http_status_code = 404
	return context
