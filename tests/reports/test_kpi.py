"""The reports' definitions: month-ends, movements, optical bands, planned travel."""

from datetime import date, datetime

from gigafibre.reports import kpi


def test_month_ends_cover_the_range_with_leap_years():
	assert kpi.month_ends(date(2023, 12, 15), date(2024, 3, 1)) == [
		date(2023, 12, 31),
		date(2024, 1, 31),
		date(2024, 2, 29),
		date(2024, 3, 31),
	]
	assert kpi.previous_month_end(date(2024, 3, 31)) == date(2024, 2, 29)


def test_movements():
	assert kpi.movement(0, 50, had_before=False) == kpi.NEW
	assert kpi.movement(0, 50, had_before=True) == kpi.REACTIVATED
	assert kpi.movement(50, 0, had_before=True) == kpi.CHURNED
	assert kpi.movement(50, 80, had_before=True) == kpi.EXPANSION
	assert kpi.movement(80, 50, had_before=True) == kpi.CONTRACTION
	assert kpi.movement(50, 50, had_before=True) == kpi.FLAT


def test_ratio():
	assert kpi.ratio(1, 3) == 33.33
	assert kpi.ratio(1, 0) is None


def test_rx_bands():
	assert kpi.rx_band(None) == "no_reading"
	assert kpi.rx_band(-6.0) == "overload"
	assert kpi.rx_band(-8.0) == "good"
	assert kpi.rx_band(-24.0) == "good"
	assert kpi.rx_band(-24.1) == "marginal"
	assert kpi.rx_band(-27.0) == "marginal"
	assert kpi.rx_band(-27.1) == "low"
	assert kpi.rx_band(-25.5, low=-25.0) == "low"


def test_travel_is_the_sum_of_the_legs():
	legs = {("h", "a"): 600, ("a", "b"): 300, ("b", "h"): 900}
	assert kpi.travel_seconds(["h", "a", "b", "h"], lambda x, y: legs[(x, y)]) == 1800
	assert kpi.travel_seconds(["h"], lambda x, y: 1) == 0


# ---------------------------------------------------------------- actual travel
def test_actual_travel_runs_from_each_departure_to_the_next_arrival():
	at = lambda h, m=0: datetime(2026, 4, 7, h, m)  # noqa: E731
	visits = [(at(12, 20), at(13)), (at(9, 10), at(10, 40)), (at(13, 50), at(14, 50))]  # any order
	# from the 8:00 shift start: 70 min, 10:40 -> 12:20 100 min, 13:00 -> 13:50 50 min.
	assert kpi.actual_travel_seconds(visits, at(8)) == (70 + 100 + 50) * 60
	assert kpi.actual_travel_seconds(visits, None) == (100 + 50) * 60  # no shift: no first leg


def test_actual_travel_skips_unknown_and_negative_legs():
	at = lambda h, m=0: datetime(2026, 4, 7, h, m)  # noqa: E731
	# in before the shift began (7:50 < 8:00): 0; no check-out on the second job: its next leg 0.
	visits = [(at(7, 50), at(9)), (at(9, 30), None), (at(11), at(12))]
	assert kpi.actual_travel_seconds(visits, at(8)) == 30 * 60
	assert kpi.actual_travel_seconds([], at(8)) == 0
