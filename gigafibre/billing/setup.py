"""Custom fields recurring billing needs on ERPNext's documents (created at install and migrate).

`ensure_custom_fields()` is safe to run any number of times: after_migrate runs it, and the tests.
"""

CUSTOM_FIELDS = {
	"Sales Invoice": [
		{
			"module": "Gigafibre",
			"fieldname": "gigafibre_billing_key",
			"fieldtype": "Data",
			"label": "Billing Key",
			"insert_after": "subscription",
			"read_only": 1,
			"no_copy": 1,
			"unique": 1,
			"description": "One invoice per subscription and period: <subscription>/<period start>.",
		},
		{
			"module": "Gigafibre",
			"fieldname": "gigafibre_service_location",
			"fieldtype": "Link",
			"options": "Service Location",
			"label": "Service Location",
			"insert_after": "gigafibre_billing_key",
			"read_only": 1,
			"no_copy": 1,
			"search_index": 1,
		},
		{
			"module": "Gigafibre",
			"fieldname": "gigafibre_disputed",
			"fieldtype": "Check",
			"label": "Disputed",
			"insert_after": "gigafibre_service_location",
			"allow_on_submit": 1,
			"no_copy": 1,
			"description": "A dispute is open on this invoice: no reminder and no suspension for it.",
		},
	],
	"Subscription": [
		{
			"module": "Gigafibre",
			"fieldname": "gigafibre_service_location",
			"fieldtype": "Link",
			"options": "Service Location",
			"label": "Service Location",
			"insert_after": "party",
			"no_copy": 1,
			"search_index": 1,
		},
		{
			"module": "Gigafibre",
			"fieldname": "gigafibre_billing_mode",
			"fieldtype": "Select",
			"options": "Calendar Month\nAnniversary",
			"label": "Billing Day",
			"insert_after": "gigafibre_service_location",
			"read_only": 1,
			"no_copy": 1,
			"description": "Set at activation from Gigafibre Settings; the billing day stays with the subscription.",
		},
	],
	"Subscription Plan Detail": [
		{
			"module": "Gigafibre",
			"fieldname": "gigafibre_rate",
			"fieldtype": "Currency",
			"label": "Contracted Monthly Rate",
			"insert_after": "qty",
			"in_list_view": 1,
			"description": "The monthly price the customer accepted; empty means the plan's price.",
		},
	],
	"Customer": [
		{
			"module": "Gigafibre",
			"fieldname": "gigafibre_payment_arrangement_until",
			"fieldtype": "Date",
			"label": "Payment Arrangement Until",
			"insert_after": "gigafibre_ppa_payment_method",
			"description": "While an arrangement runs, no reminder and no suspension.",
		},
		{
			"module": "Gigafibre",
			"fieldname": "gigafibre_payment_arrangement_note",
			"fieldtype": "Small Text",
			"label": "Payment Arrangement",
			"insert_after": "gigafibre_payment_arrangement_until",
		},
	],
	"Item": [
		{
			"module": "Gigafibre",
			"fieldname": "gigafibre_needs_technician",
			"fieldtype": "Check",
			"label": "Needs a Technician",
			"insert_after": "gigafibre_name_fr",
			"description": "Adding this to a subscription creates a job (a mesh node to install, say).",
		},
		{
			"module": "Gigafibre",
			"fieldname": "gigafibre_equipment_type",
			"fieldtype": "Data",
			"label": "Unreturned Equipment Type",
			"insert_after": "gigafibre_needs_technician",
			"description": "This item invoices a Service Equipment of this type (ONT, Router, ...) not returned after cancellation.",
		},
	],
}


def ensure_custom_fields() -> None:
	from frappe.custom.doctype.custom_field.custom_field import create_custom_fields

	create_custom_fields(CUSTOM_FIELDS, update=True)
