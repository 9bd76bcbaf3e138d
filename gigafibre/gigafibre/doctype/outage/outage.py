# Copyright (c) 2026, Gigafibre and contributors
# For license information, please see license.txt

import frappe
from frappe import _
from frappe.model.document import Document


class Outage(Document):
	"""A network outage seen by an Uptime Kuma monitor mapped to an OLT (and PON port); created and
	resolved by gigafibre.network.outages from the Kuma webhook."""

	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		from gigafibre.gigafibre.doctype.outage_location.outage_location import OutageLocation

		affected_count: DF.Int
		affected_locations: DF.Table[OutageLocation]
		estimated_end: DF.Datetime | None
		message: DF.SmallText | None
		monitor_id: DF.Data | None
		monitor_name: DF.Data
		olt: DF.Data | None
		pon_port: DF.Data | None
		resolved_at: DF.Datetime | None
		resolved_event: DF.Link | None
		source_event: DF.Link | None
		started_at: DF.Datetime | None
		status: DF.Literal["Open", "Resolved"]
	# end: auto-generated types

	def validate(self) -> None:
		self.affected_count = len(self.affected_locations)
		if self.status == "Resolved" and not self.resolved_at:
			self.resolved_at = frappe.utils.now_datetime()
		if self.status == "Open" and self.resolved_at:
			frappe.throw(_("An open outage cannot have a resolution time."))

	@frappe.whitelist()
	def affected_service_locations(self) -> list[str]:
		"""The Service Locations this outage affects."""
		return [row.service_location for row in self.affected_locations]
