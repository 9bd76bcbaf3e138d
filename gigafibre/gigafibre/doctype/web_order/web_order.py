# Copyright (c) 2026, Gigafibre and contributors
# For license information, please see license.txt

from frappe.model.document import Document


class WebOrder(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		city: DF.Data | None
		civic_number: DF.Data | None
		company_name: DF.Data | None
		contract_error: DF.SmallText | None
		contract_method: DF.Literal["", "Signed Link", "DocuSeal", "On Behalf"]
		contract_status: DF.Literal["", "Sent", "Signed", "Declined"]
		contract_token_id: DF.Data | None
		currency: DF.Link | None
		customer: DF.Link | None
		customer_type: DF.Literal["Individual", "Company"]
		deposit_invoice: DF.Link | None
		docuseal_signing_url: DF.Data | None
		docuseal_submission: DF.Data | None
		email: DF.Data | None
		first_name: DF.Data | None
		grand_total: DF.Currency
		identifier: DF.Data | None
		language: DF.Link | None
		last_name: DF.Data | None
		lead: DF.Link | None
		order_key: DF.Data
		payment_url: DF.Data | None
		payment_url_created_at: DF.Datetime | None
		postal_code: DF.Data | None
		quotation: DF.Link | None
		referral: DF.Link | None
		referral_code: DF.Data | None
		referrer: DF.Link | None
		request: DF.Code | None
		sales_order: DF.Link | None
		service_location: DF.Link | None
		serviceability: DF.Data | None
		status: DF.Literal["Pending", "Quoted", "Accepted", "Cancelled"]
		street: DF.Data | None
	# end: auto-generated types

	pass
