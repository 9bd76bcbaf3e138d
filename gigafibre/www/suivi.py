"""The customer's tracking page, `/suivi/<token>`: the technician's first name, the ETA and their
position on a small map while they are on the way; "arrived" once they are there; "expired" once
the job is completed or cancelled. Served without login; the page polls
`gigafibre.api.customer_tracking.tracking_state` with its token (gigafibre/field/tracking.py says
what it answers, and that it answers nothing more)."""

import frappe
from frappe import _

from gigafibre import __version__
from gigafibre.field import customer_links, tracking

no_cache = 1
DEFAULT_TILES = "https://{s}.tile.openstreetmap.org/{z}/{x}/{y}.png"
DEFAULT_ATTRIBUTION = "© OpenStreetMap contributors"


def map_settings() -> tuple[str, str]:
	"""The tile URL and attribution (Gigafibre Settings, OpenStreetMap's by default)."""
	meta = frappe.get_meta("Gigafibre Settings")
	url = attribution = None
	if meta.has_field("map_tile_url"):
		url = frappe.db.get_single_value("Gigafibre Settings", "map_tile_url")
	if meta.has_field("map_tile_attribution"):
		attribution = frappe.db.get_single_value("Gigafibre Settings", "map_tile_attribution")
	return (url or DEFAULT_TILES), (attribution or DEFAULT_ATTRIBUTION)


def get_context(context):
	frappe.local.lang = "fr"
	context.no_cache = 1
	context.lang = "fr"
	context.version = __version__
	context.token = frappe.form_dict.get("token") or ""
	context.tile_url, context.tile_attribution = map_settings()
	context.poll_seconds = tracking.POLL_SECONDS
	context.error = None
	context.state = None
	try:
		context.state = tracking.state_for_token(context.token)
	except customer_links.Refused:
		context.error = _("This link is not valid.")
		context.http_status_code = 404
	return context
