"""Scheduled network work. `poll_olts` walks every OLT listed in Gigafibre Settings `olt_targets`
(a JSON list: [{"name": "OLT-MTL-01", "host": "10.0.0.2", "vendor": "huawei"|"zte",
"community": "public", "port": 161, "timeout": 2, "retries": 1}, …]), publishes the optical
alarms on the realtime event `gigafibre_network`, and raises flow events once per alarm episode
(`raise_alarm_events`, logic in olt_episodes.py) for ONUs mapped to a Service Location:

- an ONU going offline → `on_device_offline` on the location's installed ONT (its
  `online_status`, shared with the Oktopus worker, remembers the episode; back online →
  `on_device_online`);
- rx outside the range (below `olt_rx_alarm_dbm`, default -27 dBm; above -8 dBm) →
  `on_optical_alarm` on the installed ONT, or on the Service Location when it has none.

Optical episodes are remembered in Redis (`frappe.cache`, one value, `EPISODES_CACHE`) rather
than in a doctype or a field: they are live network state, which the seed keeps out of the
database (§6), and they change every poll. The value expires a day after the last poll (a poller
stopped for a day starts afresh). Losing it (Redis restart, `bench clear-cache`) re-raises each
alarm still active once — a duplicate notice, never a missed one. Only unreachable OLTs and bad
settings are logged (Error Log)."""

import json

from gigafibre.errors import GigafibreError
from gigafibre.network.olt_snmp import ONLINE, RX_HIGH_DBM, RX_LOW_DBM, OltTarget, optical_alarms

TARGET_FIELDS = ("name", "host", "vendor", "community", "port", "timeout", "retries")
REALTIME_EVENT = "gigafibre_network"
EPISODES_CACHE = "gigafibre:olt_optical_episodes"
EPISODES_TTL_S = 24 * 3600
READINGS_CACHE = "gigafibre:olt_latest_readings"


def parse_targets(raw) -> tuple[list[OltTarget], list[str]]:
	"""(targets, problems) from the setting's JSON text (or an already-parsed list). Pure."""
	if raw in (None, ""):
		return [], []
	try:
		items = json.loads(raw) if isinstance(raw, str) else raw
	except ValueError as err:
		return [], [f"olt_targets is not valid JSON: {err}"]
	if not isinstance(items, list):
		return [], ["olt_targets must be a JSON list"]
	targets, problems = [], []
	for i, item in enumerate(items):
		if (
			not isinstance(item, dict)
			or not item.get("name")
			or not item.get("host")
			or not item.get("vendor")
		):
			problems.append(f"olt_targets[{i}] needs a name, a host and a vendor")
			continue
		try:
			target = OltTarget(**{k: item[k] for k in TARGET_FIELDS if item.get(k) not in (None, "")})
			target.profile  # an unknown vendor raises here, not in the poll
		except (TypeError, GigafibreError) as err:
			problems.append(f"olt_targets[{i}]: {err}")
			continue
		targets.append(target)
	return targets, problems


def poll_olts() -> dict:
	"""Scheduler entry (every 5 minutes): poll, publish alarms, log what failed. Returns counts."""
	import frappe

	from gigafibre.network.olt_snmp import poll_olts_blocking

	settings = frappe.get_cached_doc("Gigafibre Settings")
	rx_low = rx_threshold(settings.get("olt_rx_alarm_dbm"))
	targets, problems = parse_targets(settings.get("olt_targets"))
	for problem in problems:
		frappe.log_error(title="OLT poll settings", message=problem)
	if not targets:
		return {"olts": 0, "onus": 0, "alarms": 0, "errors": len(problems)}
	polls = poll_olts_blocking(targets)
	snapshots = [onu for poll in polls for onu in poll.onus]
	alarms = optical_alarms(snapshots, rx_low=rx_low)
	failed = [poll for poll in polls if not poll.ok]
	for poll in failed:
		frappe.log_error(
			title=f"OLT poll {poll.olt}",
			message=frappe._(poll.error.message).format(*poll.error.args_),
		)
	message = {
		"olts": [
			{
				"olt": poll.olt,
				"ok": poll.ok,
				"onus": len(poll.onus),
				"online": sum(1 for onu in poll.onus if onu.status == ONLINE),
				"seconds": round(poll.seconds, 3),
			}
			for poll in polls
		],
		"alarms": [
			{
				"event": a.event,
				"olt": a.olt,
				"pon_port": a.pon_port,
				"onu_id": a.onu_id,
				"rx_dbm": a.rx_dbm,
				"threshold_dbm": a.threshold_dbm,
				"service_location": _location(a.olt, a.pon_port, a.onu_id),
			}
			for a in alarms
		],
	}
	frappe.publish_realtime(REALTIME_EVENT, message)
	store_readings(polls, frappe.utils.now_datetime().isoformat())
	history = write_history(polls, rx_low)
	events = raise_alarm_events(polls, rx_low)
	return {
		"olts": len(polls),
		"onus": len(snapshots),
		"alarms": len(alarms),
		"errors": len(failed) + len(problems),
		"events": events,
		"history_points": history,
	}


def write_history(polls, rx_low: float) -> int:
	"""The round's readings into InfluxDB when it is set up (network/intel_service.py); never raises."""
	from gigafibre.network.intel_service import write_readings

	return write_readings(polls, rx_low)


def merge_readings(memory: dict | None, polls, stamp: str) -> dict:
	"""The latest reading of every ONU, by OLT: {olt: {"at": ISO, "onus": [[pon, onu, status, rx]]}}.
	An OLT that did not answer keeps its previous poll (with its time). Pure."""
	memory = dict(memory or {})
	for poll in polls:
		if poll.ok:
			memory[poll.olt] = {
				"at": stamp,
				"onus": [[o.pon_port, o.onu_id, o.status, o.rx_dbm] for o in poll.onus],
			}
	return memory


def store_readings(polls, stamp: str) -> None:
	"""Keep the last poll's ONU readings for the ONU Optical Levels report (Redis, like the
	episodes: live state, not database rows; gone a day after the last poll)."""
	import frappe

	memory = frappe.cache.get_value(READINGS_CACHE, expires=True)
	frappe.cache.set_value(
		READINGS_CACHE, merge_readings(memory, polls, stamp), expires_in_sec=EPISODES_TTL_S
	)


def latest_readings() -> dict:
	import frappe

	return frappe.cache.get_value(READINGS_CACHE, expires=True) or {}


def rx_threshold(raw) -> float:
	"""The setting in dBm; the default when empty or not a plausible rx level. Pure."""
	try:
		value = float(raw)
	except (TypeError, ValueError):
		return RX_LOW_DBM
	return value if -40 <= value < 0 else RX_LOW_DBM


def raise_alarm_events(polls, rx_low: float = RX_LOW_DBM, rx_high: float = RX_HIGH_DBM) -> dict:
	"""Flow events for the alarm episodes that start in this poll (see the module doc). Returns counts."""
	import frappe

	from gigafibre.flows import dispatch_event
	from gigafibre.network.device_events import change_status
	from gigafibre.network.olt_episodes import alarm_key, onu_states, optical_episodes, status_changes

	now = frappe.utils.now_datetime()
	stamp = now.isoformat()
	snapshots = [onu for poll in polls if poll.ok for onu in poll.onus]
	counts = {"optical": 0, "offline": 0, "online": 0}

	# expires=True: a value with an expiry must not be served from the request-local cache
	memory = frappe.cache.get_value(EPISODES_CACHE, expires=True)
	episodes = optical_episodes(memory, snapshots, stamp, rx_low, rx_high)
	for alarm in episodes.started:
		location = _location(alarm.olt, alarm.pon_port, alarm.onu_id)
		if not location:
			continue  # an ONU no customer is placed on: the realtime message is enough
		ont = _installed_ont(location)
		doc = (
			frappe.get_doc("Service Equipment", ont) if ont else frappe.get_doc("Service Location", location)
		)
		dispatch_event(
			"on_optical_alarm",
			doc,
			dedupe_key=f"{alarm_key(alarm)}|{stamp}",
			alarm=alarm.event,
			olt=alarm.olt,
			pon_port=alarm.pon_port,
			onu_id=alarm.onu_id,
			rx_dbm=alarm.rx_dbm,
			threshold_dbm=alarm.threshold_dbm,
			service_location=location,
		)
		counts["optical"] += 1
	frappe.cache.set_value(EPISODES_CACHE, episodes.memory, expires_in_sec=EPISODES_TTL_S)

	onts = _installed_onts({poll.olt for poll in polls if poll.ok})
	for change in status_changes(onts, onu_states(snapshots)):
		seen = now if change.status == "Online" else None
		if change_status(change.equipment, change.status, seen, announce=change.announce, dedupe_key=stamp):
			if change.announce:
				counts["offline" if change.status == "Offline" else "online"] += 1
	return counts


def _onu_id(raw) -> str:
	text = str(raw or "").strip()
	return str(int(text)) if text.isdigit() else text


def _installed_ont(location: str) -> str | None:
	import frappe

	return frappe.db.get_value(
		"Service Equipment",
		{"service_location": location, "equipment_type": "ONT", "status": "Installed"},
		"name",
		order_by="modified desc",
	)


def _installed_onts(olts: set[str]) -> list[tuple[str, str, str | None]]:
	"""(equipment, onu key, online_status) of the installed ONTs at locations placed on `olts`."""
	import frappe

	from gigafibre.network.olt_episodes import onu_key

	if not olts:
		return []
	placed = {
		row.name: onu_key(row.olt, row.pon_port, _onu_id(row.onu_id))
		for row in frappe.get_all(
			"Service Location",
			filters={"olt": ("in", sorted(olts))},
			fields=["name", "olt", "pon_port", "onu_id"],
		)
		if row.pon_port and _onu_id(row.onu_id)
	}
	if not placed:
		return []
	rows = frappe.get_all(
		"Service Equipment",
		filters={"service_location": ("in", list(placed)), "equipment_type": "ONT", "status": "Installed"},
		fields=["name", "service_location", "online_status"],
		order_by="modified desc",
	)
	return [(row.name, placed[row.service_location], row.online_status) for row in rows]


def _location(olt: str, pon_port: str, onu_id: int) -> str | None:
	import frappe

	return frappe.db.get_value(
		"Service Location", {"olt": olt, "pon_port": pon_port, "onu_id": str(onu_id)}, "name"
	)
