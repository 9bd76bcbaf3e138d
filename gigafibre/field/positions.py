"""What the Traccar worker decides, without Frappe or the network: which position to publish when
(a per-technician throttle), when a technician has arrived (geofence dwell), how long to wait
before reconnecting (backoff), and a site-local day as a UTC period (the breadcrumbs' report).

Times are timezone-aware UTC datetimes (positions) or monotonic seconds (the throttle and the
backoff, which only measure intervals).
"""

import random
from collections.abc import Hashable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import Generic, TypeVar
from zoneinfo import ZoneInfo

from gigafibre.locations.geo import distance_m

T = TypeVar("T")


class PublishThrottle(Generic[T]):
	"""At most one item per key every `interval` seconds, and never a stale one.

	`offer(key, item, now)` answers the item when it may go out now (the first one for a key, or
	one arriving after the interval); otherwise it is kept as the key's pending item, replacing an
	older pending one. `due(now)` hands out the pending items whose interval has passed, `drain()`
	all of them (at shutdown). So a technician reporting every second is published every
	`interval` seconds with their latest position, and the last one is never lost."""

	def __init__(self, interval: float):
		if interval < 0:
			raise ValueError("interval must not be negative")
		self.interval = float(interval)
		self._sent: dict[Hashable, float] = {}
		self._pending: dict[Hashable, T] = {}

	def offer(self, key: Hashable, item: T, now: float) -> T | None:
		last = self._sent.get(key)
		if last is None or now - last >= self.interval:
			self._sent[key] = now
			self._pending.pop(key, None)
			return item
		self._pending[key] = item
		return None

	def due(self, now: float) -> list[T]:
		ready = [k for k in self._pending if now - self._sent[k] >= self.interval]
		for key in ready:
			self._sent[key] = now
		return [self._pending.pop(k) for k in ready]

	def next_due_in(self, now: float) -> float | None:
		"""Seconds until the next pending item is due (0 when one is), None when nothing waits."""
		if not self._pending:
			return None
		return max(0.0, min(self._sent[k] + self.interval for k in self._pending) - now)

	def drain(self) -> list[T]:
		items = list(self._pending.values())
		self._pending.clear()
		return items

	@property
	def pending(self) -> int:
		return len(self._pending)


@dataclass(frozen=True)
class Target:
	"""Where a technician is expected: the En Route job and its location's coordinates."""

	job: str
	latitude: float
	longitude: float


class ArrivalDetector:
	"""A technician inside `radius_m` of their En Route job's location for at least `dwell`
	(continuously: leaving the circle starts over) has arrived; each (technician, job) arrives once.

	`observe(technician, target, lat, lon, at)` answers True exactly once per (technician, job), on
	the position that completes the dwell. Positions older than the technician's last one are ignored
	(a late replay after a reconnection must not reset or complete a dwell). A technician with no
	target (no En Route job, or a location without coordinates) forgets any dwell in progress."""

	def __init__(self, radius_m: float, dwell: timedelta):
		self.radius_m = float(radius_m)
		self.dwell = dwell
		self._inside_since: dict[str, tuple[str, datetime]] = {}  # technician → (job, entered at)
		self._last_at: dict[str, datetime] = {}
		self._arrived: set[tuple[str, str]] = set()

	def observe(self, technician: str, target: Target | None, lat: float, lon: float, at: datetime) -> bool:
		last = self._last_at.get(technician)
		if last is not None and at < last:
			return False
		self._last_at[technician] = at
		if target is None:
			self._inside_since.pop(technician, None)
			return False
		if (technician, target.job) in self._arrived:
			return False
		if distance_m(lat, lon, target.latitude, target.longitude) > self.radius_m:
			self._inside_since.pop(technician, None)
			return False
		job, since = self._inside_since.get(technician, (None, None))
		if job != target.job:
			self._inside_since[technician] = (target.job, at)
			since = at
		if at - since >= self.dwell:
			self._arrived.add((technician, target.job))
			self._inside_since.pop(technician, None)
			return True
		return False

	def already_arrived(self, technician: str, job: str) -> None:
		"""Tell the detector a job was already marked (by a previous worker run): never again."""
		self._arrived.add((technician, job))


def backoff_delays(
	base: float = 1.0, factor: float = 2.0, cap: float = 60.0, rng: random.Random | None = None
) -> Iterator[float]:
	"""Delays before reconnection attempt 1, 2, 3…: exponential from `base` up to `cap`, each drawn
	in [delay/2, delay] ("equal jitter") so many workers restarted together do not knock at once."""
	if base <= 0 or factor < 1 or cap < base:
		raise ValueError("need 0 < base <= cap and factor >= 1")
	rng = rng or random.Random()
	delay = base
	while True:
		yield delay / 2 + rng.random() * delay / 2
		delay = min(cap, delay * factor)


def day_in_utc(day: date, tz: str) -> tuple[datetime, datetime]:
	"""The site-local calendar day `day` in time zone `tz` as a UTC [from, to) period (23 or 25
	hours on daylight-saving days)."""
	zone = ZoneInfo(tz)
	start = datetime.combine(day, time.min, zone)
	end = datetime.combine(day + timedelta(days=1), time.min, zone)
	return start.astimezone(timezone.utc), end.astimezone(timezone.utc)


def iso_utc(moment: datetime) -> str:
	"""ISO 8601 in UTC with a Z, as Traccar's API takes dates (`2026-12-02T05:00:00Z`)."""
	return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
