# Copyright (c) 2026, Gigafibre and contributors
# For license information, please see license.txt

from frappe.model.document import Document


class CustomerJobLink(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		booked_at: DF.Datetime
		booked_end: DF.Datetime
		booked_start: DF.Datetime
		customer: DF.Link
		dispatch_job: DF.Link
		expires_at: DF.Datetime
		issued_at: DF.Datetime
		purpose: DF.Literal["Tracking", "Rebooking"]
		revoked: DF.Check
		revoked_at: DF.Datetime
		sent_to: DF.Data
		token_id: DF.Data
	# end: auto-generated types

	pass
