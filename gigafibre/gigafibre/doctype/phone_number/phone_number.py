# Copyright (c) 2026, Gigafibre and contributors
# For license information, please see license.txt

import frappe
from frappe import _
from frappe.model.document import Document

from gigafibre.messaging.recipients import safe_e164


class PhoneNumber(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		assigned_at: DF.Datetime
		assigned_to: DF.Link
		device: DF.Data
		number: DF.Data
		routr_ref: DF.Data
		status: DF.Literal["Available", "Assigned", "Reserved"]
	# end: auto-generated types

	def autoname(self) -> None:
		self.number = self._e164()
		self.name = self.number

	def validate(self) -> None:
		self.number = self._e164()

	def _e164(self) -> str:
		number = safe_e164(self.number)
		if not number:
			frappe.throw(_("{0} is not a phone number.").format(self.number))
		return number
