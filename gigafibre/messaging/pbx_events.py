"""3CX call events, read from the JSON (or form) a 3CX CRM-integration webhook posts.

3CX lets the administrator choose the field names, so the common spellings are accepted:
its own template variables (CallID, CallType, Number, Agent, Duration) and plain snake_case.
"""

from collections.abc import Mapping
from dataclasses import dataclass

from gigafibre.errors import InvalidValue
from gigafibre.i18n import _

ALIASES = {
	"call_id": ("call_id", "callid", "CallID", "CallId", "callId", "id"),
	"state": ("state", "status", "event", "CallState", "CallType", "call_type"),
	"direction": ("direction", "CallDirection", "call_direction"),
	"caller": ("caller", "from", "From", "CallerNumber", "caller_number"),
	"callee": ("callee", "to", "To", "CalledNumber", "called_number"),
	"number": ("number", "Number", "external_number", "ExternalNumber"),
	"duration": ("duration", "Duration", "duration_seconds", "CallDuration"),
	"agent": ("agent", "Agent", "extension", "Extension", "AgentName"),
}
OUTBOUND_TYPES = {"outbound", "out", "outgoing", "notanswered"}


@dataclass(frozen=True)
class CallEvent:
	call_id: str
	state: str
	direction: str  # "inbound" or "outbound"
	number: str  # the outside party: the customer's side of the call
	duration_seconds: int
	agent: str


def _pick(payload: Mapping, field: str) -> str:
	for key in ALIASES[field]:
		value = payload.get(key)
		if value not in (None, ""):
			return str(value).strip()
	return ""


def parse_duration(value: str | int | None) -> int:
	"""Seconds from `83`, `"83"`, `"01:23"` or `"00:01:23"`; 0 when empty."""
	if value in (None, ""):
		return 0
	text = str(value).strip()
	try:
		if ":" in text:
			seconds = 0
			for part in text.split(":"):
				seconds = seconds * 60 + int(float(part))
			return max(seconds, 0)
		return max(int(float(text)), 0)
	except (ValueError, OverflowError):  # "1e400" is a float, but no whole number of seconds
		raise InvalidValue(_("Call duration {0} is not valid."), value) from None


def parse_call_event(payload: Mapping) -> CallEvent:
	call_id = _pick(payload, "call_id")
	if not call_id:
		raise InvalidValue(_("The call event has no call id."))
	state = (_pick(payload, "state") or "event").lower()
	direction = _pick(payload, "direction").lower()
	if direction in ("in", "incoming", "inbound"):
		direction = "inbound"
	elif direction in OUTBOUND_TYPES or (not direction and state in OUTBOUND_TYPES):
		direction = "outbound"
	else:
		direction = "inbound"
	number = _pick(payload, "number") or (
		_pick(payload, "caller") if direction == "inbound" else _pick(payload, "callee")
	)
	return CallEvent(
		call_id=call_id[:100],
		state=state[:40],
		direction=direction,
		number=number,
		duration_seconds=parse_duration(_pick(payload, "duration")),
		agent=_pick(payload, "agent"),
	)
