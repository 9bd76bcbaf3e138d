# Copyright (c) 2026, Gigafibre and contributors
# For license information, please see license.txt

import frappe
from frappe.model.document import Document
from frappe.utils import now_datetime


class CalendarToken(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		created_at: DF.Datetime | None
		expires_at: DF.Datetime | None
		revoked: DF.Check
		revoked_at: DF.Datetime | None
		revoked_by: DF.Link | None
		technician: DF.Link
		technician_name: DF.Data | None
		token_id: DF.Data
	# end: auto-generated types

	def validate(self) -> None:
		# A revoked feed stays revoked: issue a new link instead.
		before = None if self.is_new() else self.get_doc_before_save()
		if before and before.revoked and not self.revoked:
			self.revoked = 1
		if self.revoked and not self.revoked_at:
			self.revoked_at = now_datetime()
			self.revoked_by = frappe.session.user
