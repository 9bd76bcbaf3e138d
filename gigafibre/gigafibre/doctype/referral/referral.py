# Copyright (c) 2026, Gigafibre and contributors
# For license information, please see license.txt

from frappe.model.document import Document


class Referral(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		currency: DF.Link | None
		referral_code: DF.Data
		referred_amount: DF.Currency
		referred_credit_note: DF.Link | None
		referred_customer: DF.Link
		referred_identifier: DF.Data
		referrer: DF.Link
		referrer_amount: DF.Currency
		referrer_credit_note: DF.Link | None
		web_order: DF.Link | None
	# end: auto-generated types

	pass
