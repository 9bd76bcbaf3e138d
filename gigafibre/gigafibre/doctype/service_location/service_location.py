# Copyright (c) 2026, Gigafibre and contributors
# For license information, please see license.txt

import frappe
from frappe import _
from frappe.model.document import Document

from gigafibre.locations.postal import check_coordinates, normalize_postal_code
from gigafibre.messaging.phone import to_e164
from gigafibre.validation import user_errors


class ServiceLocation(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		from gigafibre.gigafibre.doctype.service_location_contact.service_location_contact import (
			ServiceLocationContact,
		)

		access_notes: DF.SmallText
		address_line1: DF.Data
		address_line2: DF.Data
		city: DF.Data
		contacts: DF.Table[ServiceLocationContact]
		customer: DF.Link
		customer_name: DF.Data
		latitude: DF.Float
		location_status: DF.Literal["Active", "Pending", "Suspended", "Inactive"]
		longitude: DF.Float
		olt: DF.Data
		onu_id: DF.Data
		pon_port: DF.Data
		postal_code: DF.Data
		province: DF.Literal["QC", "ON", "NB", "NS", "PE", "NL", "MB", "SK", "AB", "BC", "YT", "NT", "NU"]
		suspension_reason: DF.SmallText
	# end: auto-generated types

	def validate(self) -> None:
		with user_errors():
			self.postal_code = normalize_postal_code(self.postal_code)
			check_coordinates(self.latitude, self.longitude)
		for row in self.contacts:
			row.contact_name = (row.contact_name or "").strip()
			with user_errors(_("Contact row {0}").format(row.idx)):
				row.phone = to_e164(row.phone)
			if not row.phone and not row.email:
				frappe.throw(
					_("Contact {0} needs a phone number or an email.").format(row.contact_name or row.idx)
				)
