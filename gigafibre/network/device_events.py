"""Device online/offline on the Frappe side: Service Equipment's online status, and the
`on_device_online` / `on_device_offline` flow events when it changes.

The MQTT worker (gigafibre/network/oktopus_mqtt.py) runs long-lived under
`bench --site <site> gigafibre-oktopus-worker` and hands each DeviceEvent to `apply`; the OLT poll
(gigafibre/network/tasks.py) calls `change_status` for the ONTs whose ONU changed state.
"""

from collections.abc import Callable
from datetime import datetime, timedelta, timezone

import frappe
from frappe.utils import convert_utc_to_system_timezone

from gigafibre.network.oktopus_mqtt import DeviceEvent

STATUS = {"online": "Online", "offline": "Offline", "heartbeat": "Online"}

# The worker's state for the health page, in Redis under the site's prefix (`frappe.cache`):
# a dict, `OktopusMqttWorker.state()` — connected, client_id, broker, last_message_at,
# connected_at, disconnected_at (ISO 8601, UTC), counters, updated_at. Written by the worker on each
# connection and disconnection and every WORKER_STATE_EVERY seconds; read with `worker_status()`.
WORKER_STATE_KEY = "gigafibre:oktopus-worker-state"
WORKER_STATE_EVERY = 15
# Beyond this without a report the worker is taken for gone (killed, host down).
WORKER_STATE_STALE = timedelta(seconds=3 * WORKER_STATE_EVERY)


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


def worker_client_id() -> str:
	"""The worker's fixed MQTT client id, one per site: the broker keeps its session (and queues
	device messages) under it while the worker is away. Run one worker per site."""
	return f"gigafibre-{frappe.local.site}"


def worker_state_recorder() -> Callable[[dict], None]:
	"""The worker's `on_state`: stores its state where `worker_status` reads it. Called from the
	worker's threads, so it only talks to Redis (the key is made here, in the worker's main thread)."""
	cache = frappe.cache
	key = cache.make_key(WORKER_STATE_KEY)

	def record(state: dict) -> None:
		cache.set_value(key, state, expires_in_sec=7 * 24 * 3600, shared=True)

	return record


def worker_status() -> dict | None:
	"""The Oktopus MQTT worker as the health page shows it, or None when it never reported: its last
	state (see WORKER_STATE_KEY), with `connected` false and `stale` true when it stopped reporting
	(then `disconnected_at` is its last report, if it never said it disconnected)."""
	state = frappe.cache.get_value(WORKER_STATE_KEY, expires=True)
	if not isinstance(state, dict):
		return None
	state = dict(state)
	updated = state.get("updated_at")
	stale = not updated or datetime.fromisoformat(updated) < datetime.now(timezone.utc) - WORKER_STATE_STALE
	state["stale"] = stale
	if stale and state.get("connected"):
		state["connected"] = False
		state["disconnected_at"] = updated
	return state


def handle(event: DeviceEvent) -> None:
	"""The worker's callback: one transaction per message."""
	try:
		apply(event)
		frappe.db.commit()
	except Exception:
		frappe.db.rollback()
		frappe.log_error(title="Oktopus device event", reference_doctype="Service Equipment")
