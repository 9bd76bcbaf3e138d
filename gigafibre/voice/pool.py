"""The SIP pool: phone numbers and SIP extensions assigned to staff and provisioned into Routr.

Assigning provisions first and writes after: the Routr resource is created, then the row says
Assigned with its Routr reference; when Routr refuses, nothing changes here. Freeing deletes the
Routr resource (already gone counts as deleted), then the row is Available again, without owner.
A number rings its owner's SIP extension (aorLink sip:<extension>@<domain>) when they have one.
"""

import frappe
from frappe import _
from frappe.utils import now_datetime

from gigafibre.errors import InvalidValue, ServiceError
from gigafibre.messaging.recipients import safe_e164
from gigafibre.voice.routr import RoutrClient

NUMBER, EXTENSION = "Phone Number", "SIP Extension"


def client() -> RoutrClient:
	settings = frappe.get_single("Gigafibre Settings")
	return RoutrClient(
		(settings.get("routr_api_url") or "").strip(),
		(settings.get("routr_username") or "").strip(),
		settings.get_password("routr_password", raise_exception=False) or "",
	)


def _domain() -> str:
	domain = (frappe.db.get_single_value("Gigafibre Settings", "routr_domain") or "").strip()
	if not domain:
		raise ServiceError(_("Set the Routr SIP domain in Gigafibre Settings."))
	return domain


def _user(user: str) -> str:
	if not frappe.db.exists("User", {"name": user, "enabled": 1}) or user in ("Guest", "Administrator"):
		raise InvalidValue(_("User {0} does not exist or is disabled."), user)
	return user


def _row(doctype: str, name: str):
	if doctype == NUMBER:
		name = safe_e164(name) or name
	if not frappe.db.exists(doctype, name):
		raise InvalidValue(_("{0} {1} does not exist."), _(doctype), name)
	return frappe.get_doc(doctype, name, for_update=True)


def assign_number(number: str, user: str, device: str | None = None) -> dict:
	doc = _available(NUMBER, number, user)
	extension = frappe.db.get_value(
		EXTENSION, {"assigned_to": doc.assigned_to, "status": "Assigned"}, "extension"
	)
	local = extension or doc.name.lstrip("+")
	settings = frappe.get_single("Gigafibre Settings")
	gateway = (settings.get("routr_gateway_ref") or "").strip()
	if not gateway:
		raise ServiceError(_("Set the Routr gateway reference in Gigafibre Settings."))
	ref = client().create_number(doc.name, f"sip:{local}@{_domain()}", gateway)
	return _assigned(doc, ref, device)


def free_number(number: str) -> dict:
	return _freed(_row(NUMBER, number), lambda ref: client().delete_number(ref))


def assign_extension(extension: str, user: str, device: str | None = None) -> dict:
	doc = _available(EXTENSION, extension, user)
	secret = doc.get_password("secret", raise_exception=False) if doc.secret else None
	secret = secret or frappe.generate_hash(length=20)
	name = frappe.db.get_value("User", doc.assigned_to, "full_name") or doc.assigned_to
	ref = client().create_agent(name, doc.name, secret, [_domain()])
	return _assigned(doc, ref, device, secret=secret)


def free_extension(extension: str) -> dict:
	return _freed(_row(EXTENSION, extension), lambda ref: client().delete_agent(ref))


def _available(doctype: str, name: str, user: str):
	"""The row, locked, checked Available, with `assigned_to` set in memory (written only once
	Routr has the resource)."""
	doc = _row(doctype, name)
	user = _user(user)
	if doc.status != "Available":
		message = (
			_("Number {0} is not available ({1}).")
			if doctype == NUMBER
			else _("Extension {0} is not available ({1}).")
		)
		raise InvalidValue(message, doc.name, _(doc.status))
	doc.assigned_to = user
	return doc


def _assigned(doc, routr_ref: str, device: str | None, **extra) -> dict:
	doc.update({"status": "Assigned", "routr_ref": routr_ref, "assigned_at": now_datetime(), **extra})
	if device is not None:
		doc.device = device
	doc.save(ignore_permissions=True)
	return _state(doc)


def _freed(doc, delete) -> dict:
	if doc.routr_ref:
		delete(doc.routr_ref)
	doc.update(
		{"status": "Available", "assigned_to": None, "routr_ref": None, "assigned_at": None, "device": None}
	)
	doc.save(ignore_permissions=True)
	return _state(doc)


def _state(doc) -> dict:
	return {
		"name": doc.name,
		"status": doc.status,
		"assigned_to": doc.assigned_to,
		"routr_ref": doc.routr_ref,
	}
