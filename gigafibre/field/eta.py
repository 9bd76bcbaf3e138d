"""ETAs of a technician's remaining jobs of the day, from where they are now (the Frappe side of
`eta_rules`).

Where they are: their live position (`gigafibre.field.live.latest_position`, the Technician row the
Traccar worker keeps; None when unknown or stale), else the service location of the job they
checked in at last today, else their home base. The legs between places come from the planner's
travel model: the routing service when Gigafibre Settings name one (`routing_url`), else the
straight-line estimate with the road factor and average speed (`dispatch.day.travel_matrix`).

Entry points: `technician_etas(technician)` (every remaining job of the day) and `job_eta(job)`.
"""

from datetime import datetime, timedelta

import frappe
from frappe.utils import get_datetime, getdate, now_datetime

from gigafibre.dispatch import status as job_status
from gigafibre.dispatch.day import travel_matrix
from gigafibre.errors import GigafibreError
from gigafibre.field import eta_rules

LIVE, PREVIOUS_JOB, HOME = "live", "previous_job", "home"
_JOB_FIELDS = [
	"name",
	"status",
	"service_location",
	"expected_duration",
	"window_start",
	"window_end",
	"scheduled_start",
	"check_in_at",
]


def live_position(technician: str) -> dict | None:
	"""{lat, lon, at, speed_kmh} of the technician's fresh live position, or None."""
	try:
		from gigafibre.field.live import latest_position
	except ImportError:  # the Traccar side is not installed on this site
		return None
	return latest_position(technician)


def origin(technician: str, now: datetime | None = None) -> tuple[tuple[float, float], str] | None:
	"""(point, which) the technician's ETAs start from: live, previous job or home; None when none."""
	position = live_position(technician)
	if position and position.get("lat") is not None and position.get("lon") is not None:
		return (float(position["lat"]), float(position["lon"])), LIVE
	day_start = datetime.combine(getdate(now or now_datetime()), datetime.min.time())
	last = frappe.get_all(
		"Dispatch Job",
		filters={
			"technician": technician,
			"status": ("in", [job_status.ON_SITE, job_status.COMPLETED]),
			"check_in_at": (">=", day_start),
		},
		fields=["service_location"],
		order_by="check_in_at desc",
		limit=1,
	)
	if last:
		point = _location_point(last[0].service_location)
		if point:
			return point, PREVIOUS_JOB
	home = frappe.db.get_value("Technician", technician, ["home_latitude", "home_longitude"], as_dict=True)
	if home and (home.home_latitude or home.home_longitude):
		return (float(home.home_latitude), float(home.home_longitude)), HOME
	return None


def remaining_jobs(technician: str, now: datetime | None = None) -> list[frappe._dict]:
	"""The technician's jobs still to do today, in the order they will be done: the one on site,
	the one en route, then the assigned ones by scheduled start."""
	now = now or now_datetime()
	day_start = datetime.combine(getdate(now), datetime.min.time())
	rows = frappe.get_all(
		"Dispatch Job",
		filters={
			"technician": technician,
			"status": ("in", [job_status.ON_SITE, job_status.EN_ROUTE, job_status.ASSIGNED]),
		},
		fields=_JOB_FIELDS,
	)
	order = {job_status.ON_SITE: 0, job_status.EN_ROUTE: 1, job_status.ASSIGNED: 2}
	today = [
		r
		for r in rows
		if r.status != job_status.ASSIGNED
		or (
			r.scheduled_start and day_start <= get_datetime(r.scheduled_start) < day_start + timedelta(days=1)
		)
	]
	today.sort(
		key=lambda r: (order[r.status], get_datetime(r.scheduled_start) if r.scheduled_start else now, r.name)
	)
	return today


def technician_etas(technician: str, now: datetime | None = None) -> dict[str, dict]:
	"""{job: {"eta": datetime, "origin": live|previous_job|home, "source": estimate|osrm|valhalla}}
	for the technician's remaining jobs of the day that have a located service location."""
	now = now or now_datetime()
	start = origin(technician, now)
	if start is None:
		return {}
	point, which = start
	points = [point]
	visits: list[eta_rules.Visit] = []
	for row in remaining_jobs(technician, now):
		place = _location_point(row.service_location)
		if place is None:
			continue  # no coordinates: no ETA, and it cannot be walked through
		points.append(place)
		on_site = row.check_in_at if row.status == job_status.ON_SITE else None
		visits.append(
			eta_rules.Visit(
				row.name,
				int(row.expected_duration or 0) * 60,
				get_datetime(row.window_start) if row.window_start else None,
				get_datetime(on_site or now) if row.status == job_status.ON_SITE else None,
			)
		)
	if not visits:
		return {}
	try:
		matrix, _error = travel_matrix(points)
	except GigafibreError:
		return {}
	legs = [matrix.durations[i][i + 1] for i in range(len(visits))]
	arrivals = eta_rules.arrivals(now, legs, visits)
	return {job: {"eta": at, "origin": which, "source": matrix.source} for job, at in arrivals.items()}


def job_eta(job: str, now: datetime | None = None) -> dict | None:
	"""The live ETA of one job ({"eta", "origin", "source"}), None when it has no technician, is
	closed or cannot be placed."""
	row = frappe.db.get_value("Dispatch Job", job, ["technician", "status"], as_dict=True)
	if not row or not row.technician or row.status in job_status.CLOSED:
		return None
	return technician_etas(row.technician, now).get(job)


def _location_point(location: str | None) -> tuple[float, float] | None:
	if not location:
		return None
	row = frappe.db.get_value("Service Location", location, ["latitude", "longitude"], as_dict=True)
	if not row or not (row.latitude or row.longitude):
		return None
	return float(row.latitude), float(row.longitude)
