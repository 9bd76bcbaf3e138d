# Copyright (c) 2026, Gigafibre and contributors
# For license information, please see license.txt

from frappe.model.document import Document


class TechnicianLink(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		dispatch_job: DF.Link
		expires_at: DF.Datetime
		issued_at: DF.Datetime
		revoked: DF.Check
		revoked_at: DF.Datetime
		revoked_by: DF.Link
		sent_to: DF.Data
		sms_error: DF.SmallText
		sms_status: DF.Literal["Not Sent", "Queued", "Sent", "Failed"]
		technician: DF.Link
		token_id: DF.Data
	# end: auto-generated types

	pass
