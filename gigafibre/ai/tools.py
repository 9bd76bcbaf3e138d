"""The agent's tools (specs in gigafibre/ai/tool_specs.py): each `fn(customer, **args) -> dict`,
JSON data about that customer only, through the capabilities that already exist (the portal's
account, the outages, the GenieACS shell, the rebooking page's slots and booking, the portal's
tickets). A record named by the model that is not the customer's answers as if it did not exist.
"""

import frappe
from frappe.utils import get_datetime, getdate, now_datetime

from gigafibre.dispatch import status as job_status
from gigafibre.errors import InvalidValue, ServiceError


class NotYours(InvalidValue):
	"""A record id the model gave that is not this customer's (said as not found)."""


def _locations(customer: str) -> list[dict]:
	return frappe.get_all(
		"Service Location",
		filters={"customer": customer, "location_status": ("!=", "Inactive")},
		fields=["name", "address_line1", "city", "postal_code", "location_status"],
		order_by="creation",
	)


def account_balance(customer: str) -> dict:
	from gigafibre.portal import account, links

	board = account.dashboard(customer)
	latest = account.invoices(customer)[:1]
	base = links._portal_base()
	last = None
	if latest:
		invoice = latest[0]
		last = {
			"number": invoice.name,
			"date": invoice.posting_date,
			"due_date": invoice.due_date,
			"total": invoice.grand_total,
			"amount_due": invoice.outstanding_amount,
			"currency": invoice.currency,
			"status": invoice.status,
			"portal_link": f"{base}/#/invoices/{invoice.name}",
		}
	return {
		"balance_owing": board["balance"],
		"currency": board["currency"],
		"overdue_invoices": [
			{"number": i.name, "due_date": i.due_date, "amount_due": i.outstanding_amount}
			for i in board["overdue"]
		],
		"last_invoice": last,
		"portal_link": f"{base}/#/invoices",
	}


def outage_status(customer: str) -> dict:
	from gigafibre.network.outages import open_outage_for

	places = []
	for location in _locations(customer):
		outage = open_outage_for(location.name)
		row = {"address": _address(location), "outage": None}
		if outage:
			started = frappe.db.get_value("Outage", outage, "started_at")
			row["outage"] = {"status": "ongoing", "since": started, "reference": outage}
		places.append(row)
	return {"service_addresses": places, "any_outage": any(p["outage"] for p in places)}


def _devices(customer: str) -> list[dict]:
	return frappe.get_all(
		"Service Equipment",
		filters={"customer": customer, "status": "Installed"},
		fields=["name", "equipment_type", "brand", "model", "acs_device_id", "online_status", "last_seen_at"],
		order_by="creation",
	)


def device_status(customer: str) -> dict:
	from gigafibre.network import service

	out = []
	for device in _devices(customer):
		row = {
			"equipment": device.name,
			"type": device.equipment_type,
			"model": " ".join(filter(None, (device.brand, device.model))) or None,
			"online_status": device.online_status,
			"last_seen": device.last_seen_at,
			"can_restart": bool(device.acs_device_id),
		}
		if device.acs_device_id and service.genieacs_client() is not None:
			try:
				live = service.device_summary(device.acs_device_id)
			except frappe.ValidationError as err:
				row["live_error"] = str(err)
			else:
				row["live"] = {
					"last_inform": live.get("last_inform"),
					"uptime_s": live.get("uptime_s"),
					"optical_rx_dbm": (live.get("optical") or {}).get("rx_dbm"),
					"wan_status": (live.get("primary_wan") or {}).get("status"),
					"wifi": [
						{"ssid": w.get("ssid"), "band": w.get("band"), "enabled": w.get("enabled")}
						for w in live.get("wifi") or []
					],
				}
		out.append(row)
	return {"devices": out}


def restart_device(customer: str, equipment: str | None = None) -> dict:
	from gigafibre.network import service

	devices = [d for d in _devices(customer) if d.acs_device_id]
	if equipment:
		devices = [d for d in devices if d.name == equipment]
		if not devices:
			raise NotYours("No restartable device {0} on this account.", equipment)
	elif len(devices) != 1:
		raise InvalidValue(
			"Say which device: this account has {0} restartable devices (see device_status).", len(devices)
		)
	device = devices[0]
	try:
		result = service.run_task(device.acs_device_id, "reboot")
	except frappe.ValidationError as err:
		raise ServiceError("The restart could not be sent: {0}", str(err)) from err
	return {
		"equipment": device.name,
		"restart": "done" if result["done"] else "queued: runs when the device next contacts us",
	}


def _own_job(customer: str, appointment: str):
	job = frappe.db.get_value(
		"Dispatch Job",
		appointment,
		["name", "customer", "status", "job_type", "window_start", "window_end", "scheduled_start"],
		as_dict=True,
	)
	if not job or job.customer != customer:
		raise NotYours("No appointment {0} on this account.", appointment)
	return job


def appointments(customer: str) -> dict:
	rows = frappe.get_all(
		"Dispatch Job",
		filters={"customer": customer, "status": ("in", job_status.OPEN)},
		fields=["name", "job_type", "status", "window_start", "window_end", "scheduled_start", "address"],
		order_by="window_start asc",
		limit=10,
	)
	now = now_datetime()
	return {
		"appointments": [
			{
				"appointment": r.name,
				"type": r.job_type,
				"status": r.status,
				"window_start": r.window_start,
				"window_end": r.window_end,
				"address": r.address,
			}
			for r in rows
			if not r.window_start or get_datetime(r.window_start) >= now.replace(hour=0, minute=0, second=0)
		]
	}


def appointment_slots(customer: str, appointment: str) -> dict:
	from gigafibre.field import rebooking

	job = _own_job(customer, appointment)
	if job.status not in rebooking.BOOKABLE:
		return {"appointment": job.name, "slots": [], "note": "This visit can no longer be moved."}
	slots = rebooking.offer(job.name, getdate())
	return {"appointment": job.name, "slots": [{k: s[k] for k in ("start", "end")} for s in slots]}


def reschedule_appointment(customer: str, appointment: str, start: str) -> dict:
	"""Through the rebooking page's own booking (the slot checked again under its lock), on a
	rebooking link issued for the agent (so the booking is recorded as a link's)."""
	from gigafibre.field import customer_links, rebooking

	job = _own_job(customer, appointment)
	_token, _url = customer_links.issue(job.name, customer_links.REBOOKING, sent_to="agent")
	record = frappe.get_all(
		customer_links.DOCTYPE,
		filters={"dispatch_job": job.name, "purpose": customer_links.REBOOKING, "sent_to": "agent"},
		fields=["name", "dispatch_job", "purpose", "revoked", "customer", "booked_at"],
		order_by="creation desc",
		limit=1,
	)[0]
	result = rebooking.book(record, start)
	if not result.get("booked"):
		return {
			"booked": False,
			"message": result.get("message"),
			"slots": [{k: s[k] for k in ("start", "end")} for s in result.get("slots") or []],
		}
	slot = result["slot"]
	return {"booked": True, "start": slot["start"], "end": slot["end"]}


def open_ticket(customer: str, subject: str, description: str) -> dict:
	from gigafibre.portal import account

	name = account.open_ticket(customer, subject, description)
	return {"ticket": name, "status": "Open"}


def _address(location) -> str:
	return ", ".join(filter(None, (location.address_line1, location.city, location.postal_code)))
