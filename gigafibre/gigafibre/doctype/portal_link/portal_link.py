# Copyright (c) 2026, Gigafibre and contributors
# For license information, please see license.txt

from frappe.model.document import Document


class PortalLink(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		channel: DF.Literal["SMS", "Email"]
		customer: DF.Link
		expires_at: DF.Datetime
		issued_at: DF.Datetime
		revoked: DF.Check
		revoked_at: DF.Datetime
		sent_to: DF.Data
		token_id: DF.Data
		used_at: DF.Datetime
	# end: auto-generated types

	pass
