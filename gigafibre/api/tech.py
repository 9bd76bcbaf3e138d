"""The technician page's endpoints (`/j/<token>`): no login, a link token on every call.

The token travels in the `X-Gigafibre-Token` header (or a `token` form field); every call only
ever reads or writes that technician's jobs. Writes take an optional `client_id`: the page's
offline queue replays a write with the same id, and a replay returns the first answer instead
of acting twice.
"""

import frappe
from frappe import _
from frappe.rate_limiter import rate_limit

from gigafibre.auth.service import request_token
from gigafibre.tech import checklist, workday
from gigafibre.tech.links import technician_for_token

REPLAY_TTL = 2 * 24 * 3600


def _technician() -> str:
	return technician_for_token(request_token())


def _once(technician: str, client_id: str | None, action):
	"""Run `action` once per (technician, client_id); a replay gets the stored answer."""
	if not client_id:
		return action()
	if len(client_id) > 64:
		frappe.throw(_("The request id is too long."))
	key = f"gigafibre:tech-replay:{technician}:{client_id}"
	done = frappe.cache.get_value(key)
	if done is not None:
		return done
	result = action()
	frappe.cache.set_value(key, result if result is not None else {}, expires_in_sec=REPLAY_TTL)
	return result


@frappe.whitelist(allow_guest=True, methods=["GET", "POST"])
@rate_limit(limit=240, seconds=60)
def today() -> dict:
	technician = _technician()
	return {
		"technician": frappe.db.get_value("Technician", technician, ["name", "full_name"], as_dict=True),
		"jobs": workday.jobs_today(technician),
	}


@frappe.whitelist(allow_guest=True, methods=["GET", "POST"])
@rate_limit(limit=240, seconds=60)
def job(name: str) -> dict:
	return workday.job_detail(workday.own_job(_technician(), name))


@frappe.whitelist(allow_guest=True, methods=["POST"])
@rate_limit(limit=120, seconds=60)
def update_job(
	name: str, job_type: str | None = None, priority: str | None = None, client_id: str | None = None
) -> dict:
	technician = _technician()

	def act():
		doc = workday.own_job(technician, name)
		workday.update_info(doc, job_type, priority)
		return workday.job_detail(doc)

	return _once(technician, client_id, act)


@frappe.whitelist(allow_guest=True, methods=["POST"])
@rate_limit(limit=120, seconds=60)
def set_status(
	name: str,
	status: str,
	latitude: float | None = None,
	longitude: float | None = None,
	reason: str | None = None,
	notes: str | None = None,
	client_id: str | None = None,
) -> dict:
	technician = _technician()

	def act():
		doc = workday.own_job(technician, name)
		check = workday.set_status(doc, status, latitude, longitude, reason, notes)
		return {**workday.job_detail(doc), "check_in": check}

	return _once(technician, client_id, act)


@frappe.whitelist(allow_guest=True, methods=["GET", "POST"])
@rate_limit(limit=600, seconds=60)
def search_equipment(q: str) -> list[dict]:
	_technician()
	return workday.search_equipment(q)


@frappe.whitelist(allow_guest=True, methods=["POST"])
@rate_limit(limit=120, seconds=60)
def link_equipment(name: str, equipment: str, row: str | None = None, client_id: str | None = None) -> dict:
	"""Link a device to the job; with `row`, it is also the scan of that checklist item."""
	technician = _technician()

	def act():
		doc = workday.own_job(technician, name)
		if row:
			if not frappe.db.exists("Service Equipment", equipment):
				raise frappe.DoesNotExistError(_("Service Equipment {0} not found").format(equipment))
			checklist.scan_row(
				doc, row, frappe.db.get_value("Service Equipment", equipment, "equipment_type")
			)
		workday.link_equipment(doc, equipment)
		if row:
			checklist.scanned(doc.reload(), row, equipment, technician)
		return workday.job_detail(doc.reload())

	return _once(technician, client_id, act)


@frappe.whitelist(allow_guest=True, methods=["POST"])
@rate_limit(limit=120, seconds=60)
def unlink_equipment(name: str, equipment: str, client_id: str | None = None) -> dict:
	technician = _technician()

	def act():
		doc = workday.own_job(technician, name)
		workday.unlink_equipment(doc, equipment)
		return workday.job_detail(doc.reload())

	return _once(technician, client_id, act)


@frappe.whitelist(allow_guest=True, methods=["POST"])
@rate_limit(limit=60, seconds=60)
def create_equipment(
	name: str,
	serial_number: str,
	equipment_type: str | None = None,
	brand: str | None = None,
	model: str | None = None,
	mac_address: str | None = None,
	row: str | None = None,
	client_id: str | None = None,
) -> dict:
	technician = _technician()

	def act():
		doc = workday.own_job(technician, name)
		if row:
			checklist.scan_row(doc, row, equipment_type or "Other")
		values = {
			"serial_number": serial_number,
			"equipment_type": equipment_type,
			"brand": brand,
			"model": model,
			"mac_address": mac_address,
		}
		created = workday.create_equipment(doc, values)
		if row:
			checklist.scanned(doc.reload(), row, created, technician)
		return {**workday.job_detail(doc.reload()), "created": created}

	return _once(technician, client_id, act)


@frappe.whitelist(allow_guest=True, methods=["POST"])
@rate_limit(limit=60, seconds=60)
def upload_photo(name: str, row: str | None = None, client_id: str | None = None) -> dict:
	"""A completion photo (multipart `photo`), attached privately to the job; with `row`, it is
	also the photo of that checklist item."""
	from gigafibre.vision import images

	technician = _technician()
	upload = frappe.request.files.get("photo") if frappe.request and frappe.request.files else None
	if upload is None:
		frappe.throw(_("No photo was received."))
	data = upload.stream.read(images.MAX_UPLOAD_BYTES + 1)
	if len(data) > images.MAX_UPLOAD_BYTES or images.sniff(data) is None:
		frappe.throw(_("This file is not a photo (JPEG, PNG, WebP or HEIC expected)."))

	def act():
		doc = workday.own_job(technician, name)
		if row:
			checklist.photo_row(doc, row)
		file = frappe.get_doc(
			{
				"doctype": "File",
				"file_name": upload.filename or f"{doc.name}.jpg",
				"attached_to_doctype": "Dispatch Job",
				"attached_to_name": doc.name,
				"is_private": 1,
				"content": data,
			}
		).insert(ignore_permissions=True)
		if row:
			checklist.photographed(doc.reload(), row, file.file_url, technician)
			return {"file": file.name, **workday.job_detail(doc.reload())}
		return {"file": file.name}

	return _once(technician, client_id, act)


@frappe.whitelist(allow_guest=True, methods=["POST"])
@rate_limit(limit=240, seconds=60)
def checklist_item(
	name: str, row: str, value: float | None = None, done: bool | None = None, client_id: str | None = None
) -> dict:
	"""A checklist item of the job: a check ticked (`done`), a measurement entered (`value`, kept
	even out of range; the answer says why it does not count), or any item cleared (`done=0`).
	Photos and scans go through upload_photo and link_equipment with `row`."""
	technician = _technician()

	def act():
		doc = workday.own_job(technician, name)
		checklist.record(doc, row, technician, value=value, done=done)
		return workday.job_detail(doc.reload())

	return _once(technician, client_id, act)
