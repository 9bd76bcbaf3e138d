"""Solomon VRPTW instances: read the text format, measure and check a set of routes.

The format (Solomon 1987, and the Gehring & Homberger extensions that share it): a name line,
a `VEHICLE` block with `NUMBER CAPACITY`, then a `CUSTOMER` block of rows
`CUST_NO X Y DEMAND READY DUE SERVICE`; row 0 is the depot and its due date is the horizon.
Travel time equals the Euclidean distance. Two conventions for distances exist: double
precision, and each arc truncated to one decimal (the convention of the proven optima).
"""

import math
from dataclasses import dataclass

from gigafibre.errors import InvalidValue
from gigafibre.i18n import _


@dataclass(frozen=True)
class Customer:
	id: int
	x: float
	y: float
	demand: int
	ready: float
	due: float
	service: float


@dataclass(frozen=True)
class Instance:
	name: str
	vehicles: int
	capacity: int
	depot: Customer
	customers: tuple[Customer, ...]

	@property
	def nodes(self) -> tuple[Customer, ...]:
		return (self.depot, *self.customers)


def parse(text: str, name: str | None = None) -> Instance:
	"""Read one instance; InvalidValue naming the line at fault when the text is not in the format."""
	if not isinstance(text, str) or not text.strip():
		raise InvalidValue(_("The instance is empty."))
	lines = [(number, line.split()) for number, line in enumerate(text.splitlines(), start=1)]
	lines = [(number, words) for number, words in lines if words]
	title = " ".join(lines[0][1])
	upper = [" ".join(words).upper() for _number, words in lines]
	try:
		vehicle_at = upper.index("VEHICLE")
		customer_at = upper.index("CUSTOMER")
	except ValueError:
		raise InvalidValue(_("The instance has no VEHICLE or no CUSTOMER section.")) from None
	if customer_at < vehicle_at:
		raise InvalidValue(_("The VEHICLE section must come before the CUSTOMER section."))
	fleet = [(n, w) for n, w in lines[vehicle_at + 1 : customer_at] if _all_numbers(w)]
	if len(fleet) != 1 or len(fleet[0][1]) != 2:
		raise InvalidValue(_("The VEHICLE section needs one line: number of vehicles and capacity."))
	vehicles, capacity = (_integer(v, fleet[0][0]) for v in fleet[0][1])
	if vehicles < 1 or capacity < 0:
		raise InvalidValue(_("Line {0}: the number of vehicles must be at least 1."), fleet[0][0])

	rows: list[Customer] = []
	for number, words in lines[customer_at + 1 :]:
		if not _all_numbers(words):
			if rows:
				raise InvalidValue(_("Line {0}: expected 7 numbers, found {1}."), number, " ".join(words))
			continue  # the column headings
		if len(words) != 7:
			raise InvalidValue(_("Line {0}: expected 7 numbers, found {1}."), number, len(words))
		cid = _integer(words[0], number)
		x, y, ready, due, service = (float(words[i]) for i in (1, 2, 4, 5, 6))
		demand = _integer(words[3], number)
		if cid != len(rows):
			raise InvalidValue(
				_("Line {0}: customer {1} is out of order (expected {2})."), number, cid, len(rows)
			)
		if demand < 0 or service < 0 or ready < 0:
			raise InvalidValue(_("Line {0}: demand, ready time and service time cannot be negative."), number)
		if due < ready:
			raise InvalidValue(_("Line {0}: the due date comes before the ready time."), number)
		if demand > capacity:
			raise InvalidValue(
				_("Line {0}: the demand {1} exceeds the vehicle capacity {2}."), number, demand, capacity
			)
		rows.append(Customer(cid, x, y, demand, ready, due, service))
	if len(rows) < 2:
		raise InvalidValue(_("The instance needs a depot and at least one customer."))
	return Instance(title if name is None else name, vehicles, capacity, rows[0], tuple(rows[1:]))


def read(path) -> Instance:
	from pathlib import Path

	path = Path(path)
	return parse(path.read_text(), name=path.stem)


def euclid(a: Customer, b: Customer) -> float:
	return math.hypot(a.x - b.x, a.y - b.y)


def arc(a: Customer, b: Customer, truncate: bool) -> float:
	"""Distance (= travel time) of one arc; truncated to one decimal under the proven-optima convention."""
	d = euclid(a, b)
	return math.floor(d * 10 + 1e-9) / 10 if truncate else d


@dataclass(frozen=True)
class Check:
	vehicles: int
	distance: float
	violations: tuple[str, ...]


def check(instance: Instance, routes: list[list[int]], truncate: bool = False) -> Check:
	"""Measure routes (lists of customer ids) and list every broken rule: visits, capacity, windows."""
	nodes = instance.nodes
	violations: list[str] = []
	seen: dict[int, int] = {}
	total = 0.0
	used = [r for r in routes if r]
	if len(used) > instance.vehicles:
		violations.append(f"{len(used)} routes for {instance.vehicles} vehicles")
	for index, route in enumerate(used):
		load = 0
		clock = 0.0
		previous = instance.depot
		for cid in route:
			if not 1 <= cid < len(nodes):
				violations.append(f"route {index}: unknown customer {cid}")
				continue
			seen[cid] = seen.get(cid, 0) + 1
			node = nodes[cid]
			leg = arc(previous, node, truncate)
			total += leg
			clock = max(clock + leg, node.ready)
			if clock > node.due + 1e-6:
				violations.append(f"route {index}: customer {cid} reached at {clock:.2f} after {node.due}")
			clock += node.service
			load += node.demand
			previous = node
		leg = arc(previous, instance.depot, truncate)
		total += leg
		clock += leg
		if clock > instance.depot.due + 1e-6:
			violations.append(f"route {index}: back at {clock:.2f} after the horizon {instance.depot.due}")
		if load > instance.capacity:
			violations.append(f"route {index}: load {load} over capacity {instance.capacity}")
	for customer in instance.customers:
		count = seen.get(customer.id, 0)
		if count != 1:
			violations.append(f"customer {customer.id} visited {count} times")
	return Check(len(used), total, tuple(violations))


def _all_numbers(words: list[str]) -> bool:
	try:
		for word in words:
			float(word)
	except ValueError:
		return False
	return True


def _integer(word: str, line: int) -> int:
	value = float(word)
	if value != int(value):
		raise InvalidValue(_("Line {0}: {1} must be a whole number."), line, word)
	return int(value)


SCALE = 10  # the planner works in whole numbers: tenths of a distance unit


def to_problem(instance: Instance, truncate: bool = True):
	"""The instance as a planner problem: customers become jobs, vehicles technicians at the depot."""
	from gigafibre.dispatch import planner

	nodes = instance.nodes
	matrix = tuple(tuple(round(arc(a, b, truncate) * SCALE) for b in nodes) for a in nodes)
	horizon = (round(instance.depot.ready * SCALE), round(instance.depot.due * SCALE))
	jobs = tuple(
		planner.Job(
			id=str(c.id),
			place=c.id,
			duration=max(round(c.service * SCALE), 1),
			window=(round(c.ready * SCALE), round(c.due * SCALE)),
			demand=c.demand,
		)
		for c in instance.customers
	)
	techs = tuple(
		planner.Technician(id=f"v{k + 1}", start=0, end=0, shift=horizon, capacity=instance.capacity)
		for k in range(instance.vehicles)
	)
	return planner.Problem(jobs=jobs, technicians=techs, durations=matrix)


def routes_of(plan) -> list[list[int]]:
	return [[int(stop.job) for stop in route.stops] for route in plan.routes if route.stops]
