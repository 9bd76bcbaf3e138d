"""Solomon VRPTW through the planner (PyVRP), and the same instances through the other solvers.

For each instance: vehicles, total distance (arcs truncated to one decimal, the convention of
the proven optima in bks.json `distance_only`), gap to best-known, solve time, broken rules
(re-checked by `solomon.check`). The comparison runs in the same process, one after the other,
so the ratio holds on a noisy machine: pyvroom and OR-Tools are measured when installed
(they are not runtime dependencies).

    .venv/bin/python benchmarks/dispatch_solomon.py [--data DIR] [--time-limit 1.8] [--only planner]
"""

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from gigafibre.dispatch import planner, solomon

DEFAULT_DATA = ROOT.parent / "shared" / "data" / "solomon"


def matrix(instance):
	return [[round(solomon.arc(a, b, True) * solomon.SCALE) for b in instance.nodes] for a in instance.nodes]


def run_planner(instance, limit):
	plan = planner.solve(solomon.to_problem(instance), time_limit=limit)
	return solomon.routes_of(plan)


def run_vroom(instance, limit):
	import numpy as np
	import vroom

	s = solomon.SCALE
	problem = vroom.Input()
	problem.set_durations_matrix("car", np.array(matrix(instance)))
	horizon = vroom.TimeWindow(round(instance.depot.ready * s), round(instance.depot.due * s))
	for k in range(instance.vehicles):
		problem.add_vehicle(
			vroom.Vehicle(k + 1, start=0, end=0, capacity=[instance.capacity], time_window=horizon)
		)
	for c in instance.customers:
		problem.add_job(
			vroom.Job(
				c.id,
				location=c.id,
				delivery=[c.demand],
				default_service=round(c.service * s),
				time_windows=[vroom.TimeWindow(round(c.ready * s), round(c.due * s))],
			)
		)
	solution = problem.solve(exploration_level=5, nb_threads=2)
	steps = solution.routes
	return [[int(x) for x in group.id] for _v, group in steps[steps.type == "job"].groupby("vehicle_id")]


def run_ortools(instance, limit):
	from ortools.constraint_solver import pywrapcp, routing_enums_pb2

	s = solomon.SCALE
	m = matrix(instance)
	nodes = instance.nodes
	manager = pywrapcp.RoutingIndexManager(len(m), instance.vehicles, 0)
	routing = pywrapcp.RoutingModel(manager)
	arc = routing.RegisterTransitCallback(lambda i, j: m[manager.IndexToNode(i)][manager.IndexToNode(j)])
	routing.SetArcCostEvaluatorOfAllVehicles(arc)

	def timed(i, j):
		a = manager.IndexToNode(i)
		return m[a][manager.IndexToNode(j)] + round(nodes[a].service * s)

	horizon = round(instance.depot.due * s)
	routing.AddDimension(routing.RegisterTransitCallback(timed), horizon, horizon, False, "time")
	clock = routing.GetDimensionOrDie("time")
	for c in instance.customers:
		clock.CumulVar(manager.NodeToIndex(c.id)).SetRange(round(c.ready * s), round(c.due * s))
	demand = routing.RegisterUnaryTransitCallback(lambda i: nodes[manager.IndexToNode(i)].demand)
	routing.AddDimensionWithVehicleCapacity(demand, 0, [instance.capacity] * instance.vehicles, True, "load")
	params = pywrapcp.DefaultRoutingSearchParameters()
	params.first_solution_strategy = routing_enums_pb2.FirstSolutionStrategy.PARALLEL_CHEAPEST_INSERTION
	params.local_search_metaheuristic = routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH
	params.time_limit.FromMilliseconds(int(limit * 1000))
	solution = routing.SolveWithParameters(params)
	routes = []
	for v in range(instance.vehicles):
		index, route = solution.Value(routing.NextVar(routing.Start(v))), []
		while not routing.IsEnd(index):
			route.append(manager.IndexToNode(index))
			index = solution.Value(routing.NextVar(index))
		routes.append(route)
	return routes


SOLVERS = {
	"planner": ("PyVRP (planner)", run_planner, None),
	"vroom": ("pyvroom", run_vroom, "vroom"),
	"ortools": ("OR-Tools", run_ortools, "ortools"),
}


def main() -> int:
	parser = argparse.ArgumentParser(
		description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
	)
	parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
	parser.add_argument("--time-limit", type=float, default=1.8)
	parser.add_argument("--only", choices=sorted(SOLVERS), action="append")
	args = parser.parse_args()
	files = sorted(args.data.glob("*.txt"))
	if not files:
		print(f"no instance in {args.data}")
		return 2
	bks_path = args.data / "bks.json"
	bks = json.loads(bks_path.read_text()) if bks_path.exists() else {}
	print(f"{'solver':16} {'inst':6} {'veh':>4} {'distance':>9} {'best':>8} {'gap':>7} {'time':>6} broken")
	summary = {}
	worst_time = 0.0
	for key in args.only or list(SOLVERS):
		label, run, module = SOLVERS[key]
		if module:
			try:
				__import__(module)
			except ImportError:
				print(f"{label:16} not installed: skipped")
				continue
		gaps, times, broken = [], [], 0
		for path in files:
			instance = solomon.read(path)
			started = time.perf_counter()
			routes = run(instance, args.time_limit)
			elapsed = time.perf_counter() - started
			result = solomon.check(instance, routes, truncate=True)
			best = bks.get(instance.name, {}).get("distance_only", {}).get("distance")
			gap = (result.distance - best) / best * 100 if best else float("nan")
			gaps.append(gap)
			times.append(elapsed)
			broken += len(result.violations)
			print(
				f"{label:16} {instance.name:6} {result.vehicles:4d} {result.distance:9.1f} "
				f"{best or 0:8.1f} {gap:6.2f}% {elapsed:5.2f}s {len(result.violations)}"
			)
		summary[label] = (sum(gaps) / len(gaps), max(times), broken)
		if key == "planner":
			worst_time = max(times)
	print()
	for label, (gap, slowest, broken) in summary.items():
		print(f"{label:16} average gap {gap:5.2f}%   slowest {slowest:4.2f}s   broken rules {broken}")
	ours = summary.get(SOLVERS["planner"][0])
	return 0 if ours and ours[0] <= 1.0 and worst_time <= 2.0 and ours[2] == 0 else 1


if __name__ == "__main__":
	raise SystemExit(main())
