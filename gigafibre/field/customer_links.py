"""A customer's links for one job: the tracking page `/suivi/<token>` and the rebooking page
`/rendez-vous/<token>`.

The same signed, recorded links as the technicians' (`auth.service.issue_recorded`): an HS256 JWT
whose random id is recorded in **Customer Job Link**, so nothing guessable is in the address and
a link can be ended. A link ends when its job is completed or cancelled (`expire_for_job`, from
the Dispatch Job hook), or at its lifetime's end (a day for tracking, a week for rebooking).
"""

from datetime import timedelta

import frappe
from frappe import _
from frappe.utils import get_url, now_datetime

from gigafibre.auth import magic_link
from gigafibre.auth.service import issue_recorded, link_secret

DOCTYPE = "Customer Job Link"
TRACKING, REBOOKING = "Tracking", "Rebooking"
SCOPES = {TRACKING: "job-tracking", REBOOKING: "job-rebooking"}
LIFETIMES = {TRACKING: timedelta(hours=24), REBOOKING: timedelta(days=7)}
PAGES = {TRACKING: "suivi", REBOOKING: "rendez-vous"}

# What a token can be, for the pages and the endpoints.
VALID, EXPIRED, INVALID = "valid", "expired", "invalid"


class Refused(frappe.DoesNotExistError):
	"""A token that is not one of ours (404: nothing to say about it)."""


class Expired(frappe.PermissionError):
	"""One of ours, ended (its job completed or cancelled, revoked, past its lifetime): 403."""


def issue(job: str, purpose: str, sent_to: str | None = None) -> tuple[str, str]:
	"""(token, url) of a new link of `purpose` for `job`."""
	customer = frappe.db.get_value("Dispatch Job", job, "customer")
	token, _name = issue_recorded(
		DOCTYPE,
		"dispatch_job",
		job,
		SCOPES[purpose],
		LIFETIMES[purpose],
		purpose=purpose,
		customer=customer,
		sent_to=sent_to,
	)
	return token, f"{base_url()}/{PAGES[purpose]}/{token}"


def base_url() -> str:
	return (frappe.db.get_single_value("Gigafibre Settings", "tech_base_url") or get_url()).rstrip("/")


def check(token: str | None, purpose: str) -> tuple[str, frappe._dict | None]:
	"""(VALID | EXPIRED | INVALID, its record) for a token of `purpose`. Never raises."""
	from datetime import datetime, timezone

	if not token or not isinstance(token, str) or len(token) > 2000:
		return INVALID, None
	try:
		claims = magic_link.verify(link_secret(), token, SCOPES[purpose], datetime.now(timezone.utc))
	except magic_link.LinkExpired:
		claims = _unverified_claims(token, purpose)
		if claims is None:
			return INVALID, None
		record = _record(claims.token_id)
		return (EXPIRED, record) if record and record.dispatch_job == claims.subject else (INVALID, None)
	except magic_link.LinkInvalid:
		return INVALID, None
	record = _record(claims.token_id)
	if not record or record.dispatch_job != claims.subject or record.purpose != purpose:
		return INVALID, None
	if record.revoked:
		return EXPIRED, record
	return VALID, record


def require(token: str | None, purpose: str) -> frappe._dict:
	"""The record of a valid token of `purpose`; Refused (404) or Expired (403) otherwise."""
	state, record = check(token, purpose)
	if state == INVALID:
		raise Refused(_("This link is not valid."))
	if state == EXPIRED:
		raise Expired(_("This link has expired."))
	return record


def expire_for_job(job: str) -> int:
	"""End every live link of `job` (it was completed or cancelled); how many."""
	names = frappe.get_all(DOCTYPE, filters={"dispatch_job": job, "revoked": 0}, pluck="name")
	for name in names:
		frappe.db.set_value(DOCTYPE, name, {"revoked": 1, "revoked_at": now_datetime()})
	return len(names)


def _record(token_id: str) -> frappe._dict | None:
	return frappe.db.get_value(
		DOCTYPE,
		{"token_id": token_id},
		["name", "dispatch_job", "purpose", "revoked", "customer", "booked_at", "booked_start", "booked_end"],
		as_dict=True,
	)


def _unverified_claims(token: str, purpose: str):
	"""The claims of a genuine token past its lifetime (its signature checked, its time not)."""
	from datetime import datetime, timezone

	try:
		return magic_link.verify(
			link_secret(), token, SCOPES[purpose], datetime.fromtimestamp(0, timezone.utc)
		)
	except magic_link.LinkInvalid:
		return None
