"""The customer-text core: arrival times along a technician's remaining day, the time a text
announces, when a delay is a new late event, and which rebooking windows a day can still take."""

from datetime import datetime, timedelta

from gigafibre.dispatch import planner
from gigafibre.field import eta_rules, slots
from gigafibre.field.eta_rules import Visit

H = 3600
NOW = datetime(2026, 12, 9, 10, 0, 0)


def test_arrivals_walk_the_day_from_where_the_technician_is():
	on_site = Visit("A", 60 * 60, on_site_since=NOW - timedelta(minutes=20))
	next_ = Visit("B", 30 * 60)
	waits = Visit("C", 30 * 60, window_start=NOW + timedelta(hours=3))
	after = Visit("D", 30 * 60)
	out = eta_rules.arrivals(NOW, [0, 600, 900, 300], [on_site, next_, waits, after])
	assert out["A"] == NOW - timedelta(minutes=20)
	# A ends at 10:40, ten minutes to B: 10:50; B ends 11:20, C is reached 11:35 but starts at 13:00.
	assert out["B"] == datetime(2026, 12, 9, 10, 50)
	assert out["C"] == datetime(2026, 12, 9, 11, 35)
	assert out["D"] == datetime(2026, 12, 9, 13, 35)


def test_arrivals_en_route_is_now_plus_the_leg():
	assert eta_rules.arrivals(NOW, [1234], [Visit("A", 3600)]) == {"A": NOW + timedelta(seconds=1234)}


def test_announced_rounds_up_to_five_minutes():
	assert eta_rules.announced(datetime(2026, 1, 1, 14, 20)) == datetime(2026, 1, 1, 14, 20)
	assert eta_rules.announced(datetime(2026, 1, 1, 14, 20, 1)) == datetime(2026, 1, 1, 14, 25)
	assert eta_rules.announced(datetime(2026, 1, 1, 14, 21)) == datetime(2026, 1, 1, 14, 25)
	assert eta_rules.announced(datetime(2026, 1, 1, 23, 58)) == datetime(2026, 1, 2, 0, 0)


def test_late_events():
	end = datetime(2026, 1, 1, 12, 0)
	late = eta_rules.late_to_announce
	assert not late(end + timedelta(minutes=5), end, None)  # within the grace
	assert late(end + timedelta(minutes=6), end, None)
	announced = eta_rules.announced(end + timedelta(minutes=6))
	assert not late(end + timedelta(minutes=20), end, announced)  # hovering: nothing new
	assert late(announced + timedelta(minutes=30), end, announced)  # half an hour more: new event
	assert not late(end + timedelta(hours=2), None, None)  # no window, no schedule: never late
	assert eta_rules.late_reference(None, end) == end


def test_clock_text_and_first_name():
	assert eta_rules.clock_text(datetime(2026, 1, 1, 14, 5), "fr") == "14 h 05"
	assert eta_rules.clock_text(datetime(2026, 1, 1, 14, 5), "en") == "2:05 PM"
	assert eta_rules.clock_text(datetime(2026, 1, 1, 0, 30), "en") == "12:30 AM"
	assert eta_rules.first_name("  Émilie Tremblay-Roy ") == "Émilie"
	assert eta_rules.first_name(None) == ""


def _day(max_jobs=None, booked=()):
	"""One technician 8-17 (break 12:00, 30 min) at place 0; the job to rebook at place 1;
	`booked` jobs already in the route, at place 2, each with its window."""
	durations = ((0, 600, 600), (600, 0, 300), (600, 300, 0))
	tech = planner.Technician("T", 0, 0, (8 * H, 17 * H), break_=(12 * H, 1800), max_jobs=max_jobs)
	jobs = [planner.Job("J", 1, 3600)]
	jobs += [planner.Job(f"B{i}", 2, 3600, window=w) for i, w in enumerate(booked)]
	problem = planner.Problem(tuple(jobs), (tech,), durations)
	return problem, {"T": [f"B{i}" for i in range(len(booked))]}


def test_every_window_of_an_empty_day_is_open():
	problem, sequences = _day()
	fits = slots.open_windows(problem, sequences, "J")
	assert [f.window for f in fits] == list(slots.WINDOWS)
	assert all(f.insertion.technician == "T" for f in fits)
	first = fits[0].insertion.stop
	assert 8 * H <= first.start and first.end <= 10 * H


def test_a_full_morning_leaves_the_afternoon():
	# Two one-hour jobs filling 8-10 and 10-12 (their service must start 8:00-9:00 and 10:00-11:00).
	problem, sequences = _day(booked=((8 * H, 9 * H), (10 * H + 600, 10 * H + 900)))
	windows = [f.window for f in slots.open_windows(problem, sequences, "J")]
	assert (8 * H, 10 * H) not in windows
	assert (13 * H, 15 * H) in windows and (15 * H, 17 * H) in windows


def test_the_maximum_of_jobs_closes_the_day():
	problem, sequences = _day(max_jobs=1, booked=((13 * H, 14 * H),))
	assert slots.open_windows(problem, sequences, "J") == []


def test_a_window_shorter_than_the_job_never_fits():
	problem, sequences = _day()
	assert slots.fit(problem, sequences, "J", (8 * H, 8 * H + 1800)) is None
