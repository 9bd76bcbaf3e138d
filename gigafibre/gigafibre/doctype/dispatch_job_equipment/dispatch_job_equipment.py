# Copyright (c) 2026, Gigafibre and contributors
# For license information, please see license.txt

from frappe.model.document import Document


class DispatchJobEquipment(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		equipment: DF.Link
		equipment_action: DF.Literal["Install", "Remove", "Replace", "Check"]
		equipment_type: DF.Data
		parent: DF.Data
		parentfield: DF.Data
		parenttype: DF.Data
		serial_number: DF.Data
	# end: auto-generated types

	pass
