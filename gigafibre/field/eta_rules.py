"""When the technician reaches a customer, and when that is worth a text (pure: no Frappe, no clock).

The technician's remaining jobs of the day are walked in order from where they are now: a job on
site ends at its check-in plus its duration, every other one starts at its arrival (or at its
window's start when they are early) and lasts its expected duration; the legs between places come
from the planner's travel model (`dispatch/travel.py`, or the routing service) in the shell.

Texts announce a time rounded up to 5 minutes ("vers 14 h 25"). A job is late when its live
ETA passes its window's end (without a window: its scheduled start) by more than `LATE_GRACE`.
Each late event is texted once; a later text for the same job is a new event only when the ETA
slipped by at least `LATE_STEP` (30 minutes) past the ETA last texted, so a technician stuck in
traffic sends at most one text per half hour of extra delay, and an ETA hovering around a
boundary sends nothing more.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

ROUND_TO = timedelta(minutes=5)
LATE_GRACE = timedelta(minutes=5)
LATE_STEP = timedelta(minutes=30)


@dataclass(frozen=True)
class Visit:
	job: str
	duration: int  # seconds
	window_start: datetime | None = None
	on_site_since: datetime | None = None  # check-in time of the job the technician is on


def arrivals(now: datetime, legs: list[int], visits: list[Visit]) -> dict[str, datetime]:
	"""Each visit's arrival, walking `visits` in order from the technician's place at `now`;
	`legs[i]` is the travel in seconds to visit i from the place before it (the technician's
	position for the first)."""
	if len(legs) != len(visits):
		raise ValueError("one leg per visit")
	clock = now
	out: dict[str, datetime] = {}
	for leg, visit in zip(legs, visits, strict=True):
		if visit.on_site_since is not None:
			out[visit.job] = visit.on_site_since
			clock = max(clock, visit.on_site_since + timedelta(seconds=visit.duration))
			continue
		arrival = clock + timedelta(seconds=max(int(leg), 0))
		out[visit.job] = arrival
		start = max(arrival, visit.window_start) if visit.window_start else arrival
		clock = start + timedelta(seconds=visit.duration)
	return out


def announced(moment: datetime) -> datetime:
	"""`moment` rounded up to the next 5 minutes (seconds dropped): the time a text gives."""
	base = moment.replace(second=0, microsecond=0)
	if base < moment:
		base += timedelta(minutes=1)
	extra = (-base.minute) % 5
	return base + timedelta(minutes=extra)


def late_reference(window_end: datetime | None, scheduled_start: datetime | None) -> datetime | None:
	"""The time past which the customer waits longer than promised."""
	return window_end or scheduled_start


def late_to_announce(eta: datetime, reference: datetime | None, last_announced: datetime | None) -> bool:
	"""Whether a live ETA is a late event worth a text (see the module doc)."""
	if reference is None or eta <= reference + LATE_GRACE:
		return False
	return last_announced is None or eta >= last_announced + LATE_STEP


def clock_text(moment: datetime, language: str) -> str:
	"""A time of day as the customer reads it: "14 h 05" in French, "2:05 PM" in English."""
	if language == "en":
		hour = moment.hour % 12 or 12
		return f"{hour}:{moment.minute:02d} {'AM' if moment.hour < 12 else 'PM'}"
	return f"{moment.hour} h {moment.minute:02d}"


def first_name(full_name: str | None) -> str:
	"""The first word of a technician's name: all a customer's page ever shows of them."""
	parts = (full_name or "").split()
	return parts[0] if parts else ""
