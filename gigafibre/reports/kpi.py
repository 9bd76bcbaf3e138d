"""Definitions the reports compute by (pure: dates, bands, buckets, shares).

MRR of a month: the sum, over the subscriptions active on the month's last day (begun on or
before it, not ended before it: an end date on that day still counts), of their monthly lines
(qty x contracted rate) as they stood that day. Suspension does not end a subscription (it is
still billed), so a suspended location's subscription counts; Pending/Inactive ones have none.
ARR = 12 x MRR.

Movements compare each subscriber's MRR (a subscriber is a Service Location: a cancelled address
that subscribes again is the same subscriber) from one month-end to the next:
new (0 -> >0, never >0 at an earlier month-end), reactivated (0 -> >0 after having been >0),
expansion (up), contraction (down, still >0), churned (>0 -> 0).
Opening MRR + new + reactivated + expansion - contraction - churned = closing MRR.
Churn rate of a month: subscribers churned / subscribers at the opening (previous month-end).
ARPU: closing MRR / subscribers at the closing.
"""

import calendar
from datetime import date, datetime, timedelta
from itertools import pairwise

NEW, REACTIVATED, EXPANSION, CONTRACTION, CHURNED, FLAT = (
	"new",
	"reactivated",
	"expansion",
	"contraction",
	"churned",
	"flat",
)


def month_end(day: date) -> date:
	return date(day.year, day.month, calendar.monthrange(day.year, day.month)[1])


def month_ends(start: date, end: date) -> list[date]:
	"""The last day of every month from `start`'s month to `end`'s, in order."""
	out, current = [], date(start.year, start.month, 1)
	while current <= end:
		out.append(month_end(current))
		current = month_end(current) + timedelta(days=1)
	return out


def previous_month_end(day: date) -> date:
	return date(day.year, day.month, 1) - timedelta(days=1)


def movement(previous: float, current: float, had_before: bool) -> str:
	"""What happened to one subscriber's MRR between two month-ends. `had_before`: its MRR was
	>0 at some month-end before the previous one (or at it)."""
	if previous <= 0 < current:
		return REACTIVATED if had_before else NEW
	if previous > 0 >= current:
		return CHURNED
	if current > previous:
		return EXPANSION
	if current < previous:
		return CONTRACTION
	return FLAT


def ratio(part: float, whole: float) -> float | None:
	"""part / whole as a percentage, None when there is no whole."""
	return None if not whole else round(100.0 * part / whole, 2)


# ---------------------------------------------------------------- optical levels
# GPON class B+: the receiver works from -8 to -28 dBm; the alarm is at -27 by default.
RX_BANDS = (
	("overload", "> -8 dBm"),
	("good", "-8 to -24 dBm"),
	("marginal", "-24 to -27 dBm"),
	("low", "< -27 dBm"),
	("no_reading", "No reading"),
)


def rx_band(rx_dbm: float | None, low: float = -27.0, marginal: float = -24.0, high: float = -8.0) -> str:
	if rx_dbm is None:
		return "no_reading"
	if rx_dbm > high:
		return "overload"
	if rx_dbm < low:
		return "low"
	if rx_dbm < marginal:
		return "marginal"
	return "good"


# ---------------------------------------------------------------- field work
def travel_seconds(points: list[tuple[float, float]], seconds_between) -> int:
	"""Planned travel of a day's route (home, the jobs in scheduled order, home); `seconds_between`
	is the planner's travel model for two points."""
	return sum(seconds_between(a, b) for a, b in pairwise(points))


def actual_travel_seconds(visits: list[tuple[datetime, datetime | None]], day_start: datetime | None) -> int:
	"""Actual travel of a technician's day: the time from leaving one job (its check-out; for the
	day's first job, the shift's start) to arriving at the next (`visits`: (arrival, departure)
	per job, arrival = the GPS arrival or the check-in, whichever came first). A leg whose start
	is unknown (no check-out, no shift) or negative (there before the shift began) counts 0."""
	total, left = 0, day_start
	for arrived, departed in sorted(visits, key=lambda v: v[0]):
		if left is not None and arrived > left:
			total += int((arrived - left).total_seconds())
		left = departed
	return total
