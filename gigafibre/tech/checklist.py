"""The technician page's checklist writes, always on the technician's own job (see workday.own_job).

A check is ticked or unticked, a measurement entered (recorded even out of range: the row then
says why it does not count), a photo attached (api.tech.upload_photo with `row`), a device
scanned (api.tech.link_equipment / create_equipment with `row`). Each write stamps who did it.
"""

import frappe
from frappe import _
from frappe.utils import now_datetime

from gigafibre.dispatch import checklist
from gigafibre.dispatch import status as job_status
from gigafibre.validation import user_errors


class WrongKind(frappe.ValidationError):
	http_status_code = 422


def row_of(job, row: str):
	"""The job's checklist row `row`; the same 404 as a job's missing record otherwise."""
	found = next((r for r in job.get("checklist") or [] if r.name == row), None)
	if found is None:
		raise frappe.DoesNotExistError(_("Checklist item {0} not found").format(row))
	return found


def _writable(job) -> None:
	if job.status in job_status.CLOSED:
		frappe.throw(_("The job is {0}: its checklist can no longer change.").format(_(job.status)))


def _stamp(item, technician: str, done: bool) -> None:
	item.done = 1 if done else 0
	item.done_at = now_datetime() if done else None
	item.done_by = technician if done else None


def record(job, row: str, technician: str, value: float | None = None, done: bool | None = None) -> None:
	"""A check ticked (done) or a measurement entered (value); `done=False` clears either."""
	_writable(job)
	item = row_of(job, row)
	if item.kind == checklist.CHECK:
		if done is None:
			frappe.throw(_("Tick or untick this item (done)."), exc=WrongKind)
		_stamp(item, technician, bool(done))
	elif item.kind == checklist.MEASUREMENT:
		if done is False:
			item.value = 0
			_stamp(item, technician, False)
		elif value is None:
			frappe.throw(_("Enter the measured value."), exc=WrongKind)
		else:
			with user_errors():
				item.value = checklist.parse_measurement(value)
			_stamp(item, technician, True)
	elif item.kind == checklist.PHOTO:
		if done is not False:
			frappe.throw(_("Take the photo for this item."), exc=WrongKind)
		item.photo = None
		_stamp(item, technician, False)
	else:
		if done is not False:
			frappe.throw(_("Scan the equipment for this item."), exc=WrongKind)
		item.scanned_equipment = None
		_stamp(item, technician, False)
	job.save(ignore_permissions=True)


def scan_row(job, row: str, equipment_type: str | None):
	"""The scan item a device is linked for, checked before anything is linked."""
	_writable(job)
	item = row_of(job, row)
	if item.kind != checklist.SCAN:
		frappe.throw(_("Checklist item {0} is not an equipment scan.").format(item.label), exc=WrongKind)
	if not checklist.scan_matches(item, equipment_type):
		frappe.throw(
			_("{0} expects equipment of type {1}, not {2}.").format(
				item.label, _(item.equipment_type), _(equipment_type or "Other")
			),
			exc=WrongKind,
		)
	return item


def scanned(job, row: str, equipment: str, technician: str) -> None:
	"""After link_equipment: the scan item names the device."""
	item = row_of(job, row)
	item.scanned_equipment = equipment
	_stamp(item, technician, True)
	job.save(ignore_permissions=True)


def photo_row(job, row: str):
	_writable(job)
	item = row_of(job, row)
	if item.kind != checklist.PHOTO:
		frappe.throw(_("Checklist item {0} does not take a photo.").format(item.label), exc=WrongKind)
	return item


def photographed(job, row: str, file_url: str, technician: str) -> None:
	item = row_of(job, row)
	item.photo = file_url
	_stamp(item, technician, True)
	job.save(ignore_permissions=True)
