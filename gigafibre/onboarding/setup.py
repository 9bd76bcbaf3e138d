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


def ensure_custom_fields() -> None:
	from frappe.custom.doctype.custom_field.custom_field import create_custom_fields

	create_custom_fields({"Item": ITEM_FIELDS}, ignore_validate=True, update=True)
	frappe.clear_cache(doctype="Item")
