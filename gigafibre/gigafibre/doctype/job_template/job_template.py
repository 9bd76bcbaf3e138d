# Copyright (c) 2026, Gigafibre and contributors
# For license information, please see license.txt

import frappe
from frappe import _
from frappe.model.document import Document

from gigafibre.dispatch import checklist
from gigafibre.validation import user_errors


class JobTemplate(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		from gigafibre.gigafibre.doctype.equipment_to_bring.equipment_to_bring import EquipmenttoBring
		from gigafibre.gigafibre.doctype.job_template_checklist_item.job_template_checklist_item import (
			JobTemplateChecklistItem,
		)
		from gigafibre.gigafibre.doctype.skill_tag.skill_tag import SkillTag

		checklist_items: DF.Table[JobTemplateChecklistItem]
		default_duration: DF.Int
		disabled: DF.Check
		equipment_to_bring: DF.Table[EquipmenttoBring]
		instructions: DF.SmallText | None
		job_type: DF.Literal["Install", "Repair", "Upgrade", "Removal", "Survey", "Maintenance"]
		required_skills: DF.TableMultiSelect[SkillTag]
		template_name: DF.Data
		use_for_orders: DF.Check
	# end: auto-generated types

	def validate(self) -> None:
		self.template_name = (self.template_name or "").strip()
		if not self.default_duration or self.default_duration <= 0:
			frappe.throw(_("The default duration must be more than 0 minutes."))
		for row in self.checklist_items:
			row.label = (row.label or "").strip()
			if row.kind != checklist.MEASUREMENT:
				# A range or a unit left over from another kind is dropped, not refused.
				row.use_min = row.use_max = 0
				row.min_value = row.max_value = 0
				row.unit = None
			if row.kind != checklist.SCAN:
				row.equipment_type = None
		with user_errors():
			checklist.check_items(self.checklist_items)
			checklist.check_bring(self.equipment_to_bring)
		self.check_one_default()

	def check_one_default(self) -> None:
		"""At most one enabled template per job type is the default for jobs from orders."""
		if not self.use_for_orders or self.disabled:
			return
		other = frappe.db.get_value(
			"Job Template",
			{"job_type": self.job_type, "use_for_orders": 1, "disabled": 0, "name": ("!=", self.name)},
			"name",
		)
		if other:
			frappe.throw(
				_("{0} is already the default template for {1} jobs from orders.").format(
					other, _(self.job_type)
				)
			)
