from datetime import datetime, time
from itertools import pairwise

import pytest

from gigafibre.dispatch import status as s
from gigafibre.dispatch.shifts import Shift, check_shifts, to_time
from gigafibre.errors import InvalidValue

HAPPY_PATH = [s.NEW, s.PLANNED, s.ASSIGNED, s.EN_ROUTE, s.ON_SITE, s.COMPLETED]


def test_happy_path_allowed_step_by_step():
	for old, new in pairwise(HAPPY_PATH):
		s.check_transition(old, new)


@pytest.mark.parametrize("old", s.OPEN)
def test_cancel_from_any_open_status(old):
	s.check_transition(old, s.CANCELLED)


@pytest.mark.parametrize("closed", [s.COMPLETED, s.CANCELLED])
@pytest.mark.parametrize("new", [x for x in s.STATUSES])
def test_nothing_leaves_a_closed_status(closed, new):
	if new == closed:
		s.check_transition(closed, new)
		return
	with pytest.raises(InvalidValue, match="cannot go from"):
		s.check_transition(closed, new)


@pytest.mark.parametrize(
	"old,new",
	[
		(s.NEW, s.COMPLETED),
		(s.NEW, s.ON_SITE),
		(s.PLANNED, s.EN_ROUTE),
		(s.ASSIGNED, s.COMPLETED),
		(s.ON_SITE, s.ASSIGNED),
	],
)
def test_skipping_steps_refused(old, new):
	with pytest.raises(InvalidValue) as err:
		s.check_transition(old, new)
	assert err.value.args_ == (old, new)


def test_unknown_status_refused_even_for_new_jobs():
	with pytest.raises(InvalidValue, match="Unknown status"):
		s.check_transition(None, "Done")


def test_allowed_next_in_life_cycle_order():
	assert s.allowed_next(s.ASSIGNED) == [s.NEW, s.PLANNED, s.EN_ROUTE, s.CANCELLED]
	assert s.allowed_next(s.COMPLETED) == []


def test_every_status_has_a_transition_row():
	assert set(s.TRANSITIONS) == set(s.STATUSES)


def _job(**kw):
	args = dict(
		status=s.NEW,
		technician=None,
		scheduled_start=None,
		scheduled_end=None,
		window_start=None,
		window_end=None,
		expected_duration=60,
	)
	args.update(kw)
	s.check_job(**args)


def test_job_field_rules():
	_job()
	with pytest.raises(InvalidValue, match="technician is required"):
		_job(status=s.ASSIGNED)
	with pytest.raises(InvalidValue, match="scheduled start"):
		_job(status=s.PLANNED)
	with pytest.raises(InvalidValue, match="scheduled end"):
		_job(scheduled_start=datetime(2026, 1, 1, 10), scheduled_end=datetime(2026, 1, 1, 9))
	with pytest.raises(InvalidValue, match="time window"):
		_job(window_start=datetime(2026, 1, 1, 10), window_end=datetime(2026, 1, 1, 10))
	with pytest.raises(InvalidValue, match="duration"):
		_job(expected_duration=0)


def test_shift_rules():
	good = Shift("Monday", time(8), time(16), time(12), 30)
	check_shifts([good, Shift("Tuesday", time(8), time(16))])
	with pytest.raises(InvalidValue, match="more than one shift"):
		check_shifts([good, good])
	with pytest.raises(InvalidValue, match="end after"):
		check_shifts([Shift("Monday", time(16), time(8))])
	with pytest.raises(InvalidValue, match="within the shift"):
		check_shifts([Shift("Monday", time(8), time(16), time(15, 45), 30)])
	# Minutes make the break: a start time alone (Frappe fills new Time cells) is no break.
	check_shifts([Shift("Monday", time(8), time(16), time(17), 0)])
	with pytest.raises(InvalidValue, match="Unknown weekday"):
		check_shifts([Shift("Lundi", time(8), time(16))])


def test_to_time_accepts_frappe_forms():
	from datetime import timedelta

	assert to_time("08:30:00") == time(8, 30)
	assert to_time(timedelta(hours=13, minutes=5)) == time(13, 5)
	assert to_time("") is None
	with pytest.raises(InvalidValue):
		to_time("8h30")
