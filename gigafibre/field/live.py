"""Live positions on the Frappe side: the Traccar worker's store, each technician's latest
position, the day's breadcrumbs, and how the Dispatch page hears about them.

Realtime — checked in Frappe 15's source (frappe/realtime.py, realtime/handlers/frappe_handlers.js):
`frappe.publish_realtime(event, message, doctype="Dispatch Job")` without a docname does NOT go to a
doctype room (only the "list_update" event does); it falls through to the site room "all", every
desk user. So we publish with an explicit `room=frappe.realtime.get_doctype_room("Dispatch Job")`
("doctype:Dispatch Job"). Socket.IO puts a client in that room only when it asks
(`frappe.realtime.doctype_subscribe("Dispatch Job")`), and the server agrees only after
`frappe.realtime.can_subscribe_doctype` — read permission on Dispatch Job. The Dispatch page does:

    frappe.realtime.doctype_subscribe("Dispatch Job");
    frappe.realtime.on("gigafibre_technician_position", (m) => ...);  // POSITION_EVENT
    frappe.realtime.on("gigafibre_job_on_site_gps", (m) => ...);      // ON_SITE_GPS_EVENT

Messages: POSITION_EVENT {"technician", "technician_name", "lat", "lon", "at" (ISO 8601, site
time), "speed_kmh"}; ON_SITE_GPS_EVENT {"job", "technician", "at"}.

Breadcrumbs are never stored here: they stay in Traccar and are read on demand (`breadcrumbs`).
"""

import logging
from datetime import date, datetime, timedelta, timezone

import frappe
from frappe import _
from frappe.realtime import get_doctype_room
from frappe.utils import convert_utc_to_system_timezone, get_datetime, get_system_timezone, now_datetime

from gigafibre.dispatch import status as job_status
from gigafibre.errors import GigafibreError, ServiceError
from gigafibre.field.positions import Target, day_in_utc
from gigafibre.field.traccar import TraccarClient, device_index
from gigafibre.field.worker import Fix, TechnicianRef, TraccarWorker

POSITION_EVENT = "gigafibre_technician_position"
ON_SITE_GPS_EVENT = "gigafibre_job_on_site_gps"
DEFAULT_PUBLISH_SECONDS = 5
DEFAULT_DWELL_MINUTES = 2
DEFAULT_STALE_MINUTES = 15
DEFAULT_RADIUS_M = 150

log = logging.getLogger(__name__)


class TraccarUnavailable(frappe.ValidationError):
	"""Traccar not configured or not answering: 503, with what to do."""

	http_status_code = 503


class NoTraccarDevice(frappe.ValidationError):
	http_status_code = 422


def _commit() -> None:
	# the worker is a long-lived process: one transaction per write; tests roll back instead
	if not frappe.flags.in_test:
		frappe.db.commit()


def _end_read() -> None:
	# a long-lived process reads in REPEATABLE READ: end the snapshot so the next read is fresh
	if not frappe.flags.in_test:
		frappe.db.rollback()


def room() -> str:
	return get_doctype_room("Dispatch Job")


def _settings():
	return frappe.get_cached_doc("Gigafibre Settings")


def traccar_client(timeout: float = 10.0, retries: int = 2) -> TraccarClient | None:
	"""A client from settings, or None when the URL or the credentials are not set."""
	doc = _settings()
	url = (doc.get("traccar_url") or "").strip()
	user = (doc.get("traccar_user") or "").strip()
	password = doc.get_password("traccar_password", raise_exception=False) if user else None
	token = doc.get_password("traccar_token", raise_exception=False) if doc.get("traccar_token") else None
	if not url or not (token or (user and password)):
		return None
	return TraccarClient(url, user or None, password or None, token or None, timeout=timeout, retries=retries)


def _site_time(moment: datetime) -> datetime:
	return convert_utc_to_system_timezone(moment.astimezone(timezone.utc)).replace(tzinfo=None)


def _iso(moment: datetime) -> str:
	return moment.replace(microsecond=0).isoformat()


# The worker's store


class FrappeStore:
	"""The worker's Store on the site: Technician rows, Dispatch Jobs, Socket.IO through Redis.
	One transaction per write (the worker is a long-lived process)."""

	def technicians(self) -> list[TechnicianRef]:
		rows = frappe.get_all(
			"Technician",
			filters={"active": 1, "traccar_device_id": ["is", "set"]},
			fields=["name", "full_name", "traccar_device_id"],
		)
		_end_read()
		return [TechnicianRef(r.name, r.full_name, r.traccar_device_id) for r in rows]

	def target(self, technician: str) -> Target | None:
		jobs = frappe.get_all(
			"Dispatch Job",
			filters={
				"technician": technician,
				"status": job_status.EN_ROUTE,
				"gps_on_site_at": ["is", "not set"],
			},
			fields=["name", "service_location"],
			order_by="modified desc",
			limit=1,
		)
		target = None
		if jobs and jobs[0].service_location:
			loc = frappe.db.get_value(
				"Service Location", jobs[0].service_location, ["latitude", "longitude"], as_dict=True
			)
			if loc and loc.latitude and loc.longitude:
				target = Target(jobs[0].name, float(loc.latitude), float(loc.longitude))
		_end_read()
		return target

	def record(self, fix: Fix) -> None:
		at = _site_time(fix.at)
		frappe.db.sql(
			"""update `tabTechnician` set last_latitude=%(lat)s, last_longitude=%(lon)s,
			last_position_at=%(at)s, last_speed_kmh=%(speed)s
			where name=%(name)s and (last_position_at is null or last_position_at <= %(at)s)""",
			{
				"lat": fix.latitude,
				"lon": fix.longitude,
				"at": at,
				"speed": fix.speed_kmh or 0,
				"name": fix.technician,
			},
		)
		_commit()
		frappe.publish_realtime(POSITION_EVENT, position_message(fix), room=room())

	def arrived(self, job: str, technician: str, at: datetime) -> bool:
		return mark_on_site_gps(job, technician, _site_time(at))


def position_message(fix: Fix) -> dict:
	return {
		"technician": fix.technician,
		"technician_name": fix.technician_name,
		"lat": fix.latitude,
		"lon": fix.longitude,
		"at": _iso(_site_time(fix.at)),
		"speed_kmh": fix.speed_kmh,
	}


def mark_on_site_gps(job: str, technician: str, at: datetime) -> bool:
	"""Set the job's `gps_on_site_at` the first time (only while En Route with this technician) and
	tell the dispatchers; True when set now. The status does not change: the technician confirms."""
	row = frappe.db.get_value(
		"Dispatch Job", job, ["status", "technician", "gps_on_site_at"], as_dict=True, for_update=True
	)
	if not row or row.gps_on_site_at or row.status != job_status.EN_ROUTE or row.technician != technician:
		_end_read()
		return False
	frappe.db.set_value("Dispatch Job", job, "gps_on_site_at", at, update_modified=False)
	_commit()
	frappe.publish_realtime(
		ON_SITE_GPS_EVENT, {"job": job, "technician": technician, "at": _iso(at)}, room=room()
	)
	return True


# Reads for the other parts (ETAs, the map)


def stale_after() -> timedelta:
	minutes = frappe.db.get_single_value("Gigafibre Settings", "position_stale_minutes")
	return timedelta(minutes=minutes or DEFAULT_STALE_MINUTES)


def latest_position(technician: str) -> dict | None:
	"""{lat, lon, at (site time), speed_kmh} from the Technician row; None when unknown or older
	than Settings → Position Stale After."""
	row = frappe.db.get_value(
		"Technician",
		technician,
		["last_latitude", "last_longitude", "last_position_at", "last_speed_kmh"],
		as_dict=True,
	)
	if not row or not row.last_position_at or row.last_latitude is None or row.last_longitude is None:
		return None
	at = get_datetime(row.last_position_at)
	if at < now_datetime() - stale_after():
		return None
	if not (row.last_latitude or row.last_longitude):
		return None
	return {"lat": row.last_latitude, "lon": row.last_longitude, "at": at, "speed_kmh": row.last_speed_kmh}


def breadcrumbs(technician: str, day: date) -> list[dict]:
	"""The technician's route on the site-local `day` from Traccar's route report:
	[{lat, lon, at (ISO, site time), speed_kmh}], oldest first."""
	device = frappe.db.get_value("Technician", technician, "traccar_device_id")
	if not (device or "").strip():
		frappe.throw(
			_("Technician {0} has no Traccar device: set Traccar Device ID on the Technician.").format(
				technician
			),
			exc=NoTraccarDevice,
		)
	client = traccar_client(timeout=8, retries=1)
	if client is None:
		frappe.throw(
			_("Traccar is not configured: set its URL and user in Gigafibre Settings → Traccar."),
			exc=TraccarUnavailable,
		)
	start, end = day_in_utc(day, get_system_timezone())
	try:
		device_id = _device_id(client, device.strip())
		route = client.route(device_id, start, end - timedelta(seconds=1))
	except GigafibreError as err:
		exc = TraccarUnavailable if isinstance(err, ServiceError) else frappe.ValidationError
		frappe.throw(_(err.message).format(*err.args_), exc=exc)
	finally:
		client.close()
	return [
		{"lat": p.latitude, "lon": p.longitude, "at": _iso(_site_time(p.at)), "speed_kmh": p.speed_kmh}
		for p in route
	]


def _device_id(client: TraccarClient, device: str) -> int:
	found = device_index(client.devices()).get(device)
	if found is None:
		frappe.throw(_("Traccar has no device {0}.").format(device), exc=NoTraccarDevice)
	return found


# The bench command


def make_worker() -> TraccarWorker:
	"""The worker with the site's settings (raises ServiceError when Traccar is not configured)."""
	client = traccar_client()
	if client is None:
		raise ServiceError(
			_("Traccar is not configured: set its URL and user in Gigafibre Settings → Traccar.")
		)
	doc = _settings()
	return TraccarWorker(
		client,
		FrappeStore(),
		publish_seconds=doc.get("position_publish_seconds") or DEFAULT_PUBLISH_SECONDS,
		radius_m=doc.get("checkin_radius_m") or DEFAULT_RADIUS_M,
		dwell=timedelta(minutes=doc.get("geofence_dwell_minutes") or DEFAULT_DWELL_MINUTES),
	)
