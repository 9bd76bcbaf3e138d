# Copyright (c) 2026, Gigafibre and contributors
# For license information, please see license.txt

import frappe
from frappe.model.document import Document

from gigafibre.dispatch.shifts import WEEKDAYS, Shift, check_shifts, to_time
from gigafibre.locations.postal import check_coordinates
from gigafibre.messaging.phone import to_e164
from gigafibre.validation import user_errors

TECHNICIAN_ROLE = "Technician"


class Technician(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		from gigafibre.gigafibre.doctype.skill_tag.skill_tag import SkillTag
		from gigafibre.gigafibre.doctype.technician_shift.technician_shift import TechnicianShift

		active: DF.Check
		email: DF.Data
		full_name: DF.Data
		home_address: DF.SmallText
		home_latitude: DF.Float
		home_longitude: DF.Float
		max_jobs_per_day: DF.Int
		mobile: DF.Data
		skills: DF.TableMultiSelect[SkillTag]
		traccar_device_id: DF.Data
		user: DF.Link
		working_hours: DF.Table[TechnicianShift]
	# end: auto-generated types

	def validate(self) -> None:
		self.full_name = (self.full_name or "").strip()
		for row in self.working_hours:
			# Frappe fills every new Time cell with the current time: a break is its minutes.
			if not row.break_minutes:
				row.break_start = None
		with user_errors():
			self.mobile = to_e164(self.mobile)
			check_coordinates(self.home_latitude, self.home_longitude)
			check_shifts(
				[
					Shift(
						weekday=row.weekday,
						start=to_time(row.start_time),
						end=to_time(row.end_time),
						break_start=to_time(row.break_start),
						break_minutes=row.break_minutes or 0,
					)
					for row in self.working_hours
				]
			)
		self.working_hours.sort(key=lambda row: WEEKDAYS.index(row.weekday))
		for idx, row in enumerate(self.working_hours, start=1):
			row.idx = idx

	def on_update(self) -> None:
		# A technician's user needs the role that opens the technician pages and lists.
		if self.user and TECHNICIAN_ROLE not in frappe.get_roles(self.user):
			user = frappe.get_doc("User", self.user)
			user.flags.ignore_permissions = True
			user.add_roles(TECHNICIAN_ROLE)
