# Copyright (c) 2026, Gigafibre and contributors
# For license information, please see license.txt

from frappe.model.document import Document


class StaffPhoneStatus(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		status: DF.Literal["Available", "Busy", "Offline"]
		updated_at: DF.Datetime
		user: DF.Link
	# end: auto-generated types

	pass
