# Copyright (c) 2026, Gigafibre and contributors
# For license information, please see license.txt

import frappe
from frappe import _
from frappe.model.document import Document

from gigafibre.locations.postal import check_coordinates, normalize_postal_code
from gigafibre.onboarding import address
from gigafibre.validation import user_errors


class ServiceableAddress(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		address_key: DF.Data | None
		city: DF.Data
		civic_number: DF.Data
		full_address: DF.Data | None
		latitude: DF.Float
		longitude: DF.Float
		olt: DF.Data | None
		pon_port: DF.Data | None
		postal_code: DF.Data
		province: DF.Literal["QC", "ON", "NB", "NS", "PE", "NL", "MB", "SK", "AB", "BC", "YT", "NT", "NU"]
		status: DF.Literal["Serviceable", "Planned", "Not Serviceable"]
		street: DF.Data
		street_key: DF.Data | None
	# end: auto-generated types

	def validate(self) -> None:
		self.civic_number = " ".join((self.civic_number or "").split()).upper()
		self.street = " ".join((self.street or "").split())
		self.city = " ".join((self.city or "").split())
		with user_errors():
			self.postal_code = normalize_postal_code(self.postal_code)
			check_coordinates(self.latitude, self.longitude)
		self.street_key = address.street_key(self.street)
		self.address_key = address.address_key(self.civic_number, self.street, self.postal_code)
		self.full_address = address.label(self.civic_number, self.street, self.city, self.postal_code)
		other = frappe.db.get_value(
			self.doctype, {"address_key": self.address_key, "name": ("!=", self.name)}, "name"
		)
		if other:
			frappe.throw(
				_("{0} is already registered as {1}.").format(self.full_address, other),
				exc=frappe.DuplicateEntryError,
			)
