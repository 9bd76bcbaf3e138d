"""Custom fields the payments need on Customer (created at install and migrate).

`ensure_custom_fields()` is safe to run any number of times: call it from after_install and
after_migrate, and from the tests."""

CUSTOM_FIELDS = {
	"Customer": [
		{
			"module": "Gigafibre",
			"fieldname": "gigafibre_payments_section",
			"fieldtype": "Section Break",
			"label": "Stripe Payments",
			"insert_after": "payment_terms",
			"collapsible": 1,
		},
		{
			"module": "Gigafibre",
			"fieldname": "stripe_customer_id",
			"fieldtype": "Data",
			"label": "Stripe Customer ID",
			"insert_after": "gigafibre_payments_section",
			"no_copy": 1,
			"unique": 1,
			"description": "Set when the customer first pays by Stripe (cus_...).",
		},
		{
			"module": "Gigafibre",
			"fieldname": "gigafibre_ppa_column",
			"fieldtype": "Column Break",
			"insert_after": "stripe_customer_id",
		},
		{
			"module": "Gigafibre",
			"fieldname": "gigafibre_ppa_enabled",
			"fieldtype": "Check",
			"label": "Pre-authorized payments",
			"insert_after": "gigafibre_ppa_column",
			"no_copy": 1,
			"description": "Charge due invoices automatically on the card on file.",
		},
		{
			"module": "Gigafibre",
			"fieldname": "gigafibre_ppa_payment_method",
			"fieldtype": "Data",
			"label": "Card on File (Stripe)",
			"insert_after": "gigafibre_ppa_enabled",
			"read_only": 1,
			"no_copy": 1,
			"description": "Saved at the customer's next Stripe payment once pre-authorized payments are on.",
		},
	],
	"Sales Invoice": [
		{
			"module": "Gigafibre",
			"fieldname": "gigafibre_ppa_pending",
			"fieldtype": "Data",
			"label": "Pre-authorized Payment in Progress",
			"insert_after": "due_date",
			"read_only": 1,
			"no_copy": 1,
			"allow_on_submit": 1,
			"depends_on": "gigafibre_ppa_pending",
			"description": "The Stripe payment the bank is still processing; not charged again meanwhile.",
		},
	],
}


def ensure_custom_fields() -> None:
	from frappe.custom.doctype.custom_field.custom_field import create_custom_fields

	create_custom_fields(CUSTOM_FIELDS, update=True)
