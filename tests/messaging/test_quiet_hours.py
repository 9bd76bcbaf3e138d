"""Quiet hours: in or out, and when they end (overnight spans, daylight saving time in Toronto)."""

from datetime import datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from gigafibre.messaging.quiet_hours import (
	DEFAULT_END,
	DEFAULT_START,
	as_time,
	in_quiet_hours,
	quiet_hours_end,
	quiet_until,
)

ZONE = "America/Toronto"
TORONTO = ZoneInfo(ZONE)
NIGHT = (time(21, 0), time(8, 0))


def elapsed(since: datetime, until: datetime) -> timedelta:
	"""Real time between two aware instants (Python subtracts wall times within one zone)."""
	return until.astimezone(timezone.utc) - since.astimezone(timezone.utc)


@pytest.mark.parametrize(
	("wall", "quiet"),
	[
		(time(20, 59, 59), False),
		(time(21, 0), True),
		(time(23, 59), True),
		(time(0, 0), True),
		(time(7, 59, 59), True),
		(time(8, 0), False),
		(time(12, 0), False),
	],
)
def test_an_overnight_span(wall, quiet):
	assert in_quiet_hours(wall, *NIGHT) is quiet


def test_a_span_within_one_day_and_an_empty_one():
	assert in_quiet_hours(time(12, 30), time(12, 0), time(13, 0))
	assert not in_quiet_hours(time(13, 0), time(12, 0), time(13, 0))
	assert not in_quiet_hours(time(11, 59), time(12, 0), time(13, 0))
	assert not in_quiet_hours(time(3, 0), time(8, 0), time(8, 0))  # start == end: none
	assert quiet_until(datetime(2026, 1, 5, 3, 0), time(8, 0), time(8, 0), ZONE) is None


def test_the_evening_part_ends_the_next_morning_the_small_hours_the_same_morning():
	assert quiet_until(datetime(2026, 1, 5, 22, 15), *NIGHT, ZONE) == datetime(2026, 1, 6, 8, 0)
	assert quiet_until(datetime(2026, 1, 6, 5, 0), *NIGHT, ZONE) == datetime(2026, 1, 6, 8, 0)
	assert quiet_until(datetime(2026, 1, 6, 10, 0), *NIGHT, ZONE) is None
	# The last night of the year, and of a leap February.
	assert quiet_until(datetime(2026, 12, 31, 23, 0), *NIGHT, ZONE) == datetime(2027, 1, 1, 8, 0)
	assert quiet_until(datetime(2028, 2, 28, 21, 30), *NIGHT, ZONE) == datetime(2028, 2, 29, 8, 0)


def test_an_aware_instant_is_read_in_the_sites_zone():
	# 03:30 UTC on 6 January is 22:30 the evening before in Toronto (UTC-5).
	ends = quiet_hours_end(datetime(2026, 1, 6, 3, 30, tzinfo=timezone.utc), *NIGHT, ZONE)
	assert ends == datetime(2026, 1, 6, 8, 0, tzinfo=TORONTO)
	assert ends.utcoffset() == timedelta(hours=-5)
	# 14:00 UTC is 09:00 in Toronto: not quiet.
	assert quiet_hours_end(datetime(2026, 1, 6, 14, 0, tzinfo=timezone.utc), *NIGHT, ZONE) is None


def test_spring_forward_night_ends_at_eight_local_one_hour_shorter():
	# 8 March 2026: clocks go from 02:00 EST to 03:00 EDT.
	evening = datetime(2026, 3, 7, 21, 0, tzinfo=TORONTO)
	ends = quiet_hours_end(evening, *NIGHT, ZONE)
	assert ends.replace(tzinfo=None) == datetime(2026, 3, 8, 8, 0)
	assert ends.utcoffset() == timedelta(hours=-4)
	assert elapsed(evening, ends) == timedelta(hours=10)  # 11 hours on the clock face


def test_fall_back_night_ends_at_eight_local_one_hour_longer():
	# 1 November 2026: clocks go from 02:00 EDT back to 01:00 EST.
	evening = datetime(2026, 10, 31, 21, 0, tzinfo=TORONTO)
	ends = quiet_hours_end(evening, *NIGHT, ZONE)
	assert ends.replace(tzinfo=None) == datetime(2026, 11, 1, 8, 0)
	assert ends.utcoffset() == timedelta(hours=-5)
	assert elapsed(evening, ends) == timedelta(hours=12)  # 11 hours on the clock face
	# 01:30 happens twice that night; both are quiet and end at the same 08:00.
	first = datetime(2026, 11, 1, 5, 30, tzinfo=timezone.utc)  # 01:30 EDT
	second = datetime(2026, 11, 1, 6, 30, tzinfo=timezone.utc)  # 01:30 EST
	assert quiet_hours_end(first, *NIGHT, ZONE) == quiet_hours_end(second, *NIGHT, ZONE) == ends


def test_an_end_the_clock_skips_ends_when_it_jumps():
	# Quiet until 02:30 on the spring-forward night: 02:30 never shows; the span ends at 03:00 EDT.
	ends = quiet_hours_end(datetime(2026, 3, 8, 1, 0), time(22, 0), time(2, 30), ZONE)
	assert ends.astimezone(timezone.utc) == datetime(2026, 3, 8, 7, 0, tzinfo=timezone.utc)
	assert ends.replace(tzinfo=None) == datetime(2026, 3, 8, 3, 0)


@pytest.mark.parametrize(
	("value", "expected"),
	[
		("21:00:00", time(21, 0)),
		("8:00", time(8, 0)),
		("07:30:15.000000", time(7, 30, 15)),
		(timedelta(hours=21), time(21, 0)),
		(time(6, 45), time(6, 45)),
		("", DEFAULT_START),
		(None, DEFAULT_START),
		("soon", DEFAULT_START),
		("25:00", DEFAULT_START),
	],
)
def test_settings_values_read_as_times(value, expected):
	assert as_time(value, DEFAULT_START) == expected


def test_defaults_are_nine_in_the_evening_to_eight_in_the_morning():
	assert (DEFAULT_START, DEFAULT_END) == (time(21, 0), time(8, 0))
