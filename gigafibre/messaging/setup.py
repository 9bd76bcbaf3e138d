"""Custom fields the conversations need on ERPNext doctypes; called after install and migrate."""

from frappe.custom.doctype.custom_field.custom_field import create_custom_fields

# A marker only: labels are stored in English and the desk translates them for each reader.
from gigafibre.i18n import _

CHANNELS = ("SMS", "Email", "Portal", "Phone")


def custom_fields() -> dict[str, list[dict]]:
	return {
		"Issue": [
			{
				"fieldname": "gigafibre_channel",
				"label": _("Channel"),
				"fieldtype": "Select",
				"options": "\n".join(("", *CHANNELS)),
				"insert_after": "raised_by",
				"in_standard_filter": 1,
				"description": _("Where the customer writes from; staff replies leave the same way."),
			},
			{
				"fieldname": "gigafibre_contact",
				"label": _("Channel Contact"),
				"fieldtype": "Data",
				"insert_after": "gigafibre_channel",
				"description": _("The phone number (E.164) or email address of this conversation."),
			},
			{
				"fieldname": "gigafibre_outage",
				"label": _("Outage"),
				"fieldtype": "Link",
				"options": "Outage",
				"insert_after": "gigafibre_contact",
				"read_only": 1,
				"description": _("Set when the ticket came from a customer inside an open outage."),
			},
		],
		"Customer": [
			{
				"fieldname": "gigafibre_sms_opt_out",
				"label": _("SMS Opt-Out (STOP)"),
				"fieldtype": "Check",
				"insert_after": "mobile_no",
				"read_only": 1,
				"description": _(
					"Set when the customer answers STOP; START clears it. No SMS is sent meanwhile."
				),
			},
		],
	}


def ensure_custom_fields() -> None:
	"""Idempotent: creates the fields, or updates them to this definition."""
	create_custom_fields(custom_fields(), update=True)
