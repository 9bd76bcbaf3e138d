"""Scheduled network work. `poll_olts` walks every OLT listed in Gigafibre Settings `olt_targets`
(a JSON list: [{"name": "OLT-MTL-01", "host": "10.0.0.2", "vendor": "huawei"|"zte",
"community": "public", "port": 161, "timeout": 2, "retries": 1}, …]) and publishes the optical
alarms on the realtime event `gigafibre_network`. Live ONU state is never stored (seed §6); only
unreachable OLTs and bad settings are logged (Error Log)."""

import json

from gigafibre.errors import GigafibreError
from gigafibre.network.olt_snmp import ONLINE, OltTarget, optical_alarms

TARGET_FIELDS = ("name", "host", "vendor", "community", "port", "timeout", "retries")
REALTIME_EVENT = "gigafibre_network"


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
	targets, problems = parse_targets(settings.get("olt_targets"))
	for problem in problems:
		frappe.log_error(title="OLT poll settings", message=problem)
	if not targets:
		return {"olts": 0, "onus": 0, "alarms": 0, "errors": len(problems)}
	polls = poll_olts_blocking(targets)
	snapshots = [onu for poll in polls for onu in poll.onus]
	alarms = optical_alarms(snapshots)
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
	return {
		"olts": len(polls),
		"onus": len(snapshots),
		"alarms": len(alarms),
		"errors": len(failed) + len(problems),
	}


def _location(olt: str, pon_port: str, onu_id: int) -> str | None:
	import frappe

	return frappe.db.get_value(
		"Service Location", {"olt": olt, "pon_port": pon_port, "onu_id": str(onu_id)}, "name"
	)
