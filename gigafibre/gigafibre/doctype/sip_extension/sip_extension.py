# Copyright (c) 2026, Gigafibre and contributors
# For license information, please see license.txt

from frappe.model.document import Document


class SIPExtension(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		assigned_at: DF.Datetime
		assigned_to: DF.Link
		device: DF.Data
		extension: DF.Data
		routr_ref: DF.Data
		secret: DF.Password
		status: DF.Literal["Available", "Assigned", "Reserved"]
	# end: auto-generated types

	pass
