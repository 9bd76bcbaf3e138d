"""Billing periods and proration: day counts, month ends, leap years, the billing day in Montréal."""

from datetime import date, datetime, timezone
from decimal import Decimal
from itertools import pairwise

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gigafibre.billing.periods import (
	ANNIVERSARY,
	CALENDAR_MONTH,
	Period,
	add_months,
	billed_period,
	cancellation_credits,
	change_adjustments,
	full_period,
	local_day,
	periods_due,
	prorated,
)
from gigafibre.errors import InvalidValue


def test_calendar_month_first_period_is_prorated_to_the_month_end():
	start = date(2027, 3, 22)
	period = billed_period(start, CALENDAR_MONTH, start)
	assert period == Period(date(2027, 3, 22), date(2027, 3, 31))
	assert period.days == 10
	whole = full_period(start, CALENDAR_MONTH, start)
	assert whole.days == 31
	assert prorated(Decimal("85.00"), period, whole) == Decimal("27.42")  # 85 * 10 / 31


def test_february_in_a_leap_year_and_not():
	assert full_period(date(2028, 2, 10), CALENDAR_MONTH, date(2028, 1, 1)).days == 29
	assert full_period(date(2027, 2, 10), CALENDAR_MONTH, date(2027, 1, 1)).days == 28
	# One day of a leap February is 1/29, not 1/28.
	whole = full_period(date(2028, 2, 29), CALENDAR_MONTH, date(2028, 2, 29))
	assert prorated(Decimal("58.00"), Period(date(2028, 2, 29), date(2028, 2, 29)), whole) == Decimal("2.00")


def test_anniversary_periods_start_on_the_activation_day():
	anchor = date(2027, 1, 15)
	assert billed_period(anchor, ANNIVERSARY, anchor) == Period(date(2027, 1, 15), date(2027, 2, 14))
	assert full_period(date(2027, 2, 14), ANNIVERSARY, anchor) == Period(date(2027, 1, 15), date(2027, 2, 14))
	assert full_period(date(2027, 2, 15), ANNIVERSARY, anchor) == Period(date(2027, 2, 15), date(2027, 3, 14))


def test_anniversary_on_the_31st_falls_back_to_the_month_end_and_comes_back():
	anchor = date(2027, 1, 31)
	starts = [p.start for p in periods_due(anchor, date(2027, 5, 31), ANNIVERSARY, anchor)]
	assert starts == [
		date(2027, 1, 31),
		date(2027, 2, 28),
		date(2027, 3, 31),
		date(2027, 4, 30),
		date(2027, 5, 31),
	]
	# Leap year: February 29.
	anchor = date(2028, 1, 30)
	assert full_period(date(2028, 2, 29), ANNIVERSARY, anchor) == Period(date(2028, 2, 29), date(2028, 3, 29))


def test_periods_due_catches_up_missed_runs_and_stops_at_the_end_date():
	anchor = date(2027, 1, 10)
	due = list(periods_due(date(2027, 2, 1), date(2027, 4, 1), CALENDAR_MONTH, anchor))
	assert [p.start for p in due] == [date(2027, 2, 1), date(2027, 3, 1), date(2027, 4, 1)]
	assert list(periods_due(date(2027, 5, 1), date(2027, 4, 30), CALENDAR_MONTH, anchor)) == []
	last = list(
		periods_due(date(2027, 5, 1), date(2027, 9, 1), CALENDAR_MONTH, anchor, end_date=date(2027, 6, 12))
	)
	assert last == [Period(date(2027, 5, 1), date(2027, 5, 31)), Period(date(2027, 6, 1), date(2027, 6, 12))]


def test_an_upgrade_mid_cycle_credits_the_old_plan_and_charges_the_new_for_the_days_left():
	billed = Period(date(2027, 4, 1), date(2027, 4, 30))
	lines = change_adjustments(
		{"FIBRE-100": Decimal("60")}, {"FIBRE-1000": Decimal("90")}, date(2027, 4, 21), billed, billed
	)
	assert [(line.item_code, line.amount) for line in lines] == [
		("FIBRE-100", Decimal("-20.00")),
		("FIBRE-1000", Decimal("30.00")),
	]
	assert lines[0].period == Period(date(2027, 4, 21), date(2027, 4, 30))
	# A change after the billed period owes nothing now: the next invoice has the new plan whole.
	assert change_adjustments({"A": Decimal(1)}, {}, date(2027, 5, 1), billed, billed) == []


def test_cancellation_credits_the_unused_days_of_a_period_billed_in_advance():
	billed = Period(date(2027, 6, 1), date(2027, 6, 30))
	credits = cancellation_credits(
		{"FIBRE-500": Decimal("75"), "TV": Decimal("0")}, date(2027, 6, 10), billed, billed
	)
	assert [(c.item_code, c.amount) for c in credits] == [("FIBRE-500", Decimal("-50.00"))]
	assert cancellation_credits({"FIBRE-500": Decimal("75")}, date(2027, 6, 30), billed, billed) == []


def test_billing_day_is_the_date_in_montreal():
	# 00:30 UTC on April 1 is 20:30 on March 31 in Montréal (EDT, UTC-4).
	assert local_day(datetime(2027, 4, 1, 0, 30, tzinfo=timezone.utc)) == date(2027, 3, 31)
	# In winter (EST, UTC-5), 04:59 UTC is still the day before.
	assert local_day(datetime(2027, 1, 1, 4, 59)) == date(2026, 12, 31)
	assert local_day(datetime(2027, 1, 1, 5, 0)) == date(2027, 1, 1)


def test_bad_inputs_are_refused_with_a_clear_error():
	with pytest.raises(InvalidValue):
		full_period(date(2027, 1, 1), "Weekly", date(2027, 1, 1))
	with pytest.raises(InvalidValue):
		billed_period(date(2027, 6, 10), CALENDAR_MONTH, date(2027, 1, 1), end_date=date(2027, 6, 1))
	with pytest.raises(InvalidValue):
		prorated(10, Period(date(2027, 1, 1), date(2027, 2, 2)), Period(date(2027, 1, 1), date(2027, 1, 31)))


@given(
	anchor=st.dates(min_value=date(2024, 1, 1), max_value=date(2032, 12, 31)),
	mode=st.sampled_from([CALENDAR_MONTH, ANNIVERSARY]),
	months=st.integers(min_value=1, max_value=30),
)
def test_periods_tile_the_calendar_without_gaps_or_overlaps(anchor, mode, months):
	today = add_months(anchor, months)
	due = list(periods_due(anchor, today, mode, anchor))
	assert due[0].start == anchor
	for before, after in pairwise(due):
		assert (after.start - before.end).days == 1
	for period in due[1:]:
		assert full_period(period.start, mode, anchor) == period
		assert 28 <= period.days <= 31


@given(
	rate=st.decimals(min_value=0, max_value=500, places=2),
	day=st.dates(min_value=date(2026, 1, 1), max_value=date(2030, 12, 31)),
)
def test_a_month_cut_in_two_adds_up_to_the_whole_rate_within_a_cent(rate, day):
	whole = full_period(day, CALENDAR_MONTH, day)
	if day == whole.start:
		return
	first = prorated(rate, Period(whole.start, date.fromordinal(day.toordinal() - 1)), whole)
	second = prorated(rate, Period(day, whole.end), whole)
	assert abs(first + second - rate) <= Decimal("0.01")
