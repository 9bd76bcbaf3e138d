# Copyright (c) 2026, Gigafibre and contributors
# For license information, please see license.txt

from frappe.model.document import Document


class SubscriptionChange(Document):
	"""Written by `gigafibre.billing.changes` only (the desk cannot create one by hand)."""

	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		adjustments: DF.Code | None
		billed_invoice: DF.Link | None
		change_type: DF.Literal[
			"Upgrade",
			"Downgrade",
			"Plan Change",
			"Add-on Added",
			"Add-on Removed",
			"Add-ons Changed",
			"Cancellation",
		]
		changed_at: DF.Datetime | None
		changed_by: DF.Link | None
		currency: DF.Link | None
		customer: DF.Link | None
		dispatch_job: DF.Link | None
		effective_date: DF.Date
		lines_after: DF.Code | None
		lines_before: DF.Code | None
		monthly_after: DF.Currency
		monthly_before: DF.Currency
		price_difference: DF.Currency
		prorated_amount: DF.Currency
		reason: DF.SmallText | None
		service_location: DF.Link | None
		source: DF.Literal["Desk", "Portal", "System"]
		subscription: DF.Link
	# end: auto-generated types

	pass
