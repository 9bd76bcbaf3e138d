"""Quiet hours: when no reminder may reach a customer (pure: no Frappe, no clock).

A span is its local start and end times in the site's zone (Gigafibre Settings `quiet_hours_start`
and `quiet_hours_end`, America/Toronto): 21:00 -> 08:00 spans midnight, 12:00 -> 13:00 does not,
and a start equal to its end means no quiet hours at all. Times are wall-clock times: a night the
clock changes (daylight saving time) still ends at 08:00 local, it is only an hour shorter or
longer. An end time the clock skips (a spring-forward night) ends the span when the clock jumps.
"""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

DEFAULT_START = time(21, 0)
DEFAULT_END = time(8, 0)


def as_time(value, default: time) -> time:
	"""A settings value as a time: a `time`, a `timedelta` (a Time column read from MariaDB) or text
	such as "21:00" / "21:00:00"; `default` when it is empty or unreadable."""
	if isinstance(value, time):
		return value.replace(tzinfo=None)
	if isinstance(value, timedelta):
		seconds = int(value.total_seconds()) % 86400
		return time(seconds // 3600, seconds % 3600 // 60, seconds % 60)
	if isinstance(value, str) and value.strip():
		parts = [*value.strip().split(".")[0].split(":"), "0", "0"][:3]
		try:
			return time(*(int(part) for part in parts))
		except ValueError:
			return default
	return default


def in_quiet_hours(wall: time | datetime, start: time, end: time) -> bool:
	"""Whether the local wall time `wall` falls in the span [start, end)."""
	moment = wall.time() if isinstance(wall, datetime) else wall.replace(tzinfo=None)
	if start == end:
		return False
	if start < end:
		return start <= moment < end
	return moment >= start or moment < end  # overnight


def quiet_hours_end(instant: datetime, start: time, end: time, zone: str) -> datetime | None:
	"""When the quiet hours that hold `instant` end, as an aware datetime in `zone`; None when
	`instant` is outside them. A naive `instant` is a wall time in `zone` (Frappe's convention)."""
	tz = ZoneInfo(zone)
	local = instant.astimezone(tz) if instant.tzinfo else instant.replace(tzinfo=tz)
	wall = local.replace(tzinfo=None)
	if not in_quiet_hours(wall, start, end):
		return None
	day = wall.date()
	if start > end and wall.time() >= start:
		day += timedelta(days=1)  # the evening part of an overnight span ends tomorrow morning
	target = datetime.combine(day, end)
	return _first_at_or_after(target, tz)


def quiet_until(now_local: datetime, start: time, end: time, zone: str) -> datetime | None:
	"""`quiet_hours_end` for Frappe's naive local datetimes: naive local in, naive local out."""
	ends = quiet_hours_end(now_local.replace(tzinfo=None), start, end, zone)
	return None if ends is None else ends.astimezone(ZoneInfo(zone)).replace(tzinfo=None)


def _first_at_or_after(wall: datetime, tz: ZoneInfo) -> datetime:
	"""The first instant whose local wall time is `wall` or later. Usually `wall` itself (the first
	of the two when the clock falls back); when the clock skips `wall`, the instant it jumps."""
	candidate = wall.replace(tzinfo=tz, fold=0)
	if candidate.astimezone(ZoneInfo("UTC")).astimezone(tz).replace(tzinfo=None) == wall:
		return candidate
	# In a gap: fold=1 reads `wall` with the later offset, an instant before the jump; walk to it.
	moment = wall.replace(tzinfo=tz, fold=1).astimezone(ZoneInfo("UTC"))
	for _minute in range(24 * 60):
		if moment.astimezone(tz).replace(tzinfo=None) >= wall:
			break
		moment += timedelta(minutes=1)
	return moment.astimezone(tz)
