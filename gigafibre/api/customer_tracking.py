"""The customer's pages on the day of a visit, called without login: `/suivi/<token>` polls
`tracking`, `/rendez-vous/<token>` calls `slots` and `book`.

Every endpoint takes the link's token (the `token` parameter, or the X-Gigafibre-Token header)
and answers only about that link's job: a token that is not ours is a 404, an ended one (job
completed or cancelled, link past its lifetime) a 403. Rate-limited per IP (Frappe's
`rate_limit`) and per link (`throttle.count_this_hour`).
"""

import frappe
from frappe import _
from frappe.rate_limiter import rate_limit

from gigafibre.auth.service import request_token
from gigafibre.field import customer_links, tracking
from gigafibre.throttle import count_this_hour

# A page polls every 20 s: 180 an hour; a few tabs open stay under these.
TRACKING_PER_LINK_PER_HOUR = 600
BOOKING_PER_LINK_PER_HOUR = 30


def _per_link(bucket: str, token: str | None, limit: int) -> None:
	if token and count_this_hour(bucket, token) > limit:
		raise frappe.TooManyRequestsError(_("Too many requests for this link. Try again later."))


@frappe.whitelist(allow_guest=True, methods=["GET"])
@rate_limit(limit=1200, seconds=3600)
def tracking_state(token: str | None = None) -> dict:
	"""{first_name, eta, position, status} of the link's job; nothing else, ever."""
	token = token or request_token()
	_per_link("job-tracking", token, TRACKING_PER_LINK_PER_HOUR)
	frappe.local.lang = "fr"
	return tracking.state_for_token(token)


@frappe.whitelist(allow_guest=True, methods=["GET"])
@rate_limit(limit=120, seconds=3600)
def rebooking_slots(token: str | None = None) -> dict:
	"""The appointment chosen, or the free slots of the coming days: {address, booked, slots}."""
	from gigafibre.field import rebooking

	token = token or request_token()
	_per_link("job-rebooking", token, BOOKING_PER_LINK_PER_HOUR * 4)
	frappe.local.lang = "fr"
	return rebooking.page(customer_links.require(token, customer_links.REBOOKING))


@frappe.whitelist(allow_guest=True, methods=["POST"])
@rate_limit(limit=30, seconds=3600)
def book(start: str, token: str | None = None) -> dict:
	"""Book the slot starting at `start` (as offered): {booked: true, slot}, or {booked: false,
	message, slots} when it was taken meanwhile."""
	from gigafibre.field import rebooking

	token = token or request_token()
	_per_link("job-rebooking-book", token, BOOKING_PER_LINK_PER_HOUR)
	frappe.local.lang = "fr"
	return rebooking.book(customer_links.require(token, customer_links.REBOOKING), start)
