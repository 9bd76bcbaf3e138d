"""A technician's working hours: one shift per weekday, with an optional break inside it."""

from dataclasses import dataclass
from datetime import time

from gigafibre.errors import InvalidValue
from gigafibre.i18n import _

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


@dataclass(frozen=True)
class Shift:
	weekday: str
	start: time
	end: time
	break_start: time | None = None
	break_minutes: int = 0


def to_time(value) -> time | None:
	"""Frappe hands Time fields over as `HH:MM[:SS]` strings or timedeltas."""
	if value in (None, ""):
		return None
	if isinstance(value, time):
		return value
	if hasattr(value, "total_seconds"):
		seconds = int(value.total_seconds())
		return time(seconds // 3600 % 24, seconds // 60 % 60, seconds % 60)
	try:
		return time.fromisoformat(str(value).strip())
	except ValueError:
		raise InvalidValue(_("{0} is not a valid time (HH:MM)."), value) from None


def check_shifts(shifts: list[Shift]) -> None:
	seen: set[str] = set()
	for shift in shifts:
		if shift.weekday not in WEEKDAYS:
			raise InvalidValue(_("Unknown weekday {0}."), shift.weekday)
		if shift.weekday in seen:
			raise InvalidValue(_("{0} has more than one shift."), shift.weekday)
		seen.add(shift.weekday)
		if shift.end <= shift.start:
			raise InvalidValue(_("On {0}, the shift must end after it starts."), shift.weekday)
		if shift.break_minutes < 0:
			raise InvalidValue(_("On {0}, the break cannot be negative."), shift.weekday)
		if shift.break_start is not None and shift.break_minutes > 0:
			break_end_minutes = shift.break_start.hour * 60 + shift.break_start.minute + shift.break_minutes
			end_minutes = shift.end.hour * 60 + shift.end.minute
			if shift.break_start < shift.start or break_end_minutes > end_minutes:
				raise InvalidValue(_("On {0}, the break must fall within the shift."), shift.weekday)
