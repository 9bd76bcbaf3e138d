"""The Customer field naming the customer's own portal user (gigafibre/portal/auth.py).

Run from `after_install` and `after_migrate` (hooks.py); `create_custom_fields(update=True)` makes it
idempotent.
"""

import frappe

CUSTOMER_FIELDS = [
	{
		"fieldname": "gigafibre_portal_user",
		"fieldtype": "Link",
		"options": "User",
		"label": "Portal User",
		"insert_after": "gigafibre_referral_code",
		"read_only": 1,
		"unique": 1,
		"no_copy": 1,
		"description": "The user this customer's portal sessions run as: created at the first portal link, "
		"no roles. Disable it to close the portal for this customer.",
	},
]


def ensure_custom_fields() -> None:
	from frappe.custom.doctype.custom_field.custom_field import create_custom_fields

	create_custom_fields({"Customer": CUSTOMER_FIELDS}, ignore_validate=True, update=True)
	frappe.clear_cache(doctype="Customer")
