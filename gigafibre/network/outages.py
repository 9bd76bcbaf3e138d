"""Outage correlation: Uptime Kuma heartbeats → OLT/PON → one Outage per affected segment.

The top half is pure (no Frappe at import): reading Kuma's webhook JSON and mapping a monitor
name to (olt, pon_port). The bottom half is the Webhook Event handler, which imports Frappe
lazily: DOWN opens one Outage (none more while one is open for the same OLT/PON) listing the
Service Locations on that OLT (and port), then fires `on_outage_detected`; UP resolves it and
fires `on_outage_resolved`.

Kuma's webhook body: {"heartbeat": {"status": 0|1|2|3, "time": "…", "msg": "…"},
"monitor": {"id": N, "name": "…"}, "msg": "…"}; status 0 DOWN, 1 UP, 2 PENDING, 3 MAINTENANCE.
Kuma's "Test" notification has no heartbeat/monitor.
"""

import re
from dataclasses import dataclass

from gigafibre.errors import InvalidValue
from gigafibre.i18n import _

DOWN = "down"
UP = "up"
KUMA_STATUSES = {0: DOWN, 1: UP, 2: "pending", 3: "maintenance"}

# "OLT-MTL-01", "OLT-MTL-01 1/1/3", "OLT-MTL-01 PON 1/1/3", "olt-mtl-01 - 0/2/7"
MONITOR_NAME = re.compile(
	r"^\s*(?P<olt>OLT[-_.A-Za-z0-9]*[A-Za-z0-9])(?:\s*[-:/]?\s*(?:PON\s*)?(?P<port>\d+(?:/\d+){1,3}))?\s*$",
	re.IGNORECASE,
)


@dataclass(frozen=True)
class KumaEvent:
	monitor_id: str
	monitor_name: str
	status: str  # down | up | pending | maintenance
	time: str
	message: str

	@property
	def event_id(self) -> str:
		return f"{self.monitor_id}-{self.time}-{self.status}"


def parse_monitor(name: str | None) -> tuple[str, str | None] | None:
	"""(olt, pon_port or None) for a monitor named after an OLT, else None. The OLT is upper-cased."""
	match = MONITOR_NAME.match(name or "")
	if not match:
		return None
	return match.group("olt").upper(), match.group("port")


def parse_kuma(payload) -> KumaEvent | None:
	"""The heartbeat in a Kuma webhook body; None for Kuma's test notification (no monitor/heartbeat)."""
	if not isinstance(payload, dict):
		raise InvalidValue(_("The Uptime Kuma message is not a JSON object."))
	heartbeat, monitor = payload.get("heartbeat"), payload.get("monitor")
	if not heartbeat and not monitor:
		return None
	if not isinstance(heartbeat, dict) or not isinstance(monitor, dict):
		raise InvalidValue(_("The Uptime Kuma message has no heartbeat or no monitor."))
	if monitor.get("id") in (None, "") or not heartbeat.get("time"):
		raise InvalidValue(_("The Uptime Kuma message has no monitor id or no heartbeat time."))
	try:
		status = KUMA_STATUSES[int(heartbeat.get("status"))]
	except (TypeError, ValueError, KeyError):
		raise InvalidValue(_("Unknown Uptime Kuma status {0}."), heartbeat.get("status")) from None
	return KumaEvent(
		monitor_id=str(monitor["id"]),
		monitor_name=str(monitor.get("name") or ""),
		status=status,
		time=str(heartbeat["time"]),
		message=str(heartbeat.get("msg") or payload.get("msg") or ""),
	)


def action(status: str, has_open_outage: bool) -> str | None:
	"""open | resolve | None (nothing to do)."""
	if status == DOWN and not has_open_outage:
		return "open"
	if status == UP and has_open_outage:
		return "resolve"
	return None


# Frappe shell (imports Frappe inside the functions)


def handle_kuma(webhook_event) -> str | None:
	"""Webhook Event handler ("Uptime Kuma"). Returns "ignored" when the event changes nothing."""
	import json

	event = parse_kuma(json.loads(webhook_event.raw_body or "{}"))
	if event is None:
		return "ignored"
	mapped = parse_monitor(event.monitor_name)
	if mapped is None:
		return "ignored"
	olt, pon_port = mapped
	open_name = _open_outage(olt, pon_port)
	todo = action(event.status, bool(open_name))
	if todo == "open":
		open_outage(event, olt, pon_port, webhook_event.name)
	elif todo == "resolve":
		resolve_outage(open_name, webhook_event.name)
	else:
		return "ignored"


def _open_outage(olt: str, pon_port: str | None) -> str | None:
	import frappe

	return frappe.db.get_value(
		"Outage", {"status": "Open", "olt": olt, "pon_port": pon_port or ("is", "not set")}, "name"
	)


def affected_locations(olt: str, pon_port: str | None) -> list[dict]:
	import frappe

	filters = {"olt": olt, "location_status": ("!=", "Inactive")}
	if pon_port:
		filters["pon_port"] = pon_port
	return frappe.get_all(
		"Service Location", filters=filters, fields=["name", "customer", "onu_id"], order_by="name"
	)


def open_outage(event: KumaEvent, olt: str, pon_port: str | None, source_event: str | None = None):
	import frappe
	from frappe.utils import now_datetime

	from gigafibre.flows import dispatch_event

	doc = frappe.get_doc(
		{
			"doctype": "Outage",
			"monitor_name": event.monitor_name,
			"monitor_id": event.monitor_id,
			"olt": olt,
			"pon_port": pon_port,
			"status": "Open",
			"started_at": now_datetime(),
			"message": event.message[:1000],
			"source_event": source_event,
			"affected_locations": [
				{"service_location": row.name, "customer": row.customer, "onu_id": row.onu_id}
				for row in affected_locations(olt, pon_port)
			],
		}
	).insert(ignore_permissions=True)
	dispatch_event("on_outage_detected", doc)
	return doc


def resolve_outage(name: str, resolved_event: str | None = None):
	import frappe
	from frappe.utils import now_datetime

	from gigafibre.flows import dispatch_event

	doc = frappe.get_doc("Outage", name, for_update=True)
	doc.status = "Resolved"
	doc.resolved_at = now_datetime()
	doc.resolved_event = resolved_event
	doc.save(ignore_permissions=True)
	dispatch_event("on_outage_resolved", doc)
	return doc


def open_outage_for(service_location: str | None) -> str | None:
	"""The open Outage affecting a Service Location, if any — for ticket code: a ticket from an
	affected customer attaches to the outage instead of spawning a Dispatch Job."""
	import frappe

	if not service_location:
		return None
	rows = frappe.get_all(
		"Outage",
		filters=[
			["Outage", "status", "=", "Open"],
			["Outage Location", "service_location", "=", service_location],
		],
		fields=["name"],
		order_by="started_at desc",
		limit=1,
	)
	if rows:
		return rows[0].name
	# Locations wired after the outage opened: match the OLT/PON directly.
	olt, pon_port = frappe.db.get_value("Service Location", service_location, ["olt", "pon_port"]) or (
		None,
		None,
	)
	if not olt:
		return None
	for row in frappe.get_all(
		"Outage",
		filters={"status": "Open", "olt": olt},
		fields=["name", "pon_port"],
		order_by="started_at desc",
	):
		if not row.pon_port or row.pon_port == pon_port:
			return row.name
	return None


def attach_ticket(doc, method=None) -> None:
	"""Issue after_insert: a ticket from a customer inside an open outage joins the outage (linked
	and noted) rather than becoming one more field visit."""
	import frappe
	from frappe import _

	if not doc.get("customer") or (
		doc.get("gigafibre_outage") is None and not doc.meta.has_field("gigafibre_outage")
	):
		return
	for location in frappe.get_all("Service Location", filters={"customer": doc.customer}, pluck="name"):
		outage = open_outage_for(location)
		if outage:
			doc.db_set("gigafibre_outage", outage)
			doc.add_comment(
				"Info", _("Attached to outage {0}: the network team already works on it.").format(outage)
			)
			return
