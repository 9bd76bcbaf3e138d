"""Network acceptance gate: may an Install or Repair job be completed? Pure decision, no Frappe.

Checked for the ONT of the job's location, from its GenieACS device document:

- the CPE is known to GenieACS and informed within `inform_minutes` (`_lastInform`) — GenieACS has
  no "online" flag; a recent inform is the proof the device reaches the ACS over the new line;
- the ONU's optical link: the summary's optical interface, when it reports a status, is up, and
  its rx level is within [`rx_min`, `rx_max`] dBm (-27..-8 by default: a GPON class B+ budget).

Reasons are (message template, args) pairs, marked for translation with `gigafibre.i18n._`;
the shell translates them. Statuses mirror Dispatch Job's `acceptance_status`.
"""

from dataclasses import dataclass, field
from datetime import datetime, timezone

from gigafibre.i18n import _

NOT_CHECKED = "Not Checked"
PASSED = "Passed"
FAILED = "Failed"
OVERRIDDEN = "Overridden"

GATED_JOB_TYPES = frozenset({"Install", "Repair"})

RX_MIN_DBM = -27.0
RX_MAX_DBM = -8.0
INFORM_MINUTES = 15

OPTICAL_UP = frozenset({"up", "online", "ok", "enabled", "connected"})


@dataclass(frozen=True)
class Thresholds:
	rx_min: float = RX_MIN_DBM
	rx_max: float = RX_MAX_DBM
	inform_minutes: int = INFORM_MINUTES

	@classmethod
	def from_settings(
		cls, rx_min: float | None = None, rx_max: float | None = None, inform_minutes: int | None = None
	) -> "Thresholds":
		"""Blank (None or 0) settings fall back to the defaults; 0 dBm is never a sensible bound."""
		return cls(
			rx_min=float(rx_min) if rx_min else RX_MIN_DBM,
			rx_max=float(rx_max) if rx_max else RX_MAX_DBM,
			inform_minutes=int(inform_minutes)
			if inform_minutes and int(inform_minutes) > 0
			else INFORM_MINUTES,
		)


@dataclass(frozen=True)
class Decision:
	status: str
	reasons: tuple[tuple[str, tuple], ...] = ()
	facts: dict = field(default_factory=dict)

	@property
	def blocks(self) -> bool:
		return self.status == FAILED


def needs_gate(job_type: str | None, old_status: str | None, new_status: str | None) -> bool:
	"""The gate runs when an Install or Repair job enters Completed."""
	return job_type in GATED_JOB_TYPES and new_status == "Completed" and old_status != "Completed"


def parse_time(raw) -> datetime | None:
	"""A GenieACS timestamp (`2026-11-25T20:14:03.512Z`) or a datetime, as an aware UTC datetime."""
	if raw is None or raw == "":
		return None
	if isinstance(raw, datetime):
		return raw if raw.tzinfo else raw.replace(tzinfo=timezone.utc)
	text = str(raw).strip()
	if text.endswith("Z"):
		text = text[:-1] + "+00:00"
	try:
		parsed = datetime.fromisoformat(text)
	except ValueError:
		return None
	return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def not_checked(reason: str, *args) -> Decision:
	return Decision(NOT_CHECKED, ((reason, args),))


def failed(reason: str, *args) -> Decision:
	return Decision(FAILED, ((reason, args),))


def evaluate(
	device_id: str | None,
	found: bool,
	last_inform,
	rx_dbm: float | None,
	optical_status: str | None,
	now: datetime,
	thresholds: Thresholds | None = None,
) -> Decision:
	"""The gate's decision for one ONT. `found`: GenieACS returned the device; `now` aware UTC."""
	thresholds = thresholds or Thresholds()
	if not device_id:
		return failed(_("No installed ONT with a GenieACS device ID is recorded at this location."))
	if not found:
		return failed(_("GenieACS does not know device {0}: the ONT never informed."), device_id)
	reasons: list[tuple[str, tuple]] = []
	informed = parse_time(last_inform)
	now = parse_time(now) or now
	age_min = None
	if informed is None:
		reasons.append((_("Device {0} has never informed GenieACS."), (device_id,)))
	else:
		age_min = round((now - informed).total_seconds() / 60, 1)
		if age_min > thresholds.inform_minutes:
			reasons.append(
				(
					_("Device {0} last informed {1} minutes ago (more than {2}): it is not online."),
					(device_id, int(age_min), thresholds.inform_minutes),
				)
			)
	if optical_status and optical_status.strip().lower() not in OPTICAL_UP:
		reasons.append((_("The optical link of device {0} is {1}, not up."), (device_id, optical_status)))
	if rx_dbm is None:
		reasons.append((_("Device {0} reports no optical rx level."), (device_id,)))
	elif rx_dbm < thresholds.rx_min:
		reasons.append(
			(_("Optical rx level {0} dBm is below {1} dBm."), (_fmt(rx_dbm), _fmt(thresholds.rx_min)))
		)
	elif rx_dbm > thresholds.rx_max:
		reasons.append(
			(_("Optical rx level {0} dBm is above {1} dBm."), (_fmt(rx_dbm), _fmt(thresholds.rx_max)))
		)
	facts = {
		"device_id": device_id,
		"last_inform": informed.isoformat() if informed else None,
		"inform_age_minutes": age_min,
		"rx_dbm": rx_dbm,
		"optical_status": optical_status,
		"rx_min": thresholds.rx_min,
		"rx_max": thresholds.rx_max,
		"inform_minutes": thresholds.inform_minutes,
	}
	return Decision(FAILED if reasons else PASSED, tuple(reasons), facts)


def evaluate_summary(
	device_id: str | None, summary: dict | None, now: datetime, thresholds: Thresholds | None = None
) -> Decision:
	"""`summary`: `genieacs_summary.summarize(device).to_dict()`, or None when GenieACS has no such device."""
	optical = (summary or {}).get("optical") or {}
	return evaluate(
		device_id,
		summary is not None,
		(summary or {}).get("last_inform"),
		optical.get("rx_dbm"),
		optical.get("status"),
		now,
		thresholds,
	)


def _fmt(value: float) -> str:
	return f"{value:.1f}"
