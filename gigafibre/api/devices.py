"""Live CPE state from GenieACS for staff: lookup, summary, tasks. Nothing fetched here is stored
(seed §6). Callers: Dispatcher, Gigafibre Manager, System Manager (session)."""

import json

import frappe
from frappe import _
from frappe.rate_limiter import rate_limit

from gigafibre.network import service

ACTIONS = ("refresh", "reboot", "set")


def _allow() -> None:
	if frappe.session.user == "Guest":
		frappe.throw(_("Sign in to read devices."), exc=frappe.AuthenticationError)
	if not service.STAFF_ROLES & set(frappe.get_roles()):
		frappe.throw(_("You are not allowed to read or control devices."), exc=frappe.PermissionError)


@frappe.whitelist(methods=["GET", "POST"])
@rate_limit(limit=120, seconds=60)
def lookup(serial: str | None = None, mac: str | None = None, tag: str | None = None) -> dict:
	"""Devices by serial number, MAC address or tag (the first one given), each summarized."""
	_allow()
	serial, mac, tag = ((v or "").strip() or None for v in (serial, mac, tag))
	if not (serial or mac or tag):
		frappe.throw(_("Give a serial number, a MAC address or a tag."))
	return {"devices": service.lookup_devices(serial=serial, mac=mac, tag=tag)}


@frappe.whitelist(methods=["GET", "POST"])
@rate_limit(limit=120, seconds=60)
def summary(equipment: str | None = None, device_id: str | None = None) -> dict:
	"""The live summary of a device, by Service Equipment name or GenieACS device id. For the models
	listed in Gigafibre Settings, it adds the modem bridge's readings (`bridge`, `bridge_filled`) or,
	when the bridge failed, `bridge_error` — the rest of the summary is there either way."""
	_allow()
	if equipment:
		doc = frappe.get_doc("Service Equipment", equipment)
		doc.check_permission("read")
		if not doc.acs_device_id:
			frappe.throw(_("Equipment {0} has no GenieACS device ID.").format(equipment))
		device_id = doc.acs_device_id
	if not device_id:
		frappe.throw(_("Give an equipment or a device ID."))
	return {"summary": service.device_summary(device_id)}


@frappe.whitelist(methods=["POST"])
@rate_limit(limit=30, seconds=60)
def task(device_id: str, action: str, parameters: list | str | None = None) -> dict:
	"""Push a task to a device: refresh, reboot or set ([[path, value(, xsd type)], …]).
	`done` is false when the device did not answer the connection request: it runs at its next inform."""
	_allow()
	if action not in ACTIONS:
		frappe.throw(_("Unknown device action {0}: use refresh, reboot or set.").format(action))
	if isinstance(parameters, str):
		try:
			parameters = json.loads(parameters) if parameters.strip() else None
		except ValueError:
			frappe.throw(_("The parameters are not valid JSON."))
	if parameters is not None and not isinstance(parameters, list):
		frappe.throw(_("Give the parameters as a list."))
	return service.run_task(device_id, action, parameters)
