"""The day planner: jobs and technicians in, ordered routes with ETAs out — solved by PyVRP.

Why PyVRP (measured by `benchmarks/dispatch_solomon.py` on the Solomon instances, 2 s each, this
2-core machine): average gap to the proven optima 0.3 % for PyVRP 0.14, 1.7 % for pyvroom 1.15
(exploration level 5, up to 3 s, no time limit of its own), 4.7 % for OR-Tools 9.15 (guided local
search). OR-Tools also needs protobuf >= 6, which Frappe 15's Google clients (protobuf 3.20) forbid
in the same environment. PyVRP has no lunch breaks; they are modelled here (see `_BREAK`).

The model, in one unit of time throughout (seconds since midnight for a field day):
- a job: place, duration, arrival window (the service starts inside it), skills, priority,
  must-do or optional, and optionally pinned (already en route / on site) to a technician;
- a technician: start and end place, shift, one fixed break, skills, maximum number of jobs.
Skills are hard: each group of technicians with the same skills and break gets its own routing
profile in which the arcs to the jobs they cannot do exceed the route's maximum distance.
Every job is a prize: must-do jobs outweigh any travel, so only what cannot fit is left out, and
each job left out gets a reason. The solver's routes are then re-timed here with the true travel
times and checked by `verify`; a plan that breaks a rule is never returned.

Breaks: a break is a client bound to its technician's profile, with its own place whose arcs
cost nothing to reach and, to leave, the longest travel from any place the technician could come
from. The re-timing then puts the break right after the previous stop, and with true (shorter)
travel every later stop starts no later than the solver planned — so the plan stays feasible.
"""

from collections import defaultdict
from dataclasses import dataclass, field

from gigafibre.errors import InvalidValue
from gigafibre.i18n import _

PRIORITIES = ("Low", "Normal", "High", "Urgent")
PRIORITY_WEIGHT = {"Low": 1, "Normal": 2, "High": 4, "Urgent": 8}
# A must-do job is worth more than any detour (10^5 s is more than a day) — yet small enough for
# the solver's penalties on load and lateness to keep up during the search.
MUST_DO_PRIZE = 10**5
FEASIBILITY_ATTEMPTS = 3
OPTIONAL_PRIZE = 20 * 60  # an optional job is worth a detour of about 20 minutes per priority step
_FORBIDDEN = 10**8  # arc length for a job outside a profile's skills
_MAX_DISTANCE = 10**7


@dataclass(frozen=True)
class Job:
	id: str
	place: int
	duration: int
	window: tuple[int, int] | None = None
	skills: frozenset[str] = frozenset()
	priority: str = "Normal"
	required: bool = True
	demand: int = 0
	pinned_to: str | None = None
	pinned_start: int | None = None


@dataclass(frozen=True)
class Technician:
	id: str
	start: int
	end: int
	shift: tuple[int, int]
	skills: frozenset[str] = frozenset()
	break_: tuple[int, int] | None = None  # (start, length)
	max_jobs: int | None = None
	capacity: int | None = None


@dataclass(frozen=True)
class Problem:
	jobs: tuple[Job, ...]
	technicians: tuple[Technician, ...]
	durations: tuple[tuple[int, ...], ...]
	distances: tuple[tuple[int, ...], ...] | None = None
	not_before: int | None = None  # now, when planning the current day


@dataclass(frozen=True)
class Stop:
	job: str
	arrival: int
	start: int
	end: int
	travel: int  # from the previous place
	distance: int
	pinned: bool = False


@dataclass(frozen=True)
class Route:
	technician: str
	stops: tuple[Stop, ...]
	departure: int
	return_: int
	travel: int
	distance: int
	break_at: int | None = None
	break_after: int | None = None  # index of the stop the break follows (-1: before the first)


@dataclass(frozen=True)
class Unassigned:
	job: str
	reason: str
	args: tuple = ()


@dataclass(frozen=True)
class Plan:
	routes: tuple[Route, ...]
	unassigned: tuple[Unassigned, ...]
	travel: int = 0
	distance: int = 0
	violations: tuple[str, ...] = field(default=())

	def route(self, technician: str) -> Route | None:
		return next((r for r in self.routes if r.technician == technician), None)


# ------------------------------------------------------------------ validation


def check_problem(problem: Problem) -> None:
	"""InvalidValue naming the job, technician or matrix row that cannot be planned as given."""
	n = len(problem.durations)
	if n == 0 or any(len(row) != n for row in problem.durations):
		raise InvalidValue(_("The travel-time matrix must be square."))
	if problem.distances is not None and (
		len(problem.distances) != n or any(len(row) != n for row in problem.distances)
	):
		raise InvalidValue(_("The distance matrix must have the size of the travel-time matrix."))
	if any(v < 0 for row in problem.durations for v in row):
		raise InvalidValue(_("Travel times cannot be negative."))
	tech_ids: set[str] = set()
	for tech in problem.technicians:
		if not tech.id or tech.id in tech_ids:
			raise InvalidValue(_("Technician {0} is listed twice or has no id."), tech.id)
		tech_ids.add(tech.id)
		for place in (tech.start, tech.end):
			if not 0 <= place < n:
				raise InvalidValue(_("Technician {0} starts or ends at an unknown place."), tech.id)
		if tech.shift[1] <= tech.shift[0]:
			raise InvalidValue(_("The shift of technician {0} must end after it starts."), tech.id)
		if tech.break_ is not None:
			b_start, b_len = tech.break_
			if b_len <= 0 or b_start < tech.shift[0] or b_start + b_len > tech.shift[1]:
				raise InvalidValue(_("The break of technician {0} must fall within the shift."), tech.id)
		if tech.max_jobs is not None and tech.max_jobs < 0:
			raise InvalidValue(_("Technician {0} cannot have a negative maximum of jobs."), tech.id)
	job_ids: set[str] = set()
	for job in problem.jobs:
		if not job.id or job.id in job_ids:
			raise InvalidValue(_("Job {0} is listed twice or has no id."), job.id)
		job_ids.add(job.id)
		if not 0 <= job.place < n:
			raise InvalidValue(_("Job {0} is at an unknown place."), job.id)
		if job.duration <= 0:
			raise InvalidValue(_("Job {0} must last more than 0 minutes."), job.id)
		if job.window is not None and job.window[1] < job.window[0]:
			raise InvalidValue(_("The window of job {0} ends before it starts."), job.id)
		if job.priority not in PRIORITIES:
			raise InvalidValue(_("Job {0} has an unknown priority {1}."), job.id, job.priority)
		if job.demand < 0:
			raise InvalidValue(_("Job {0} cannot have a negative load."), job.id)
		if job.pinned_to is not None:
			if job.pinned_to not in {t.id for t in problem.technicians}:
				raise InvalidValue(
					_("Job {0} is pinned to an unknown technician {1}."), job.id, job.pinned_to
				)
			if job.pinned_start is None:
				raise InvalidValue(_("Pinned job {0} needs its start time."), job.id)


# ------------------------------------------------------------------ timing (exact, used everywhere)


@dataclass
class _Timed:
	stops: list[Stop]
	departure: int
	return_: int
	travel: int
	distance: int
	break_at: int | None
	problems: list[str]


def time_route(
	problem: Problem, tech: Technician, job_ids: list[str], break_after: int | None = None
) -> _Timed:
	"""The true timeline of `tech` doing `job_ids` in order, and every rule it breaks.

	Pinned jobs keep their start. The break is taken right after stop number `break_after`
	(-1: before the first stop); with None, before the first stop that could not end before it.
	A break that starts before the technician is free (now, or after a pinned job) is left out.
	"""
	jobs = {j.id: j for j in problem.jobs}
	dur = problem.durations
	dist = problem.distances or problem.durations
	problems: list[str] = []
	shift_start = tech.shift[0] if problem.not_before is None else max(tech.shift[0], problem.not_before)
	clock = shift_start
	place = tech.start
	stops: list[Stop] = []
	travel = distance = 0
	break_at: int | None = None
	ready = max(
		[shift_start] + [jobs[j].pinned_start + jobs[j].duration for j in job_ids if jobs[j].pinned_to]
	)
	pending = tech.break_ is not None and bool(job_ids) and tech.break_[0] >= ready
	b_start, b_len = tech.break_ if pending else (0, 0)
	first_departure: int | None = None

	def take_break(now: int) -> int:
		nonlocal break_at, pending
		start = max(now, b_start)
		if start > b_start:
			problems.append(f"{tech.id}: break starts at {start}, after {b_start}")
		break_at = start
		pending = False
		return start + b_len

	for index, job_id in enumerate(job_ids):
		job = jobs[job_id]
		leg = dur[place][job.place]
		if pending and job.pinned_to is None:
			if break_after is not None:
				due = index - 1 >= break_after
			else:
				earliest = max(clock + leg, job.window[0] if job.window else 0)
				due = earliest + job.duration > b_start
			if due:
				clock = take_break(clock)
		if job.pinned_to is not None:
			start = arrival = job.pinned_start
			if job.pinned_to != tech.id:
				problems.append(f"{job.id}: pinned to {job.pinned_to}, planned for {tech.id}")
		else:
			arrival = clock + leg
			start = max(arrival, job.window[0] if job.window else arrival)
		if first_departure is None:
			first_departure = max(shift_start, start - leg) if job.pinned_to is None else start
		end = start + job.duration
		if job.window and not job.window[0] <= start <= job.window[1] and job.pinned_to is None:
			problems.append(f"{job.id}: starts at {start}, outside its window {job.window}")
		if not job.skills <= tech.skills:
			problems.append(f"{job.id}: needs {sorted(job.skills - tech.skills)} that {tech.id} lacks")
		if break_at is not None and start < break_at + b_len and end > break_at:
			problems.append(f"{job.id}: overlaps the break of {tech.id}")
		stops.append(
			Stop(job.id, arrival, start, end, leg, dist[place][job.place], job.pinned_to is not None)
		)
		travel += leg
		distance += dist[place][job.place]
		clock = end
		place = job.place
	if pending:
		clock = take_break(clock)
	leg = dur[place][tech.end]
	back = clock + leg
	if job_ids and back > tech.shift[1]:
		problems.append(f"{tech.id}: back at {back}, after the shift ends at {tech.shift[1]}")
	if tech.max_jobs is not None and len(job_ids) > tech.max_jobs:
		problems.append(f"{tech.id}: {len(job_ids)} jobs, more than {tech.max_jobs}")
	if tech.capacity is not None and sum(jobs[j].demand for j in job_ids) > tech.capacity:
		problems.append(f"{tech.id}: load over capacity {tech.capacity}")
	if not job_ids:
		return _Timed([], shift_start, shift_start, 0, 0, None, problems)
	return _Timed(
		stops, first_departure, back, travel + leg, distance + dist[place][tech.end], break_at, problems
	)


def verify(problem: Problem, plan: Plan) -> list[str]:
	"""Every rule the plan breaks (empty when it is sound): windows, shifts, breaks, skills, pins, visits."""
	techs = {t.id: t for t in problem.technicians}
	seen: dict[str, int] = defaultdict(int)
	problems: list[str] = []
	for route in plan.routes:
		tech = techs.get(route.technician)
		if tech is None:
			problems.append(f"unknown technician {route.technician}")
			continue
		ids = [s.job for s in route.stops]
		for job_id in ids:
			seen[job_id] += 1
		timed = time_route(problem, tech, ids, route.break_after)
		problems += timed.problems
		for planned, true in zip(route.stops, timed.stops, strict=True):
			if planned.start != true.start:
				problems.append(f"{planned.job}: planned at {planned.start}, really {true.start}")
	for job in problem.jobs:
		if job.pinned_to is not None:
			route = plan.route(job.pinned_to)
			if route is None or job.id not in [s.job for s in route.stops]:
				problems.append(f"pinned job {job.id} moved off {job.pinned_to}")
		if seen[job.id] > 1:
			problems.append(f"{job.id} planned {seen[job.id]} times")
	unassigned = {u.job for u in plan.unassigned}
	for job in problem.jobs:
		if not seen[job.id] and job.id not in unassigned:
			problems.append(f"{job.id} neither planned nor reported")
	return problems


def build_plan(
	problem: Problem,
	sequences: dict[str, list[str]],
	unassigned: list[Unassigned],
	breaks: dict[str, int] | None = None,
) -> Plan:
	"""Time each technician's sequence (break after the given stop index, or where it falls)."""
	techs = {t.id: t for t in problem.technicians}
	routes = []
	for tech_id, ids in sequences.items():
		after = (breaks or {}).get(tech_id)
		timed = time_route(problem, techs[tech_id], ids, after)
		if timed.break_at is not None and after is None:
			after = sum(1 for s in timed.stops if s.end <= timed.break_at) - 1
		routes.append(
			Route(
				tech_id,
				tuple(timed.stops),
				timed.departure,
				timed.return_,
				timed.travel,
				timed.distance,
				timed.break_at,
				after if timed.break_at is not None else None,
			)
		)
	plan = Plan(
		tuple(routes), tuple(unassigned), sum(r.travel for r in routes), sum(r.distance for r in routes)
	)
	return Plan(plan.routes, plan.unassigned, plan.travel, plan.distance, tuple(verify(problem, plan)))


# ------------------------------------------------------------------ reasons before solving


def _reachable_window(problem: Problem, job: Job, tech: Technician) -> bool:
	"""Whether `tech` could do `job` alone, from and back to base, inside shift and window."""
	out = problem.durations[tech.start][job.place]
	back = problem.durations[job.place][tech.end]
	start = (
		max(tech.shift[0] if problem.not_before is None else max(tech.shift[0], problem.not_before), 0) + out
	)
	if job.window:
		start = max(start, job.window[0])
		if start > job.window[1]:
			return False
	return start + job.duration + back <= tech.shift[1]


def precheck(problem: Problem, job: Job) -> Unassigned | None:
	"""The reason no technician can take `job`, whatever the others do; None when someone might."""
	skilled = [
		t for t in problem.technicians if job.skills <= t.skills and (t.max_jobs is None or t.max_jobs > 0)
	]
	if not skilled:
		return Unassigned(
			job.id, _("No available technician has the skills {0}."), (", ".join(sorted(job.skills)),)
		)
	if job.window and problem.not_before is not None and job.window[1] < problem.not_before:
		return Unassigned(job.id, _("The job's window has already passed."))
	if not any(_reachable_window(problem, job, t) for t in skilled):
		return Unassigned(job.id, _("No technician with the skills works during the job's window."))
	return None


# ------------------------------------------------------------------ solving


def solve(problem: Problem, time_limit: float = 2.0, seed: int = 0) -> Plan:
	"""Plan the day. Routes per technician with ETAs; the jobs left out, each with its reason."""
	check_problem(problem)
	if time_limit <= 0:
		raise InvalidValue(_("The time limit must be more than 0 seconds."))
	techs = {t.id: t for t in problem.technicians}
	pinned: dict[str, list[Job]] = defaultdict(list)
	for job in problem.jobs:
		if job.pinned_to is not None:
			pinned[job.pinned_to].append(job)
	for chain in pinned.values():
		chain.sort(key=lambda j: j.pinned_start)
	unassigned: list[Unassigned] = []
	free: list[Job] = []
	for job in problem.jobs:
		if job.pinned_to is not None:
			continue
		reason = precheck(problem, job)
		if reason:
			unassigned.append(reason)
		else:
			free.append(job)
	sequences: dict[str, list[str]] = {
		t.id: [j.id for j in pinned.get(t.id, [])] for t in problem.technicians
	}
	breaks: dict[str, int] = {}
	if free:
		solved, left, positions = _solve_pyvrp(problem, free, pinned, time_limit, seed)
		for tech_id, ids in solved.items():
			sequences[tech_id] += ids
		for tech_id, position in positions.items():
			breaks[tech_id] = len(pinned.get(tech_id, [])) + position
		for job in left:
			if job.required:
				unassigned.append(
					Unassigned(job.id, _("No room left in the routes of the technicians who could do it."))
				)
			else:
				unassigned.append(
					Unassigned(job.id, _("Optional job left out: no room, or not worth the travel."))
				)
	plan = build_plan(problem, {t: s for t, s in sequences.items() if t in techs}, unassigned, breaks)
	if plan.violations:
		# Never hand out a broken plan: this is a bug in the model, not the dispatcher's problem.
		raise RuntimeError("planner produced an infeasible plan: " + "; ".join(plan.violations[:5]))
	return plan


_BREAK = "__break__"


def _solve_pyvrp(
	problem: Problem, free: list[Job], pinned: dict[str, list[Job]], time_limit: float, seed: int
) -> tuple[dict[str, list[str]], list[Job], dict[str, int]]:
	"""Solve the free jobs; (sequence per technician, jobs left out, stop index each break follows)."""
	import numpy as np
	import pyvrp
	from pyvrp.stop import MaxRuntime, MultipleCriteria, NoImprovement

	base = np.asarray(problem.durations, dtype=np.int64)
	base_dist = np.asarray(problem.distances, dtype=np.int64) if problem.distances is not None else base
	n = base.shape[0]
	techs = list(problem.technicians)
	now = problem.not_before

	# Where and when each technician is free: after their pinned jobs, if any.
	starts: dict[str, tuple[int, int]] = {}
	for tech in techs:
		place = tech.start
		ready = tech.shift[0] if now is None else max(tech.shift[0], now)
		for job in pinned.get(tech.id, []):
			place = job.place
			ready = max(ready, job.pinned_start + job.duration)
		starts[tech.id] = (place, ready)

	# One profile per (skills, break) group; the break clients of a group are interchangeable.
	groups: dict[tuple, list[Technician]] = defaultdict(list)
	for tech in techs:
		groups[(tech.skills, tech.break_ if _break_pending(tech, starts) else None)].append(tech)
	group_keys = list(groups)
	break_clients: list[tuple[int, Technician]] = []  # (profile, tech)
	for p, key in enumerate(group_keys):
		if key[1] is not None:
			break_clients += [(p, t) for t in groups[key]]
	n_loc = n + len(break_clients)

	dims_jobs = any(t.max_jobs is not None for t in techs)
	dims_cap = any(t.capacity is not None for t in techs) and any(j.demand for j in free)
	dims_break = bool(break_clients)

	def load(job_demand: int, jobs: int, breaks: int) -> list[int]:
		out = []
		if dims_jobs:
			out.append(jobs)
		if dims_cap:
			out.append(job_demand)
		if dims_break:
			out.append(breaks)
		return out

	locations = [pyvrp.Location(0, 0) for _i in range(n_loc)]
	depots: list = []
	depot_index: dict[tuple[int, int], int] = {}

	def depot(place: int, early: int) -> int:
		key = (place, early)
		if key not in depot_index:
			depot_index[key] = len(depots)
			depots.append(pyvrp.Depot(location=place))
		return depot_index[key]

	clients = []
	for job in free:
		weight = PRIORITY_WEIGHT[job.priority]
		prize = MUST_DO_PRIZE * weight if job.required else OPTIONAL_PRIZE * weight
		early, late = job.window if job.window else (0, max(t.shift[1] for t in techs))
		clients.append(
			pyvrp.Client(
				location=job.place,
				delivery=load(job.demand, 1, 0),
				service_duration=job.duration,
				tw_early=early,
				tw_late=late,
				prize=prize,
				required=False,
				name=job.id,
			)
		)
	for k, (_p, tech) in enumerate(break_clients):
		b_start, b_len = tech.break_
		clients.append(
			pyvrp.Client(
				location=n + k,
				delivery=load(0, 0, 1),
				service_duration=b_len,
				tw_early=b_start,
				tw_late=b_start,
				required=True,
				name=_BREAK + tech.id,
			)
		)

	# Matrices per profile: skills forbid arcs; each group's breaks reachable only in its profile.
	dur_mats, dist_mats = [], []
	free_places = np.array([j.place for j in free], dtype=np.int64)
	for p, key in enumerate(group_keys):
		skills = key[0]
		dur = np.zeros((n_loc, n_loc), dtype=np.int64)
		dist = np.zeros((n_loc, n_loc), dtype=np.int64)
		dur[:n, :n] = base
		dist[:n, :n] = base_dist
		banned = sorted(
			{j.place for j in free if not j.skills <= skills} - {j.place for j in free if j.skills <= skills}
		)
		origins = sorted(
			{j.place for j in free if j.skills <= skills} | {starts[t.id][0] for t in groups[key]}
		)
		for k, (bp, _tech) in enumerate(break_clients):
			col = n + k
			if bp != p:
				dist[:, col] = _FORBIDDEN
				dist[col, :] = _FORBIDDEN
				continue
			# Leaving a break costs the longest way from wherever it could have been taken.
			worst = base[origins, :].max(axis=0) if origins else base.max(axis=0)
			dur[col, :n] = worst
			dist[col, :n] = base_dist[origins, :].max(axis=0) if origins else worst
			dur[:, col] = 0
			dist[:, col] = 0
		if banned:
			dist[:, banned] = _FORBIDDEN
		np.fill_diagonal(dur, 0)
		np.fill_diagonal(dist, 0)
		dur_mats.append(dur)
		dist_mats.append(dist)
	del free_places

	vehicle_types = []
	owners: list[list[Technician]] = []
	by_type: dict[tuple, list[Technician]] = defaultdict(list)
	for p, key in enumerate(group_keys):
		for tech in groups[key]:
			place, ready = starts[tech.id]
			left_jobs = (
				None if tech.max_jobs is None else max(tech.max_jobs - len(pinned.get(tech.id, [])), 0)
			)
			used = sum(j.demand for j in pinned.get(tech.id, []))
			cap = None if tech.capacity is None else max(tech.capacity - used, 0)
			by_type[(p, place, tech.end, ready, tech.shift[1], left_jobs, cap)].append(tech)
	for (p, place, end, ready, late, left_jobs, cap), owners_ in by_type.items():
		big = 10**6
		capacity = load(
			big if cap is None else cap, big if left_jobs is None else left_jobs, 1 if dims_break else 0
		)
		vehicle_types.append(
			pyvrp.VehicleType(
				num_available=len(owners_),
				capacity=capacity,
				start_depot=depot(place, ready),
				end_depot=depot(end, 0),
				tw_early=ready,
				tw_late=late,
				max_distance=_MAX_DISTANCE,
				profile=p,
			)
		)
		owners.append(owners_)

	data = pyvrp.ProblemData(
		locations=locations,
		clients=clients,
		depots=depots,
		vehicle_types=vehicle_types,
		distance_matrices=dist_mats,
		duration_matrices=dur_mats,
	)
	# Must-do prizes outweigh travel; the penalties on load and lateness must be able to outweigh them.
	params = pyvrp.SolveParams(penalty=pyvrp.PenaltyParams(max_penalty=float(MUST_DO_PRIZE * 100)))
	best = None
	# A busy machine can end the search before the breaks all fit: search again (another seed)
	# rather than fail, a bounded number of times.
	for attempt in range(FEASIBILITY_ATTEMPTS):
		stop = MultipleCriteria([MaxRuntime(time_limit), NoImprovement(20_000)])
		result = pyvrp.solve(
			data, stop=stop, seed=seed + attempt, display=False, collect_stats=False, params=params
		)
		best = result.best
		if best.is_feasible():
			break
	else:
		raise InvalidValue(
			_(
				"No plan respecting every shift and break was found in {0} s; try again, or raise the planner time limit."
			),
			round(time_limit * FEASIBILITY_ATTEMPTS, 1),
		)
	sequences: dict[str, list[str]] = defaultdict(list)
	taken: set[int] = set()
	per_type_used: dict[int, int] = defaultdict(int)
	positions: dict[str, int] = {}
	for route in best.routes():
		vt = route.vehicle_type()
		tech = owners[vt][per_type_used[vt]]
		per_type_used[vt] += 1
		count = 0
		for activity in route:
			if not activity.is_client():
				continue
			if activity.idx < len(free):
				taken.add(activity.idx)
				sequences[tech.id].append(free[activity.idx].id)
				count += 1
			else:
				positions[tech.id] = count - 1
	left = [job for i, job in enumerate(free) if i not in taken]
	return dict(sequences), left, positions


def _break_pending(tech: Technician, starts: dict[str, tuple[int, int]]) -> bool:
	"""A break still to take: it exists and does not start before the technician is free."""
	return tech.break_ is not None and tech.break_[0] >= starts[tech.id][1]
