"""What the technician page reads and writes, always within the technician's own jobs."""

import frappe
from frappe import _
from frappe.utils import add_days, get_datetime, now_datetime, nowdate

from gigafibre.dispatch import checklist, templates
from gigafibre.dispatch import status as job_status
from gigafibre.equipment.identifiers import normalize_mac, normalize_serial
from gigafibre.errors import InvalidValue
from gigafibre.tech.checkin import TooFar, check_in
from gigafibre.validation import user_errors

JOB_LIST_FIELDS = [
	"name",
	"subject",
	"status",
	"job_type",
	"priority",
	"scheduled_start",
	"scheduled_end",
	"window_start",
	"window_end",
	"customer_name",
	"address",
	"service_location",
]
# What a technician may do to a job from the page; the rest is the dispatcher's.
TECH_STATUSES = (job_status.EN_ROUTE, job_status.ON_SITE, job_status.COMPLETED)
SEARCH_LIMIT = 10


class CheckInTooFar(frappe.ValidationError):
	http_status_code = 422


def jobs_today(technician: str) -> list[dict]:
	"""Today's jobs in scheduled order, plus any job still under way from another day."""
	start = get_datetime(nowdate())
	today = frappe.get_all(
		"Dispatch Job",
		filters={
			"technician": technician,
			"scheduled_start": ("between", [start, add_days(start, 1)]),
			"status": ("!=", job_status.CANCELLED),
		},
		fields=JOB_LIST_FIELDS,
		order_by="scheduled_start asc",
	)
	under_way = frappe.get_all(
		"Dispatch Job",
		filters={"technician": technician, "status": ("in", [job_status.EN_ROUTE, job_status.ON_SITE])},
		fields=JOB_LIST_FIELDS,
		order_by="scheduled_start asc",
	)
	seen = {job.name for job in today}
	return [job for job in under_way if job.name not in seen] + today


def own_job(technician: str, name: str):
	"""The job, if it is this technician's; otherwise the same 404 as a job that does not exist."""
	job = frappe.db.get_value("Dispatch Job", name, ["name", "technician"], as_dict=True)
	if not job or job.technician != technician:
		raise frappe.DoesNotExistError(_("Dispatch Job {0} not found").format(name))
	return frappe.get_doc("Dispatch Job", name)


def job_detail(job) -> dict:
	location = frappe.get_doc("Service Location", job.service_location)
	equipment_names = [row.equipment for row in job.equipment]
	equipment = {
		e.name: e
		for e in frappe.get_all(
			"Service Equipment",
			filters={"name": ("in", equipment_names)},
			fields=["name", "serial_number", "mac_address", "equipment_type", "brand", "model", "status"],
		)
	}
	return {
		"name": job.name,
		"subject": job.subject,
		"status": job.status,
		"next_statuses": [s for s in job_status.allowed_next(job.status) if s in TECH_STATUSES],
		# Traccar saw the technician stay at the location: the page offers "Arrived" (never automatic).
		"gps_on_site_at": job.get("gps_on_site_at"),
		"job_type": job.job_type,
		"priority": job.priority,
		"job_types": job.meta.get_field("job_type").options.split("\n"),
		"priorities": job.meta.get_field("priority").options.split("\n"),
		"scheduled_start": job.scheduled_start,
		"window_start": job.window_start,
		"window_end": job.window_end,
		"description": job.description,
		"completion_notes": job.completion_notes,
		"customer": {"name": job.customer, "customer_name": job.customer_name},
		"location": {
			"name": location.name,
			"address_line1": location.address_line1,
			"address_line2": location.address_line2,
			"city": location.city,
			"postal_code": location.postal_code,
			"latitude": location.latitude,
			"longitude": location.longitude,
			"access_notes": location.access_notes,
			"contacts": [
				{
					"contact_name": c.contact_name,
					"contact_role": c.contact_role,
					"phone": c.phone,
					"email": c.email,
				}
				for c in location.contacts
			],
		},
		"equipment": [equipment[n] for n in equipment_names if n in equipment],
		# The job's checklist (from its Job Template), each row with why it is not done yet.
		"checklist": [templates.row_state(row) for row in job.get("checklist") or []],
		"missing": [m.message(_) for m in checklist.missing(job.get("checklist") or [])],
		"equipment_to_bring": [
			{"equipment_type": r.equipment_type, "item_name": r.item_name or r.item, "qty": r.qty}
			for r in job.get("equipment_to_bring") or []
		],
	}


def update_info(job, job_type: str | None, priority: str | None) -> None:
	if job_type:
		job.job_type = job_type
	if priority:
		job.priority = priority
	job.save(ignore_permissions=True)


def set_status(job, status: str, latitude=None, longitude=None, reason=None, notes=None) -> dict:
	if status not in TECH_STATUSES:
		frappe.throw(_("A technician cannot set the status {0}.").format(_(status)))
	with user_errors():
		job_status.check_transition(job.status, status)
	result: dict = {}
	if status == job_status.ON_SITE:
		radius = frappe.db.get_single_value("Gigafibre Settings", "checkin_radius_m") or 150
		location = frappe.db.get_value(
			"Service Location", job.service_location, ["latitude", "longitude"], as_dict=True
		)
		try:
			decision = check_in(
				_float(latitude), _float(longitude), location.latitude, location.longitude, radius, reason
			)
		except TooFar as far:
			# Its own error class, so the page knows to ask for a reason.
			frappe.throw(_(far.message).format(*far.args_), exc=CheckInTooFar)
		except InvalidValue as err:
			frappe.throw(_(err.message).format(*err.args_))
		job.check_in_at = now_datetime()
		job.check_in_latitude, job.check_in_longitude = _float(latitude), _float(longitude)
		job.check_in_distance = decision.distance_m
		job.check_in_reason = (reason or "").strip() or None
		result = {"distance_m": decision.distance_m, "within_radius": decision.within_radius}
	if status == job_status.COMPLETED:
		job.check_out_at = now_datetime()
		job.check_out_latitude, job.check_out_longitude = _float(latitude), _float(longitude)
		if notes:
			job.completion_notes = notes.strip()
	job.status = status
	job.save(ignore_permissions=True)
	return result


def search_equipment(query: str) -> list[dict]:
	"""Serial numbers first, then MAC addresses, both by prefix (their indexes serve prefixes)."""
	compact = "".join((query or "").split()).upper()
	if len(compact) < 2:
		return []
	fields = [
		"name",
		"serial_number",
		"mac_address",
		"equipment_type",
		"brand",
		"model",
		"status",
		"service_location",
	]
	found = frappe.get_all(
		"Service Equipment",
		filters={"serial_number": ("like", _prefix(compact))},
		fields=fields,
		order_by="serial_number asc",
		limit=SEARCH_LIMIT,
	)
	for row in found:
		row.matched_on = "serial"
	mac = _mac_prefix(compact)
	if mac and len(found) < SEARCH_LIMIT:
		seen = {row.name for row in found}
		for row in frappe.get_all(
			"Service Equipment",
			filters={"mac_address": ("like", _prefix(mac))},
			fields=fields,
			order_by="mac_address asc",
			limit=SEARCH_LIMIT,
		):
			if row.name not in seen and len(found) < SEARCH_LIMIT:
				row.matched_on = "mac"
				found.append(row)
	addresses = dict(
		frappe.get_all(
			"Service Location",
			filters={"name": ("in", [r.service_location for r in found if r.service_location])},
			fields=["name", "address_line1"],
			as_list=True,
		)
	)
	for row in found:
		row.address = addresses.get(row.service_location)
	return found


def link_equipment(job, equipment: str) -> None:
	if not frappe.db.exists("Service Equipment", equipment):
		raise frappe.DoesNotExistError(_("Service Equipment {0} not found").format(equipment))
	if equipment not in [row.equipment for row in job.equipment]:
		job.append("equipment", {"equipment": equipment, "equipment_action": _action_for(job.job_type)})
		job.save(ignore_permissions=True)
	device = frappe.get_doc("Service Equipment", equipment)
	if job.job_type == "Removal":
		device.status = "Returned"
	else:
		device.service_location = job.service_location
		device.customer = job.customer
		device.status = "Installed"
	device.save(ignore_permissions=True)


def unlink_equipment(job, equipment: str) -> None:
	rows = [row for row in job.equipment if row.equipment == equipment]
	if not rows:
		if not frappe.db.exists("Service Equipment", equipment):
			raise frappe.DoesNotExistError(_("Service Equipment {0} not found").format(equipment))
		return  # not on this job (an unlink replayed): nothing to undo
	for row in rows:
		job.remove(row)
	job.save(ignore_permissions=True)
	device = frappe.get_doc("Service Equipment", equipment)
	# Undo what linking did here: a device put in by mistake goes back to stock.
	if device.status == "Installed" and device.service_location == job.service_location:
		device.update(
			{"status": "In Stock", "service_location": None, "customer": None, "installed_on": None}
		)
		device.save(ignore_permissions=True)


def create_equipment(job, values: dict) -> str:
	with user_errors():
		serial = normalize_serial(values.get("serial_number"))
		mac = normalize_mac(values.get("mac_address"))
	for field, value in (("serial_number", serial), ("mac_address", mac)):
		if value and (existing := frappe.db.get_value("Service Equipment", {field: value}, "name")):
			frappe.throw(
				_("{0} {1} is already registered as {2}: pick it from the search instead.").format(
					_("Serial Number") if field == "serial_number" else _("MAC Address"), value, existing
				),
				exc=frappe.DuplicateEntryError,
			)
	device = frappe.get_doc(
		{
			"doctype": "Service Equipment",
			"serial_number": serial,
			"mac_address": mac,
			"equipment_type": values.get("equipment_type") or "Other",
			"brand": (values.get("brand") or "").strip() or None,
			"model": (values.get("model") or "").strip() or None,
			"status": "In Stock",
		}
	).insert(ignore_permissions=True)
	link_equipment(job, device.name)
	return device.name


def _action_for(job_type: str) -> str:
	return {"Removal": "Remove", "Repair": "Replace"}.get(job_type, "Install")


def _prefix(value: str) -> str:
	escaped = value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
	return f"{escaped}%"


def _mac_prefix(compact: str) -> str | None:
	"""`AABBC` -> `AA:BB:C`: a partial MAC typed any way, in the stored form's prefix."""
	digits = "".join(c for c in compact if c not in ":-.")
	if not digits or len(digits) > 12 or any(c not in "0123456789ABCDEF" for c in digits):
		return None
	return ":".join(digits[i : i + 2] for i in range(0, len(digits), 2))


def _float(value) -> float | None:
	if value in (None, ""):
		return None
	try:
		return float(value)
	except (TypeError, ValueError):
		frappe.throw(_("The position sent by the phone is not valid."))
