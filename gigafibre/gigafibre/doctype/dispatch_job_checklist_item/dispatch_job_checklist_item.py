# Copyright (c) 2026, Gigafibre and contributors
# For license information, please see license.txt

from frappe.model.document import Document


class DispatchJobChecklistItem(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		done: DF.Check
		done_at: DF.Datetime | None
		done_by: DF.Data | None
		equipment_type: DF.Literal["", "ONT", "Router", "Mesh Node", "Set-Top Box", "Phone Adapter", "Other"]
		kind: DF.Literal["Check", "Photo", "Measurement", "Equipment Scan"]
		label: DF.Data
		max_value: DF.Float
		min_value: DF.Float
		parent: DF.Data
		parentfield: DF.Data
		parenttype: DF.Data
		photo: DF.Attach | None
		required: DF.Check
		scanned_equipment: DF.Link | None
		unit: DF.Data | None
		use_max: DF.Check
		use_min: DF.Check
		value: DF.Float
	# end: auto-generated types

	pass
