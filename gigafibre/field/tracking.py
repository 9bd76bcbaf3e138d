"""What the customer's tracking page `/suivi/<token>` shows, and nothing else.

Exactly four keys, whatever happens (`PAYLOAD_KEYS`): the technician's first name, the ETA, their
live position while en route (latitude, longitude, time of the fix: never a home base or a
previous job's place, never the position once they arrived) and the status:

- `en_route`: first name, ETA, live position (None while the position is unknown or stale);
- `arrived`: the first name only;
- `scheduled`: the job went back to Assigned (not on the way any more): the first name only;
- `expired`: the job was completed or cancelled, or the link ended: nothing.

The ETA is worked out at most every `CACHE_SECONDS` per job (pages poll; the routing service is
asked once for all of them).
"""

import frappe
from frappe.utils import get_datetime

from gigafibre.dispatch import status as job_status
from gigafibre.field import customer_links, eta_rules

PAYLOAD_KEYS = ("first_name", "eta", "position", "status")
EN_ROUTE, ARRIVED, SCHEDULED, EXPIRED = "en_route", "arrived", "scheduled", "expired"
CACHE_SECONDS = 20
POLL_SECONDS = 20


def payload(
	first_name: str = "", eta: str | None = None, position: dict | None = None, status: str = EXPIRED
) -> dict:
	return {"first_name": first_name, "eta": eta, "position": position, "status": status}


def state_for_token(token: str | None) -> dict:
	"""The page's payload for a tracking token; Refused (404) for a token that is not ours."""
	state, record = customer_links.check(token, customer_links.TRACKING)
	if state == customer_links.INVALID:
		raise customer_links.Refused(frappe._("This link is not valid."))
	if state == customer_links.EXPIRED:
		return payload()
	return state_for_job(record.dispatch_job)


def state_for_job(job: str) -> dict:
	row = frappe.db.get_value("Dispatch Job", job, ["status", "technician"], as_dict=True)
	if not row or row.status in job_status.CLOSED or not row.technician:
		return payload()
	name = eta_rules.first_name(frappe.db.get_value("Technician", row.technician, "full_name"))
	if row.status == job_status.ON_SITE:
		return payload(name, status=ARRIVED)
	if row.status != job_status.EN_ROUTE:
		return payload(name, status=SCHEDULED)
	cache_key = f"gigafibre:tracking:{job}:{row.technician}"
	cached = frappe.cache.get_value(cache_key)
	if isinstance(cached, dict) and set(cached) == set(PAYLOAD_KEYS):
		return cached
	from gigafibre.field.eta import job_eta, live_position

	found = job_eta(job)
	fix = live_position(row.technician)
	position = None
	if fix and fix.get("lat") is not None and fix.get("lon") is not None:
		position = {
			"lat": round(float(fix["lat"]), 5),
			"lon": round(float(fix["lon"]), 5),
			"at": _iso(fix.get("at")),
		}
	eta = _iso(eta_rules.announced(found["eta"])) if found else None
	out = payload(name, eta, position, EN_ROUTE)
	frappe.cache.set_value(cache_key, out, expires_in_sec=CACHE_SECONDS)
	return out


def _iso(value) -> str | None:
	if not value:
		return None
	return get_datetime(value).replace(microsecond=0).isoformat()
