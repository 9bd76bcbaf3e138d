"""OLT alarm episodes: a flow event when an alarm starts, not at every 5-minute poll while it lasts.
Pure functions over the poll's snapshots and what was remembered from the previous polls.

Two kinds, two memories:

- Optical (rx below `olt_rx_alarm_dbm`, or above the overload level): an episode is keyed by
  ONU and alarm kind (`olt|pon|onu|onu_rx_low`). It starts when an ONU alarms and its key is not
  remembered; it ends only when the ONU is seen online with a reading that does not alarm. An ONU
  that went offline, or an OLT that did not answer, gives no reading: its episode goes on (an ONU
  that comes back still weak is the same problem, not a new one). `optical_episodes` returns the
  alarms that start an episode and the new memory `{key: ISO start}`.
- Offline: the ONU's state (online / offline, LOS and dying gasp count as offline) is compared
  with the `online_status` of the location's installed ONT (the field the Oktopus worker keeps
  too, so one outage seen by both raises one event). `status_changes` says which equipment
  changes, and whether the change is announced: going Offline always; coming back Online only
  after an Offline (a first poll turning every Unknown ONT Online announces nothing).
"""

from collections.abc import Iterable
from dataclasses import dataclass

from gigafibre.network.olt_snmp import DYING_GASP, LOS, OFFLINE, ONLINE, OnuAlarm, OnuSnapshot, optical_alarms

OFFLINE_STATES = frozenset({OFFLINE, LOS, DYING_GASP})


def onu_key(olt: str, pon_port: str, onu_id: int | str) -> str:
	return f"{olt}|{pon_port}|{onu_id}"


def alarm_key(alarm: OnuAlarm) -> str:
	return f"{onu_key(alarm.olt, alarm.pon_port, alarm.onu_id)}|{alarm.event}"


@dataclass(frozen=True)
class OpticalEpisodes:
	started: list[OnuAlarm]  # raise one event each
	ongoing: list[OnuAlarm]  # alarming now, already raised
	ended: list[str]  # episode keys that cleared
	memory: dict[str, str]  # what to remember: episode key -> ISO start


def optical_episodes(
	memory: dict[str, str] | None,
	snapshots: Iterable[OnuSnapshot],
	now: str,
	rx_low: float,
	rx_high: float,
) -> OpticalEpisodes:
	snapshots = list(snapshots)
	memory = dict(memory or {})
	alarming = {alarm_key(a): a for a in optical_alarms(snapshots, rx_low, rx_high)}
	read = {onu_key(*s.key) for s in snapshots if s.status == ONLINE and s.rx_dbm is not None}
	ended = sorted(k for k in memory if k not in alarming and k.rsplit("|", 1)[0] in read)
	for key in ended:
		del memory[key]
	started, ongoing = [], []
	for key, alarm in alarming.items():
		if key in memory:
			ongoing.append(alarm)
		else:
			started.append(alarm)
			memory[key] = now
	return OpticalEpisodes(started, ongoing, ended, memory)


def onu_states(snapshots: Iterable[OnuSnapshot]) -> dict[str, str]:
	"""{onu key: "Online" | "Offline"} in Service Equipment's terms; unknown states are left out."""
	states = {}
	for snapshot in snapshots:
		if snapshot.status == ONLINE:
			states[onu_key(*snapshot.key)] = "Online"
		elif snapshot.status in OFFLINE_STATES:
			states[onu_key(*snapshot.key)] = "Offline"
	return states


@dataclass(frozen=True)
class StatusChange:
	equipment: str
	previous: str | None
	status: str
	announce: bool  # fire on_device_offline / on_device_online


def status_changes(
	equipment: Iterable[tuple[str, str, str | None]], states: dict[str, str]
) -> list[StatusChange]:
	"""`equipment`: (name, onu key, current online_status). The ones whose status the poll changes."""
	changes = []
	for name, key, current in equipment:
		status = states.get(key)
		if status is None or status == current:
			continue
		announce = status == "Offline" or current == "Offline"
		changes.append(StatusChange(name, current, status, announce))
	return changes
