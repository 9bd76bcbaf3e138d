"""The Dispatch map's day (pure, no Frappe): job markers, technicians where they are, each one's
planned route.

`build(jobs, technicians, ...)` takes the rows the shell read (jobs with their service location's
coordinates, active technicians with their home base and last known position) and answers what the
map draws:

- each job with its coordinates (jobs without are listed in `missing_coordinates`, not drawn), its
  place in its technician's day (`order`, 1-based) and `unassigned` (open and with no active
  technician) — the jobs the dispatcher still has to give out;
- each technician at their last position (`where` = "live", or "stale" when older than
  `stale_after`), else at their home base ("home"), else nowhere (None);
- each technician's route: their jobs in scheduled order (scheduled start, then window start, then
  name; the unscheduled last) from their home base — or, for today with a live position, from
  that position through the jobs not yet completed.
"""

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta

OPEN = ("New", "Planned", "Assigned", "En Route", "On Site")
COMPLETED = "Completed"


def point(lat, lon) -> tuple[float, float] | None:
	"""(lat, lon) when both are usable coordinates; None for missing, (0, 0) or out of range."""
	try:
		lat, lon = float(lat), float(lon)
	except (TypeError, ValueError):
		return None
	if lat != lat or lon != lon or not (lat or lon):  # NaN, or the (0, 0) of an empty Float field
		return None
	if not (-90 <= lat <= 90 and -180 <= lon <= 180):
		return None
	return (round(lat, 6), round(lon, 6))


def _iso(value) -> str | None:
	if value is None or value == "":
		return None
	if isinstance(value, datetime):
		return value.strftime("%Y-%m-%d %H:%M:%S")
	return str(value)


def _as_datetime(value) -> datetime | None:
	if value is None or value == "":
		return None
	if isinstance(value, datetime):
		return value
	try:
		return datetime.fromisoformat(str(value))
	except ValueError:
		return None


def route_key(job: Mapping) -> tuple:
	"""Scheduled order: scheduled start, then window start, then name; the unscheduled last."""
	scheduled = _iso(job.get("scheduled_start"))
	window = _iso(job.get("window_start"))
	return (scheduled is None, scheduled or "", window is None, window or "", job.get("name") or "")


def build(
	jobs: Iterable[Mapping],
	technicians: Iterable[Mapping],
	now: datetime,
	today: bool,
	stale_after: timedelta,
) -> dict:
	techs = list(technicians)
	active = {t["name"] for t in techs}
	out_jobs: list[dict] = []
	missing: list[str] = []
	by_tech: dict[str, list[dict]] = {}
	for job in sorted(jobs, key=route_key):
		where = point(job.get("latitude"), job.get("longitude"))
		technician = job.get("technician") or None
		status = job.get("status")
		item = {
			"name": job["name"],
			"subject": job.get("subject"),
			"status": status,
			"priority": job.get("priority") or "Normal",
			"job_type": job.get("job_type"),
			"technician": technician,
			"customer_name": job.get("customer_name"),
			"address": job.get("address"),
			"lat": where[0] if where else None,
			"lon": where[1] if where else None,
			"scheduled_start": _iso(job.get("scheduled_start")),
			"window_start": _iso(job.get("window_start")),
			"window_end": _iso(job.get("window_end")),
			"expected_duration": job.get("expected_duration"),
			"order": None,
			"unassigned": status in OPEN and technician not in active,
			"gps_on_site_at": _iso(job.get("gps_on_site_at")),
		}
		if where is None:
			missing.append(job["name"])
		else:
			out_jobs.append(item)
		if technician in active:
			by_tech.setdefault(technician, []).append(item)
	out_techs: list[dict] = []
	for tech in techs:
		home = point(tech.get("home_latitude"), tech.get("home_longitude"))
		last = point(tech.get("last_latitude"), tech.get("last_longitude"))
		at = _as_datetime(tech.get("last_position_at"))
		if last and at is not None and now - at <= stale_after:
			where, kind = last, "live"
		elif last:
			where, kind = last, "stale"
		elif home:
			where, kind = home, "home"
		else:
			where, kind = None, None
		mine = by_tech.get(tech["name"], [])
		for index, item in enumerate(mine, 1):
			item["order"] = index
		if today and kind == "live":
			origin, stops = last, [j for j in mine if j["status"] != COMPLETED]
		else:
			origin, stops = home, mine
		route = [list(origin)] if origin else []
		route += [[j["lat"], j["lon"]] for j in stops if j["lat"] is not None]
		out_techs.append(
			{
				"name": tech["name"],
				"full_name": tech.get("full_name") or tech["name"],
				"lat": where[0] if where else None,
				"lon": where[1] if where else None,
				"where": kind,
				"position_at": _iso(tech.get("last_position_at")) if last else None,
				"speed_kmh": tech.get("last_speed_kmh") if last else None,
				"home": list(home) if home else None,
				"jobs": [j["name"] for j in mine],
				"route": route if len(route) > 1 else [],
			}
		)
	return {"jobs": out_jobs, "technicians": out_techs, "missing_coordinates": missing}
