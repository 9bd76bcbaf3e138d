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
from gigafibre.jobs import enqueue as enqueue_job

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
	"""Issue a link and queue its SMS; returns the Technician Link, whose SMS status tells the outcome."""
	mobile = frappe.db.get_value("Technician", technician, "mobile")
	if not mobile:
		frappe.throw(_("Technician {0} has no mobile number to send the link to.").format(technician))
	token, url, name = issue_link(technician, dispatch_job)
	frappe.db.set_value("Technician Link", name, {"sent_to": mobile, "sms_status": "Queued"})
	enqueue_job(
		"gigafibre.tech.links.deliver",
		link=name,
		url=url,
	)
	return name


def deliver(link: str, url: str) -> None:
	"""Background job: the SMS itself. The URL travels only in the job, never in a stored field."""
	from gigafibre.errors import ServiceError
	from gigafibre.messaging.service import sms_client

	record = frappe.get_doc("Technician Link", link)
	body = _("Gigafibre: your jobs for today: {0} (valid {1} h)").format(
		url, frappe.db.get_single_value("Gigafibre Settings", "link_lifetime_hours") or 24
	)
	try:
		sms_client().send(record.sent_to, body)
	except ServiceError as err:
		record.db_set({"sms_status": "Failed", "sms_error": _(err.message).format(*err.args_)})
		return
	record.db_set({"sms_status": "Sent", "sms_error": None})


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
