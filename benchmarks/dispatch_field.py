"""Field-realistic day: 300 jobs, 25 technicians around Montréal and Laval, fixed seed.

Skills, arrival windows, shifts with a lunch break, maximum jobs, priorities, optional jobs,
two jobs pinned (en route). Reports solve time, jobs planned / left out (by reason), travel,
and the number of broken rules found by `planner.verify` (must be 0).

    .venv/bin/python benchmarks/dispatch_field.py [--jobs 300] [--techs 25] [--seed 7] [--time-limit 4]
"""

import argparse
import random
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from gigafibre.dispatch import planner, travel

SKILLS = ("fibre", "install", "splicing", "repair", "business")
H = 3600


def generate(seed: int = 7, n_jobs: int = 300, n_techs: int = 25) -> planner.Problem:
	rng = random.Random(seed)

	def point():
		return (rng.uniform(45.42, 45.68), rng.uniform(-73.92, -73.50))

	homes = [point() for _ in range(n_techs)]
	sites = [point() for _ in range(n_jobs)]
	matrix = travel.estimate(homes + sites, road_factor=1.3, speed_kmh=35)
	techs = []
	for k in range(n_techs):
		start = rng.choice((7, 8, 8, 9, 10)) * H
		skills = frozenset([*rng.sample(SKILLS, rng.randint(2, 4)), "install"])
		techs.append(
			planner.Technician(
				id=f"T{k:02d}",
				start=k,
				end=k,
				shift=(start, start + 8 * H),
				skills=skills,
				break_=(start + 4 * H, 30 * 60),
				max_jobs=rng.choice((10, 12, 14)),
			)
		)
	jobs = []
	for i in range(n_jobs):
		kind = rng.random()
		if kind < 0.35:
			window = (8 * H, 12 * H)
		elif kind < 0.7:
			window = (12 * H, 17 * H)
		elif kind < 0.9:
			slot = rng.randint(8, 15) * H
			window = (slot, slot + 2 * H)
		else:
			window = None
		need = frozenset(rng.sample(SKILLS, rng.choice((0, 1, 1, 2))))
		jobs.append(
			planner.Job(
				id=f"J{i:03d}",
				place=n_techs + i,
				duration=rng.choice((20, 30, 30, 45, 60)) * 60,
				window=window,
				skills=need,
				priority=rng.choices(planner.PRIORITIES, (2, 6, 2, 1))[0],
				required=rng.random() > 0.1,
			)
		)
	# Two jobs already under way: pinned to their technician.
	for index, tech in ((0, techs[0]), (1, techs[1])):
		job = jobs[index]
		jobs[index] = planner.Job(
			**{
				**job.__dict__,
				"skills": frozenset(),
				"window": None,
				"pinned_to": tech.id,
				"pinned_start": tech.shift[0] + 1800,
			}
		)
	return planner.Problem(tuple(jobs), tuple(techs), matrix.durations, matrix.distances)


def main() -> int:
	parser = argparse.ArgumentParser(
		description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
	)
	parser.add_argument("--jobs", type=int, default=300)
	parser.add_argument("--techs", type=int, default=25)
	parser.add_argument("--seed", type=int, default=7)
	parser.add_argument("--time-limit", type=float, default=3.5)
	args = parser.parse_args()
	problem = generate(args.seed, args.jobs, args.techs)
	started = time.perf_counter()
	plan = planner.solve(problem, time_limit=args.time_limit)
	elapsed = time.perf_counter() - started
	violations = planner.verify(problem, plan)
	planned = sum(len(r.stops) for r in plan.routes)
	jobs = {j.id: j for j in problem.jobs}
	must_left = sum(1 for u in plan.unassigned if jobs[u.job].required)
	print(f"jobs {len(problem.jobs)}  technicians {len(problem.technicians)}  seed {args.seed}")
	print(f"solve time        {elapsed:.2f} s (limit {args.time_limit} s)")
	print(f"planned           {planned}  ({sum(1 for r in plan.routes if r.stops)} routes)")
	print(f"left out          {len(plan.unassigned)}  (must-do {must_left})")
	for reason, count in Counter(u.reason for u in plan.unassigned).most_common():
		print(f"  {count:4d}  {reason}")
	print(f"travel            {plan.travel / 3600:.1f} h, {plan.distance / 1000:.0f} km")
	print(
		f"urgent planned    {sum(1 for r in plan.routes for s in r.stops if jobs[s.job].priority == 'Urgent')}"
		f" / {sum(1 for j in problem.jobs if j.priority == 'Urgent')}"
	)
	print(f"violations        {len(violations)}")
	for v in violations[:10]:
		print("   ", v)
	return 1 if violations or elapsed > 5 else 0


if __name__ == "__main__":
	raise SystemExit(main())
