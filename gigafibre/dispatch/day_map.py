"""The Dispatch page's map in one payload: the day's jobs with their service location's
coordinates, the active technicians at their last position (or home), each one's planned route, and
the tile server from Gigafibre Settings. Three queries whatever the number of jobs (the day's jobs,
the undated ones waiting, the technicians); the drawing decisions are `map_model`'s.

The jobs are the board's (`board.board`): the day's jobs but the cancelled, and the open jobs with
no technician and no date at all (at most 100, oldest first). The live position fields on
Technician (`last_latitude`, `last_longitude`, `last_position_at`, `last_speed_kmh`) and
`gps_on_site_at` on Dispatch Job are read only where the site has them.
"""

from datetime import date, datetime, timedelta

import frappe
from frappe.utils import getdate, now_datetime

from gigafibre.dispatch import map_model
from gigafibre.dispatch import status as job_status
from gigafibre.field import live

DEFAULT_TILE_URL = "https://{s}.tile.openstreetmap.org/{z}/{x}/{y}.png"
DEFAULT_TILE_ATTRIBUTION = "© OpenStreetMap contributors"
UNDATED_LIMIT = 100

JOB_COLUMNS = (
	"j.name, j.subject, j.status, j.priority, j.job_type, j.technician, j.customer_name, j.address,"
	" j.expected_duration, j.window_start, j.window_end, j.scheduled_start, l.latitude, l.longitude"
)
POSITION_FIELDS = ("last_latitude", "last_longitude", "last_position_at", "last_speed_kmh")


def _has(doctype: str, fieldname: str) -> bool:
	return bool(frappe.get_meta(doctype).has_field(fieldname))


def tiles() -> dict:
	settings = frappe.get_single("Gigafibre Settings")
	return {
		"url": (settings.get("map_tile_url") or "").strip() or DEFAULT_TILE_URL,
		"attribution": (settings.get("map_tile_attribution") or "").strip() or DEFAULT_TILE_ATTRIBUTION,
	}


def read_jobs(day: date) -> list[dict]:
	start = datetime.combine(day, datetime.min.time())
	end = start + timedelta(days=1)
	columns = JOB_COLUMNS + (", j.gps_on_site_at" if _has("Dispatch Job", "gps_on_site_at") else "")
	values = {
		"cancelled": job_status.CANCELLED,
		"start": start,
		"end": end,
		"waiting": (job_status.NEW, job_status.PLANNED),
		"limit": UNDATED_LIMIT,
	}
	rows = frappe.db.sql(
		f"""select {columns} from `tabDispatch Job` j
		left join `tabService Location` l on l.name = j.service_location
		where j.status != %(cancelled)s and (
			(j.scheduled_start >= %(start)s and j.scheduled_start < %(end)s)
			or (j.scheduled_start is null and j.window_start >= %(start)s and j.window_start < %(end)s))""",
		values,
		as_dict=True,
	)
	rows += frappe.db.sql(
		f"""select {columns} from `tabDispatch Job` j
		left join `tabService Location` l on l.name = j.service_location
		where j.status in %(waiting)s and ifnull(j.technician, '') = ''
			and j.scheduled_start is null and j.window_start is null
		order by j.creation asc limit %(limit)s""",
		values,
		as_dict=True,
	)
	return rows


def read_technicians() -> list[dict]:
	extra = [f for f in POSITION_FIELDS if _has("Technician", f)]
	return frappe.get_all(
		"Technician",
		filters={"active": 1},
		fields=["name", "full_name", "home_latitude", "home_longitude", *extra],
		order_by="full_name asc, name asc",
	)


def map_data(day: date) -> dict:
	now = now_datetime()
	result = map_model.build(
		read_jobs(day), read_technicians(), now=now, today=day == getdate(now), stale_after=live.stale_after()
	)
	result.update(date=str(day), now=now.strftime("%Y-%m-%d %H:%M:%S"), tiles=tiles())
	return result
