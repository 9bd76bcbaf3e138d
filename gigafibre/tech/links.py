"""Technician magic links: issued, recorded, sent by SMS, verified, revoked.

A link is valid while it is genuine (signature), unexpired, recorded in Technician Link and not
revoked there, and its technician is active.
"""

from datetime import datetime, timedelta, timezone

import frappe
from frappe import _
from frappe.utils import add_to_date, get_url, now_datetime

from gigafibre.auth import magic_link
from gigafibre.auth.service import issue_recorded, refuse, verify_recorded

TECH_SCOPE = "tech"


def issue_link(technician: str, dispatch_job: str | None = None) -> tuple[str, str, str]:
	"""(token, url, Technician Link name) for `technician`."""
	if not frappe.db.get_value("Technician", technician, "active"):
		frappe.throw(_("Technician {0} does not exist or is not active.").format(technician))
	settings = frappe.get_single("Gigafibre Settings")
	token, name = issue_recorded(
		"Technician Link",
		"technician",
		technician,
		TECH_SCOPE,
		timedelta(hours=settings.link_lifetime_hours or 24),
		dispatch_job=dispatch_job,
	)
	base = (settings.tech_base_url or get_url()).rstrip("/")
	return token, f"{base}/j/{token}", name


def send_link(technician: str, dispatch_job: str | None = None) -> str:
	"""Issue a link and queue its SMS in the outbox (stored with the link, sent by a job); returns
	the Technician Link, whose SMS status tells the outcome (`record_sms_outcome`)."""
	mobile = frappe.db.get_value("Technician", technician, "mobile")
	if not mobile:
		frappe.throw(_("Technician {0} has no mobile number to send the link to.").format(technician))
	token, url, name = issue_link(technician, dispatch_job)
	frappe.db.set_value("Technician Link", name, {"sent_to": mobile, "sms_status": "Queued"})
	from gigafibre.messaging.outbox import queue

	queue(
		"SMS",
		mobile,
		_link_sms(url),
		reference_doctype="Technician Link",
		reference_name=name,
		secret=True,
		on_outcome="gigafibre.tech.links.record_sms_outcome",
	)
	return name


def _link_sms(url: str) -> str:
	return _("Gigafibre: your jobs for today: {0} (valid {1} h)").format(
		url, frappe.db.get_single_value("Gigafibre Settings", "link_lifetime_hours") or 24
	)


def record_sms_outcome(outcome: dict) -> None:
	"""The outbox's word on a link's SMS (Sent or Failed), shown on the Technician Link."""
	values = {
		"sms_status": outcome["status"],
		"sms_error": outcome.get("error") if outcome["status"] == "Failed" else None,
	}
	frappe.db.set_value("Technician Link", outcome["reference_name"], values)


def deliver(link: str, url: str) -> None:
	"""A job queued before the outbox (jobs already in the queue): its SMS, through the outbox now."""
	from gigafibre.messaging.outbox import queue

	record = frappe.get_doc("Technician Link", link)
	queue(
		"SMS",
		record.sent_to,
		_link_sms(url),
		reference_doctype="Technician Link",
		reference_name=link,
		secret=True,
		on_outcome="gigafibre.tech.links.record_sms_outcome",
		dedupe_key=f"technician-link:{link}",
	)


def technician_for_token(token: str | None) -> str:
	"""The active technician a valid, unrevoked page link stands for; 401 with a clear message otherwise."""
	return active_technician(
		token, TECH_SCOPE, "Technician Link", _("This link was revoked. Ask your dispatcher for a new one.")
	)


def active_technician(token: str | None, scope: str, doctype: str, revoked_message: str) -> str:
	"""The active technician a recorded token of `scope` (page link, calendar feed) stands for."""
	technician = verify_recorded(token, scope, doctype, "technician", revoked_message)
	if not frappe.db.get_value("Technician", technician, "active"):
		refuse(_("This link is not valid."))
	return technician


def revoke(link: str) -> None:
	frappe.db.set_value(
		"Technician Link",
		link,
		{"revoked": 1, "revoked_at": now_datetime(), "revoked_by": frappe.session.user},
	)


def revoke_all(technician: str) -> int:
	names = frappe.get_all("Technician Link", filters={"technician": technician, "revoked": 0}, pluck="name")
	for name in names:
		revoke(name)
	return len(names)
