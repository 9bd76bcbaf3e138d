# Copyright (c) 2026, Gigafibre and contributors
# For license information, please see license.txt

import frappe
from frappe import _
from frappe.model.document import Document
from frappe.utils import today

from gigafibre.equipment.identifiers import normalize_gpon_serial, normalize_mac, normalize_serial
from gigafibre.validation import ensure_unique, user_errors


class ServiceEquipment(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		acs_device_id: DF.Data
		brand: DF.Data
		customer: DF.Link
		equipment_type: DF.Literal["ONT", "Router", "Mesh Node", "Set-Top Box", "Phone Adapter", "Other"]
		gpon_serial: DF.Data
		installed_on: DF.Date
		last_seen_at: DF.Datetime
		mac_address: DF.Data
		model: DF.Data
		notes: DF.SmallText
		online_status: DF.Literal["Unknown", "Online", "Offline"]
		serial_number: DF.Data
		service_location: DF.Link
		status: DF.Literal["In Stock", "Installed", "Returned", "Defective"]
	# end: auto-generated types

	def validate(self) -> None:
		with user_errors():
			self.serial_number = normalize_serial(self.serial_number)
			self.mac_address = normalize_mac(self.mac_address)
			self.gpon_serial = normalize_gpon_serial(self.gpon_serial)
		ensure_unique(self, "serial_number", "Serial Number")
		ensure_unique(self, "mac_address", "MAC Address")
		ensure_unique(self, "gpon_serial", "GPON Serial")
		if self.service_location and not self.customer:
			self.customer = frappe.db.get_value("Service Location", self.service_location, "customer")
		if self.status == "Installed":
			if not self.service_location:
				frappe.throw(_("Installed equipment needs a service location."))
			self.installed_on = self.installed_on or today()
