# Copyright (c) 2026, Gigafibre and contributors
# For license information, please see license.txt

import frappe
from frappe import _
from frappe.model.document import Document
from frappe.utils import add_to_date, get_datetime, now_datetime

from gigafibre.dispatch import status as job_status
from gigafibre.dispatch import templates
from gigafibre.validation import user_errors


class DispatchJob(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		from gigafibre.gigafibre.doctype.dispatch_job_checklist_item.dispatch_job_checklist_item import (
			DispatchJobChecklistItem,
		)
		from gigafibre.gigafibre.doctype.dispatch_job_equipment.dispatch_job_equipment import (
			DispatchJobEquipment,
		)
		from gigafibre.gigafibre.doctype.equipment_to_bring.equipment_to_bring import EquipmenttoBring
		from gigafibre.gigafibre.doctype.skill_tag.skill_tag import SkillTag

		acceptance_checked_at: DF.Datetime
		acceptance_details: DF.SmallText
		acceptance_override: DF.Check
		acceptance_override_reason: DF.SmallText
		acceptance_status: DF.Literal["Not Checked", "Passed", "Failed", "Overridden"]
		address: DF.Data
		cancellation_reason: DF.SmallText
		check_in_at: DF.Datetime
		check_in_distance: DF.Float
		check_in_latitude: DF.Float
		check_in_longitude: DF.Float
		check_in_reason: DF.SmallText
		check_out_at: DF.Datetime
		check_out_latitude: DF.Float
		check_out_longitude: DF.Float
		checklist: DF.Table[DispatchJobChecklistItem]
		completion_notes: DF.SmallText
		customer: DF.Link
		customer_name: DF.Data
		description: DF.TextEditor
		equipment: DF.Table[DispatchJobEquipment]
		equipment_to_bring: DF.Table[EquipmenttoBring]
		expected_duration: DF.Int
		job_template: DF.Link | None
		job_type: DF.Literal["Install", "Repair", "Upgrade", "Removal", "Survey", "Maintenance"]
		priority: DF.Literal["Low", "Normal", "High", "Urgent"]
		required_skills: DF.TableMultiSelect[SkillTag]
		scheduled_end: DF.Datetime
		scheduled_start: DF.Datetime
		service_location: DF.Link
		source: DF.Literal["Manual", "Ticket", "Order", "Outage"]
		source_doctype: DF.Link
		source_name: DF.DynamicLink
		status: DF.Literal["New", "Planned", "Assigned", "En Route", "On Site", "Completed", "Cancelled"]
		subject: DF.Data
		technician: DF.Link
		technician_name: DF.Data
		window_end: DF.Datetime
		window_start: DF.Datetime
	# end: auto-generated types

	def validate(self) -> None:
		self.subject = (self.subject or "").strip()
		templates.fill_from_template(self)
		self.follow_technician()
		before = None if self.is_new() else self.get_doc_before_save()
		with user_errors():
			job_status.check_transition(before.status if before else None, self.status)
		templates.check_rows(self)
		if self.status == job_status.COMPLETED and (before is None or before.status != job_status.COMPLETED):
			# Every path (desk, technician page, flows) saves through here.
			templates.check_complete(self)
		if self.service_location and not self.customer:
			self.customer = frappe.db.get_value("Service Location", self.service_location, "customer")
			# Fetched fields were filled before the customer was known.
			self.customer_name = (
				frappe.db.get_value("Customer", self.customer, "customer_name") if self.customer else None
			)
		if self.scheduled_start and not self.scheduled_end and self.expected_duration:
			self.scheduled_end = add_to_date(
				get_datetime(self.scheduled_start), minutes=self.expected_duration
			)
		with user_errors():
			job_status.check_job(
				self.status,
				self.technician,
				_dt(self.scheduled_start),
				_dt(self.scheduled_end),
				_dt(self.window_start),
				_dt(self.window_end),
				self.expected_duration,
			)
		self.check_equipment_rows()
		self.check_network_acceptance()
		if self.status == job_status.COMPLETED and not self.check_out_at:
			self.check_out_at = now_datetime()
		if self.status == job_status.CANCELLED and not (self.cancellation_reason or "").strip():
			frappe.throw(_("Give a reason to cancel the job."))

	def check_network_acceptance(self) -> None:
		"""Install/Repair entering Completed: the network acceptance gate (gigafibre.network.service)."""
		from gigafibre.network.service import check_job_acceptance

		check_job_acceptance(self)

	def follow_technician(self) -> None:
		"""Picking a technician assigns the job; removing them puts it back to plan."""
		if self.technician and self.status in (job_status.NEW, job_status.PLANNED):
			self.status = job_status.ASSIGNED
		elif not self.technician and self.status == job_status.ASSIGNED:
			self.status = job_status.PLANNED if self.scheduled_start else job_status.NEW

	def check_equipment_rows(self) -> None:
		seen: set[str] = set()
		for row in self.equipment:
			if row.equipment in seen:
				frappe.throw(_("Equipment {0} is listed twice on this job.").format(row.equipment))
			seen.add(row.equipment)

	@frappe.whitelist()
	def next_statuses(self) -> list[str]:
		return job_status.allowed_next(self.status)

	@frappe.whitelist()
	def pick_template(self) -> None:
		"""Desk: the template just picked fills the (unsaved) form; a checklist already under way is kept."""
		if not self.job_template:
			return
		if any(row.done for row in self.checklist):
			frappe.throw(_("Some checklist items are already done: the checklist is kept as it is."))
		templates.apply_template(self, self.job_template, replace=True)


def _dt(value):
	return get_datetime(value) if value else None
