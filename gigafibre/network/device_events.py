"""Device online/offline on the Frappe side: Service Equipment's online status, and the
`on_device_online` / `on_device_offline` flow events when it changes.

The MQTT worker (gigafibre/network/oktopus_mqtt.py) runs long-lived under
`bench --site <site> gigafibre-oktopus-worker` and hands each DeviceEvent to `apply`; the OLT poll
(gigafibre/network/tasks.py) calls `change_status` for the ONTs whose ONU changed state.
"""

import frappe
from frappe.utils import convert_utc_to_system_timezone

from gigafibre.network.oktopus_mqtt import DeviceEvent

STATUS = {"online": "Online", "offline": "Offline", "heartbeat": "Online"}


def apply(event: DeviceEvent) -> str | None:
	"""Record the event on the matching equipment; returns its name (None when no equipment matches)."""
	name = _equipment_for(event)
	if not name:
		return None
	seen = convert_utc_to_system_timezone(event.at).replace(tzinfo=None)
	change_status(name, STATUS[event.kind], seen)
	return name


def change_status(
	name: str, status: str, seen=None, announce: bool = True, dedupe_key: str | None = None
) -> bool:
	"""Set a Service Equipment's `online_status` (and `last_seen_at` when `seen` is given); when the
	status changes and `announce`, fire on_device_online / on_device_offline. True when it changed.
	Used by the Oktopus worker (every change announced) and the OLT poll (see olt_episodes)."""
	doc = frappe.get_doc("Service Equipment", name, for_update=True)
	changed = doc.online_status != status
	values = {"online_status": status}
	if seen is not None:
		values["last_seen_at"] = seen
	if changed or seen is not None:
		doc.db_set(values, update_modified=False)
	if changed and announce:
		from gigafibre.flows import dispatch_event

		# A device that comes back after being offline is a new event; so is the next outage.
		dispatch_event(
			"on_device_online" if status == "Online" else "on_device_offline",
			doc,
			dedupe_key=dedupe_key or (seen.isoformat() if seen is not None else ""),
		)
	return changed


def _equipment_for(event: DeviceEvent) -> str | None:
	for field, value in (("acs_device_id", event.device_id), ("serial_number", (event.serial or "").upper())):
		if value:
			name = frappe.db.get_value("Service Equipment", {field: value})
			if name:
				return name
	return None


def handle(event: DeviceEvent) -> None:
	"""The worker's callback: one transaction per message."""
	try:
		apply(event)
		frappe.db.commit()
	except Exception:
		frappe.db.rollback()
		frappe.log_error(title="Oktopus device event", reference_doctype="Service Equipment")
