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
	doc = _row(NUMBER, number)
	user = _user(user)
	if doc.status != "Available":
		raise InvalidValue(_("Number {0} is not available ({1})."), doc.name, _(doc.status))
	extension = frappe.db.get_value(EXTENSION, {"assigned_to": user, "status": "Assigned"}, "extension")
	local = extension or doc.name.lstrip("+")
	settings = frappe.get_single("Gigafibre Settings")
	gateway = (settings.get("routr_gateway_ref") or "").strip()
	if not gateway:
		raise ServiceError(_("Set the Routr gateway reference in Gigafibre Settings."))
	ref = client().create_number(doc.name, f"sip:{local}@{_domain()}", gateway)
	doc.update({"status": "Assigned", "assigned_to": user, "routr_ref": ref, "assigned_at": now_datetime()})
	if device is not None:
		doc.device = device
	doc.save(ignore_permissions=True)
	return _state(doc)


def free_number(number: str) -> dict:
	doc = _row(NUMBER, number)
	if doc.routr_ref:
		client().delete_number(doc.routr_ref)
	doc.update(
		{"status": "Available", "assigned_to": None, "routr_ref": None, "assigned_at": None, "device": None}
	)
	doc.save(ignore_permissions=True)
	return _state(doc)


def assign_extension(extension: str, user: str, device: str | None = None) -> dict:
	doc = _row(EXTENSION, extension)
	user = _user(user)
	if doc.status != "Available":
		raise InvalidValue(_("Extension {0} is not available ({1})."), doc.name, _(doc.status))
	secret = doc.get_password("secret", raise_exception=False) if doc.secret else None
	secret = secret or frappe.generate_hash(length=20)
	name = frappe.db.get_value("User", user, "full_name") or user
	ref = client().create_agent(name, doc.name, secret, [_domain()])
	doc.update(
		{
			"status": "Assigned",
			"assigned_to": user,
			"routr_ref": ref,
			"assigned_at": now_datetime(),
			"secret": secret,
		}
	)
	if device is not None:
		doc.device = device
	doc.save(ignore_permissions=True)
	return _state(doc)


def free_extension(extension: str) -> dict:
	doc = _row(EXTENSION, extension)
	if doc.routr_ref:
		client().delete_agent(doc.routr_ref)
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
