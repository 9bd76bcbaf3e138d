"""The worker's decisions: publish throttle, geofence dwell, reconnect backoff, a day in UTC."""

import random
from datetime import date, datetime, timedelta, timezone
from itertools import pairwise

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gigafibre.field.positions import (
	ArrivalDetector,
	PublishThrottle,
	Target,
	backoff_delays,
	day_in_utc,
	iso_utc,
)

T0 = datetime(2026, 12, 2, 14, 0, tzinfo=timezone.utc)
JOB = Target("JOB-1", 45.5017, -73.5673)
NEAR = (45.5018, -73.5674)  # ~13 m
FAR = (45.5100, -73.5673)  # ~920 m


def test_throttle_publishes_the_first_then_the_latest_each_interval():
	t = PublishThrottle(5)
	assert t.offer("a", 1, 0.0) == 1
	assert t.offer("a", 2, 1.0) is None and t.offer("a", 3, 2.0) is None
	assert t.offer("b", 10, 2.0) == 10  # other technicians are independent
	assert t.next_due_in(3.0) == 2.0
	assert t.due(4.9) == []
	assert t.due(5.0) == [3]  # the latest, 2 was replaced
	assert t.next_due_in(5.0) is None
	assert t.offer("a", 4, 7.0) is None and t.drain() == [4] and t.pending == 0


@settings(max_examples=200, deadline=None)
@given(
	st.lists(st.tuples(st.sampled_from("abc"), st.floats(0, 3)), min_size=1, max_size=60), st.floats(0.5, 10)
)
def test_throttle_never_faster_than_the_interval_and_never_loses_the_last(offers, interval):
	t = PublishThrottle(interval)
	now, sent, last_item = 0.0, [], {}
	for i, (key, step) in enumerate(offers):
		now += step
		for item in t.due(now):
			sent.append((item[0], now, item))
		out = t.offer(key, (key, i), now)
		last_item[key] = (key, i)
		if out is not None:
			sent.append((key, now, out))
	by_key: dict[str, list[float]] = {}
	for key, when, _item in sent:
		by_key.setdefault(key, []).append(when)
	for times in by_key.values():
		assert all(b - a >= interval - 1e-9 for a, b in pairwise(times))
	final = {item[0]: item for _k, _w, item in sent}
	for item in t.drain():
		final[item[0]] = item
	assert final == last_item  # each key's latest item goes out, sooner or later


def _walk(detector, points, tech="T1", target=JOB, start=T0, step=timedelta(seconds=30)):
	return [detector.observe(tech, target, lat, lon, start + i * step) for i, (lat, lon) in enumerate(points)]


def test_arrival_after_the_dwell_inside_the_radius_once():
	d = ArrivalDetector(150, timedelta(minutes=2))
	# far, then inside for 0, 30, 60, 90, 120 s → the fifth inside position completes 2 minutes
	assert _walk(d, [FAR] + [NEAR] * 7) == [False, False, False, False, False, True, False, False]


def test_leaving_the_radius_starts_the_dwell_over():
	d = ArrivalDetector(150, timedelta(minutes=2))
	assert not any(_walk(d, [NEAR, NEAR, NEAR, FAR, NEAR, NEAR, NEAR]))
	assert d.observe("T1", JOB, *NEAR, T0 + timedelta(minutes=6)) is True


def test_no_target_or_another_job_or_old_positions():
	d = ArrivalDetector(150, timedelta(minutes=2))
	assert not any(_walk(d, [NEAR] * 10, target=None))
	assert d.observe("T1", JOB, *NEAR, T0 + timedelta(minutes=10)) is False  # dwell starts now
	assert d.observe("T1", JOB, *NEAR, T0) is False  # older than the last one: ignored
	other = Target("JOB-2", *NEAR)
	assert d.observe("T1", other, *NEAR, T0 + timedelta(minutes=11)) is False  # new job, new dwell
	assert d.observe("T1", other, *NEAR, T0 + timedelta(minutes=13)) is True
	d.already_arrived("T2", "JOB-1")
	assert not any(_walk(d, [NEAR] * 10, tech="T2"))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.booleans(), st.integers(1, 90)), min_size=1, max_size=40))
def test_arrival_fires_at_most_once_and_only_after_a_continuous_dwell(walk):
	d = ArrivalDetector(150, timedelta(minutes=2))
	at, fired, inside_since = T0, 0, None
	for inside, step in walk:
		at += timedelta(seconds=step)
		if inside:
			inside_since = inside_since or at
		else:
			inside_since = None
		if d.observe("T1", JOB, *(NEAR if inside else FAR), at):
			fired += 1
			assert inside and at - inside_since >= timedelta(minutes=2)
	assert fired <= 1


def test_backoff_grows_to_the_cap_with_jitter():
	delays = backoff_delays(1, 2, 30, rng=random.Random(7))
	got = [next(delays) for _ in range(8)]
	bounds = [1, 2, 4, 8, 16, 30, 30, 30]
	assert all(b / 2 <= g <= b for g, b in zip(got, bounds, strict=True))
	with pytest.raises(ValueError):
		next(backoff_delays(0))


def test_a_local_day_in_utc_including_daylight_saving():
	assert day_in_utc(date(2026, 12, 2), "America/Toronto") == (
		datetime(2026, 12, 2, 5, tzinfo=timezone.utc),
		datetime(2026, 12, 3, 5, tzinfo=timezone.utc),
	)
	start, end = day_in_utc(date(2026, 3, 8), "America/Toronto")  # spring forward: 23 hours
	assert end - start == timedelta(hours=23)
	assert iso_utc(start) == "2026-03-08T05:00:00Z"
