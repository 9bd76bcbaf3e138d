"""Changing today's plan without upsetting it: insert an urgent job, redistribute an absent technician.

Both work on the plan as it stands: a route that is not touched keeps its order and times;
pinned jobs (en route, on site) never move; a job goes where it adds the least travel, checked
with the exact timeline of `planner.time_route`.
"""

from dataclasses import dataclass

from gigafibre.dispatch import planner
from gigafibre.errors import InvalidValue
from gigafibre.i18n import _


@dataclass(frozen=True)
class Insertion:
	technician: str
	position: int
	added_travel: int
	stop: planner.Stop
	sequence: tuple[str, ...]


def sequences_of(plan: planner.Plan) -> dict[str, list[str]]:
	return {r.technician: [s.job for s in r.stops] for r in plan.routes}


def best_insertion(
	problem: planner.Problem, tech: planner.Technician, sequence: list[str], job_id: str
) -> Insertion | None:
	"""The cheapest feasible place for `job_id` in `tech`'s sequence (after pinned jobs), or None."""
	jobs = {j.id: j for j in problem.jobs}
	job = jobs[job_id]
	if not job.skills <= tech.skills:
		return None
	before = planner.time_route(problem, tech, sequence)
	first_free = sum(1 for j in sequence if jobs[j].pinned_to)
	best: Insertion | None = None
	for position in range(first_free, len(sequence) + 1):
		candidate = sequence[:position] + [job_id] + sequence[position:]
		timed = planner.time_route(problem, tech, candidate)
		if timed.problems:
			continue
		added = timed.travel - before.travel
		if best is None or added < best.added_travel:
			best = Insertion(tech.id, position, added, timed.stops[position], tuple(candidate))
	return best


def insert_job(problem: planner.Problem, plan: planner.Plan, job_id: str) -> planner.Plan:
	"""Put `job_id` into the plan where it adds the least travel; if nowhere, let it take the place
	of one job of lower priority, which is then moved elsewhere or reported."""
	jobs = {j.id: j for j in problem.jobs}
	if job_id not in jobs:
		raise InvalidValue(_("Job {0} is not part of the day's problem."), job_id)
	sequences = sequences_of(plan)
	if any(job_id in seq for seq in sequences.values()):
		raise InvalidValue(_("Job {0} is already planned."), job_id)
	unassigned = [u for u in plan.unassigned if u.job != job_id]
	breaks = {r.technician: r.break_after for r in plan.routes if r.break_after is not None}
	techs = {t.id: t for t in problem.technicians}

	found = _cheapest(problem, sequences, job_id)
	if found is not None:
		sequences[found.technician] = list(found.sequence)
		breaks.pop(found.technician, None)
		return planner.build_plan(problem, sequences, unassigned, breaks)

	# Displace one job of lower priority: the swap that keeps the most value and adds least travel.
	rank = planner.PRIORITY_WEIGHT
	options = []
	for tech_id, seq in sequences.items():
		for other in seq:
			victim = jobs[other]
			if victim.pinned_to or rank[victim.priority] >= rank[jobs[job_id].priority]:
				continue
			rest = [j for j in seq if j != other]
			ins = best_insertion(problem, techs[tech_id], rest, job_id)
			if ins is not None:
				options.append((rank[victim.priority], ins.added_travel, other, ins))
	if not options:
		reason = planner.precheck(problem, jobs[job_id]) or planner.Unassigned(
			job_id, _("No technician can fit it today, even by moving a job of lower priority.")
		)
		return planner.build_plan(problem, sequences, [*unassigned, reason], breaks)
	_rank, _added, victim, ins = min(options, key=lambda o: (o[0], o[1]))
	sequences[ins.technician] = list(ins.sequence)
	breaks.pop(ins.technician, None)
	moved = _cheapest(problem, sequences, victim)
	if moved is not None:
		sequences[moved.technician] = list(moved.sequence)
		breaks.pop(moved.technician, None)
	else:
		unassigned.append(planner.Unassigned(victim, _("Made room for urgent job {0}."), (job_id,)))
	return planner.build_plan(problem, sequences, unassigned, breaks)


def remove_technician(
	problem: planner.Problem, plan: planner.Plan, technician: str
) -> tuple[planner.Problem, planner.Plan]:
	"""`technician` is absent: their jobs (pinned ones too) go to the others, most urgent first.

	Returns the problem without that technician and the new plan; jobs nobody can take are
	reported with the reason.
	"""
	if technician not in {t.id for t in problem.technicians}:
		raise InvalidValue(_("Technician {0} is not part of the day's plan."), technician)
	orphans = [s.job for r in plan.routes if r.technician == technician for s in r.stops]
	jobs = tuple(
		planner.Job(**{**j.__dict__, "pinned_to": None, "pinned_start": None})
		if j.pinned_to == technician
		else j
		for j in problem.jobs
	)
	reduced = planner.Problem(
		jobs,
		tuple(t for t in problem.technicians if t.id != technician),
		problem.durations,
		problem.distances,
		problem.not_before,
	)
	sequences = {t: s for t, s in sequences_of(plan).items() if t != technician}
	breaks = {
		r.technician: r.break_after
		for r in plan.routes
		if r.break_after is not None and r.technician != technician
	}
	unassigned = list(plan.unassigned)
	by_job = {j.id: j for j in jobs}
	orphans.sort(
		key=lambda j: (-planner.PRIORITY_WEIGHT[by_job[j].priority], (by_job[j].window or (0, 0))[1])
	)
	for job_id in orphans:
		found = _cheapest(reduced, sequences, job_id)
		if found is None:
			unassigned.append(
				planner.Unassigned(
					job_id, _("Technician {0} is absent and nobody else can fit the job."), (technician,)
				)
			)
			continue
		sequences[found.technician] = list(found.sequence)
		breaks.pop(found.technician, None)
	return reduced, planner.build_plan(reduced, sequences, unassigned, breaks)


def _cheapest(problem: planner.Problem, sequences: dict[str, list[str]], job_id: str) -> Insertion | None:
	best = None
	for tech in problem.technicians:
		ins = best_insertion(problem, tech, sequences.get(tech.id, []), job_id)
		if ins is not None and (best is None or ins.added_travel < best.added_travel):
			best = ins
	return best
