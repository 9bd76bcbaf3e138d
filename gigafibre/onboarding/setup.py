"""Custom fields the web checkout needs on ERPNext's own doctypes.

Run from `after_install` and `after_migrate` (hooks.py): `gigafibre.onboarding.setup.ensure_custom_fields`.
`create_custom_fields(update=True)` makes it idempotent.
"""

import frappe

ITEM_FIELDS = [
	{
		"fieldname": "gigafibre_web_section",
		"fieldtype": "Section Break",
		"label": "Web Sale",
		"insert_after": "description",
		"collapsible": 1,
	},
	{
		"fieldname": "gigafibre_web_sale",
		"fieldtype": "Check",
		"label": "Sold on the Website",
		"insert_after": "gigafibre_web_section",
		"description": "Shown in the web checkout's catalog, at its price in the default selling price list.",
	},
	{
		"fieldname": "gigafibre_kind",
		"fieldtype": "Select",
		"label": "Web Catalog Kind",
		"options": "\nPlan\nAdd-on\nFee",
		"insert_after": "gigafibre_web_sale",
		"depends_on": "gigafibre_web_sale",
		"mandatory_depends_on": "gigafibre_web_sale",
	},
	{
		"fieldname": "gigafibre_name_fr",
		"fieldtype": "Data",
		"label": "French Name",
		"insert_after": "gigafibre_kind",
		"depends_on": "gigafibre_web_sale",
	},
]


# The acceptance of the contract, written once when it is signed (and kept on the submitted quotation).
_ACCEPTANCE = {"read_only": 1, "allow_on_submit": 1, "no_copy": 1, "depends_on": "gigafibre_contract_status"}
QUOTATION_FIELDS = [
	{
		"fieldname": "gigafibre_contract_section",
		"fieldtype": "Section Break",
		"label": "Contract Acceptance",
		"insert_after": "terms",
		"collapsible": 1,
		"depends_on": "gigafibre_contract_status",
	},
	{
		"fieldname": "gigafibre_contract_status",
		"fieldtype": "Select",
		"label": "Contract Status",
		"options": "\nSent\nSigned\nDeclined",
		"insert_after": "gigafibre_contract_section",
		"read_only": 1,
		"allow_on_submit": 1,
		"no_copy": 1,
	},
	{
		"fieldname": "gigafibre_contract_method",
		"fieldtype": "Select",
		"label": "Contract Method",
		"options": "\nSigned Link\nDocuSeal\nOn Behalf",
		"insert_after": "gigafibre_contract_status",
		**_ACCEPTANCE,
	},
	{
		"fieldname": "gigafibre_accepted_by",
		"fieldtype": "Data",
		"label": "Accepted By",
		"insert_after": "gigafibre_contract_method",
		**_ACCEPTANCE,
	},
	{
		"fieldname": "gigafibre_accepted_at",
		"fieldtype": "Datetime",
		"label": "Accepted At",
		"insert_after": "gigafibre_accepted_by",
		**_ACCEPTANCE,
	},
	{
		"fieldname": "gigafibre_contract_column",
		"fieldtype": "Column Break",
		"insert_after": "gigafibre_accepted_at",
	},
	{
		"fieldname": "gigafibre_accepted_ip",
		"fieldtype": "Data",
		"label": "Accepted From (IP)",
		"insert_after": "gigafibre_contract_column",
		**_ACCEPTANCE,
	},
	{
		"fieldname": "gigafibre_accepted_user_agent",
		"fieldtype": "Small Text",
		"label": "Browser",
		"insert_after": "gigafibre_accepted_ip",
		**_ACCEPTANCE,
	},
	{
		"fieldname": "gigafibre_contract_hash",
		"fieldtype": "Data",
		"label": "Contract SHA-256",
		"insert_after": "gigafibre_accepted_user_agent",
		**_ACCEPTANCE,
	},
	{
		"fieldname": "gigafibre_contract_reference",
		"fieldtype": "Data",
		"label": "Link Id or DocuSeal Submission",
		"insert_after": "gigafibre_contract_hash",
		**_ACCEPTANCE,
	},
	# The signed contract's PDF, made after the acceptance (gigafibre.onboarding.contract_document).
	{
		"fieldname": "gigafibre_contract_pdf_status",
		"fieldtype": "Select",
		"label": "Contract PDF",
		"options": "\nPending\nMade\nFailed",
		"insert_after": "gigafibre_contract_reference",
		"description": "Made in the background after the signature; Failed says why it is still missing.",
		**_ACCEPTANCE,
	},
	{
		"fieldname": "gigafibre_contract_pdf",
		"fieldtype": "Attach",
		"label": "Signed Contract",
		"insert_after": "gigafibre_contract_pdf_status",
		**_ACCEPTANCE,
		"depends_on": "gigafibre_contract_pdf",
	},
	{
		"fieldname": "gigafibre_contract_pdf_error",
		"fieldtype": "Small Text",
		"label": "Why the PDF Is Missing",
		"insert_after": "gigafibre_contract_pdf",
		**_ACCEPTANCE,
		"depends_on": "eval:doc.gigafibre_contract_pdf_status=='Failed'",
	},
	{
		"fieldname": "gigafibre_contract_pdf_attempts",
		"fieldtype": "Int",
		"label": "PDF Attempts",
		"insert_after": "gigafibre_contract_pdf_error",
		**_ACCEPTANCE,
		"hidden": 1,
	},
	{
		"fieldname": "gigafibre_contract_copy_sent_at",
		"fieldtype": "Datetime",
		"label": "Copy Sent to the Customer",
		"insert_after": "gigafibre_contract_pdf_attempts",
		**_ACCEPTANCE,
		"depends_on": "gigafibre_contract_copy_sent_at",
	},
	{
		"fieldname": "gigafibre_contract_text",
		"fieldtype": "Long Text",
		"label": "Contract Text Accepted",
		"insert_after": "gigafibre_contract_copy_sent_at",
		**_ACCEPTANCE,
		"hidden": 1,
	},
]

CUSTOMER_FIELDS = [
	{
		"fieldname": "gigafibre_referral_code",
		"fieldtype": "Data",
		"label": "Referral Code",
		"insert_after": "customer_group",
		"read_only": 1,
		"unique": 1,
		"no_copy": 1,
		"description": "Given to friends: a new customer ordering with it gets a credit, and so does this customer.",
	},
]


def ensure_custom_fields() -> None:
	from frappe.custom.doctype.custom_field.custom_field import create_custom_fields

	create_custom_fields(
		{"Item": ITEM_FIELDS, "Quotation": QUOTATION_FIELDS, "Customer": CUSTOMER_FIELDS},
		ignore_validate=True,
		update=True,
	)
	for doctype in ("Item", "Quotation", "Customer"):
		frappe.clear_cache(doctype=doctype)
