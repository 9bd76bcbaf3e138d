"""The day planner with the real solver: windows, shifts, breaks, skills, pins, reasons."""

import sys
from pathlib import Path

import pytest

from gigafibre.dispatch import planner, replan, scoring, solomon, travel
from gigafibre.errors import InvalidValue

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
import dispatch_field

H = 3600
# A copy of one instance from shared/data/solomon, so the test runs wherever the repo is cloned.
SOLOMON = Path(__file__).resolve().parent / "data"


@pytest.fixture(scope="module")
def field():
	problem = dispatch_field.generate(seed=3, n_jobs=80, n_techs=8)
	return problem, planner.solve(problem, time_limit=1.5)


def _jobs(problem):
	return {j.id: j for j in problem.jobs}


def test_field_plan_breaks_no_rule(field):
	problem, plan = field
	assert planner.verify(problem, plan) == []
	jobs, techs = _jobs(problem), {t.id: t for t in problem.technicians}
	planned = [s.job for r in plan.routes for s in r.stops]
	assert len(planned) == len(set(planned)) and len(planned) > 40
	for route in plan.routes:
		tech = techs[route.technician]
		for stop in route.stops:
			job = jobs[stop.job]
			assert job.skills <= tech.skills
			if job.window and not stop.pinned:
				assert job.window[0] <= stop.start <= job.window[1]
			assert tech.shift[0] <= stop.start and stop.end <= tech.shift[1]
			if route.break_at is not None:
				assert stop.end <= route.break_at or stop.start >= route.break_at + tech.break_[1]
		if route.stops:
			assert route.departure >= tech.shift[0] and route.return_ <= tech.shift[1]
			assert route.break_at == tech.break_[0]
		assert len(route.stops) <= tech.max_jobs
	assert set(planned) | {u.job for u in plan.unassigned} == set(jobs)


def test_pinned_jobs_stay_first_with_their_technician(field):
	problem, plan = field
	for job in problem.jobs:
		if job.pinned_to:
			route = plan.route(job.pinned_to)
			assert route.stops[0].job == job.id and route.stops[0].start == job.pinned_start


def _tiny(**tech_changes):
	points = [(45.50, -73.60), (45.52, -73.58), (45.53, -73.57), (45.51, -73.62)]
	m = travel.estimate(points)
	tech = planner.Technician(
		id="T1",
		start=0,
		end=0,
		shift=(8 * H, 16 * H),
		skills=frozenset({"fibre"}),
		break_=(12 * H, 1800),
		max_jobs=5,
	)
	tech = planner.Technician(**{**tech.__dict__, **tech_changes})
	return m, tech


def test_infeasible_jobs_are_reported_with_a_reason():
	m, tech = _tiny()
	jobs = (
		planner.Job("skill", 1, 1800, skills=frozenset({"splicing"})),
		planner.Job("night", 2, 1800, window=(20 * H, 22 * H)),
		planner.Job("ok", 3, 1800, window=(9 * H, 10 * H)),
	)
	plan = planner.solve(planner.Problem(jobs, (tech,), m.durations, m.distances), time_limit=0.5)
	reasons = {u.job: u.reason for u in plan.unassigned}
	assert reasons["skill"] == "No available technician has the skills {0}."
	assert reasons["night"] == "No technician with the skills works during the job's window."
	assert [s.job for s in plan.route("T1").stops] == ["ok"]


def test_no_room_and_max_jobs():
	m, tech = _tiny(max_jobs=1)
	jobs = tuple(
		planner.Job(f"J{i}", 1 + i % 3, 1800, priority="Urgent" if i == 2 else "Normal") for i in range(3)
	)
	plan = planner.solve(planner.Problem(jobs, (tech,), m.durations, m.distances), time_limit=0.5)
	assert [s.job for s in plan.route("T1").stops] == ["J2"]  # the urgent one wins the only slot
	assert {u.job for u in plan.unassigned} == {"J0", "J1"}
	assert all("No room" in u.reason for u in plan.unassigned)


@pytest.mark.parametrize(
	"change, message",
	[
		({"durations": ((0, 1), (1,))}, "square"),
		({"jobs": (planner.Job("a", 9, 60),)}, "unknown place"),
		({"jobs": (planner.Job("a", 1, 0),)}, "more than 0"),
		({"jobs": (planner.Job("a", 1, 60, window=(5, 1)),)}, "ends before"),
		({"jobs": (planner.Job("a", 1, 60, priority="Meh"),)}, "unknown priority"),
		({"jobs": (planner.Job("a", 1, 60), planner.Job("a", 2, 60))}, "twice"),
		({"jobs": (planner.Job("a", 1, 60, pinned_to="nobody", pinned_start=1),)}, "unknown technician"),
	],
)
def test_malformed_problem_rejected(change, message):
	m, tech = _tiny()
	base = {"jobs": (planner.Job("a", 1, 60),), "technicians": (tech,), "durations": m.durations}
	with pytest.raises(InvalidValue, match=message):
		planner.solve(planner.Problem(**{**base, **change}))


def test_bad_break_rejected():
	m, tech = _tiny(break_=(20 * H, 1800))
	with pytest.raises(InvalidValue, match="within the shift"):
		planner.solve(planner.Problem((planner.Job("a", 1, 60),), (tech,), m.durations))


def test_solomon_instance_solved_feasibly_and_near_optimal():
	instance = solomon.read(SOLOMON / "C101.txt")
	plan = planner.solve(solomon.to_problem(instance), time_limit=1.0)
	result = solomon.check(instance, solomon.routes_of(plan), truncate=True)
	assert result.violations == ()
	assert result.distance <= 827.3 * 1.02


@pytest.mark.parametrize(
	"text, message",
	[
		("", "empty"),
		("X\nCUSTOMER\n0 1 2 0 0 10 0\n", "VEHICLE"),
		("X\nVEHICLE\n25 200\nCUSTOMER\n0 1 2 0 0 100 0\n1 3 4 10 5 50\n", "expected 7 numbers"),
		("X\nVEHICLE\n25 200\nCUSTOMER\n0 1 2 0 0 100 0\n2 3 4 10 5 50 10\n", "out of order"),
		("X\nVEHICLE\n25 200\nCUSTOMER\n0 1 2 0 0 100 0\n1 3 4 10 50 5 10\n", "due date"),
		("X\nVEHICLE\n25 200\nCUSTOMER\n0 1 2 0 0 100 0\n1 3 4 900 5 50 10\n", "capacity"),
		("X\nVEHICLE\n25 200\nCUSTOMER\n0 1 2 0 0 100 0\n", "at least one customer"),
		("X\nVEHICLE\n25 200\nCUSTOMER\n0 1 2 0 0 100 0\n1 3 4 x 5 50 10\n", "expected 7 numbers"),
	],
)
def test_malformed_solomon_rejected(text, message):
	with pytest.raises(InvalidValue, match=message):
		solomon.parse(text)


def test_solomon_reads_any_instance_in_the_format():
	text = (
		"MINE\n\nVEHICLE\nNUMBER CAPACITY\n 2 10\n\nCUSTOMER\nCUST NO. X Y DEMAND READY DUE SERVICE\n\n"
		"0 0 0 0 0 100 0\n1 3 4 5 0 50 1\n2 6 8 5 0 60 1\n"
	)
	instance = solomon.parse(text)
	assert (instance.name, instance.vehicles, instance.capacity, len(instance.customers)) == (
		"MINE",
		2,
		10,
		2,
	)
	plan = planner.solve(solomon.to_problem(instance), time_limit=0.3)
	assert solomon.check(instance, solomon.routes_of(plan)).violations == ()


def test_insert_urgent_disturbs_nobody_else(field):
	problem, plan = field
	jobs = list(problem.jobs)
	urgent = planner.Job("URG", jobs[5].place, 1800, window=(13 * H, 15 * H), priority="Urgent")
	bigger = planner.Problem(
		(*tuple(jobs), urgent), problem.technicians, problem.durations, problem.distances
	)
	new = replan.insert_job(bigger, plan, "URG")
	assert planner.verify(bigger, new) == []
	holder = next(r.technician for r in new.routes if "URG" in [s.job for s in r.stops])
	before, after = replan.sequences_of(plan), replan.sequences_of(new)
	changed = {t for t in after if after[t] != before.get(t)}
	assert holder in changed and len(changed) <= 2  # the holder, and maybe the one taking a displaced job


def test_absent_technician_jobs_redistributed(field):
	problem, plan = field
	absent = next(r for r in plan.routes if len(r.stops) >= 2 and not r.stops[0].pinned)
	reduced, new = replan.remove_technician(problem, plan, absent.technician)
	assert planner.verify(reduced, new) == []
	assert new.route(absent.technician) is None
	for stop in absent.stops:
		placed = any(stop.job in [s.job for s in r.stops] for r in new.routes)
		reported = [u for u in new.unassigned if u.job == stop.job]
		assert placed or (reported and "absent" in reported[0].reason)


def test_scoring_explains_and_ranks(field):
	problem, plan = field
	job = next(u.job for u in plan.unassigned)
	candidates = scoring.rank(problem, replan.sequences_of(plan), job, affinity={"T01": 2})
	assert len(candidates) == len(problem.technicians)
	eligible = [c for c in candidates if c.eligible]
	assert eligible == sorted(eligible, key=lambda c: -c.score)
	for c in candidates:
		assert c.reasons and all(r.text for r in c.reasons)
		if not c.eligible:
			assert c.score == 0
	jobs = _jobs(problem)
	techs = {t.id: t for t in problem.technicians}
	lacking = [c for c in candidates if not jobs[job].skills <= techs[c.technician].skills]
	assert all(not c.eligible and "skills" in c.reasons[0].text for c in lacking)


def test_scoring_prefers_nearby_and_affinity():
	points = [(45.50, -73.60), (45.70, -73.40), (45.501, -73.601)]
	m = travel.estimate(points)
	near = planner.Technician("near", 0, 0, (8 * H, 16 * H))
	far = planner.Technician("far", 1, 1, (8 * H, 16 * H))
	problem = planner.Problem((planner.Job("J", 2, 1800),), (far, near), m.durations)
	ranked = scoring.rank(problem, {}, "J")
	assert [c.technician for c in ranked] == ["near", "far"]
	only_affinity = scoring.rank(problem, {}, "J", scoring.Weights(0, 0, 0, 1), affinity={"far": 3})
	assert only_affinity[0].technician == "far"
	with pytest.raises(InvalidValue):
		scoring.rank(problem, {}, "J", scoring.Weights(0, 0, 0, 0))
	with pytest.raises(InvalidValue):
		scoring.rank(problem, {}, "nope")
