"""Custom fields the customer agent needs: its state and budgets on the thread (Issue), and the
mark on the messages it wrote (Communication); called after install and migrate."""

from frappe.custom.doctype.custom_field.custom_field import create_custom_fields

# A marker only: labels are stored in English and the desk translates them for each reader.
from gigafibre.i18n import _


def custom_fields() -> dict[str, list[dict]]:
	return {
		"Issue": [
			{
				"fieldname": "gigafibre_agent_state",
				"label": _("Assistant"),
				"fieldtype": "Select",
				"options": "\nActive\nHanded Off",
				"insert_after": "gigafibre_contact",
				"read_only": 1,
				"in_standard_filter": 1,
				"description": _(
					"Active: the assistant answers this conversation. Handed Off: a person has it and the assistant no longer answers."
				),
			},
			{
				"fieldname": "gigafibre_agent_turns",
				"label": _("Assistant Turns Used"),
				"fieldtype": "Int",
				"insert_after": "gigafibre_agent_state",
				"read_only": 1,
			},
			{
				"fieldname": "gigafibre_agent_tool_calls",
				"label": _("Assistant Tool Calls Used"),
				"fieldtype": "Int",
				"insert_after": "gigafibre_agent_turns",
				"read_only": 1,
			},
		],
		"Communication": [
			{
				"fieldname": "gigafibre_by_agent",
				"label": _("Written by the Assistant"),
				"fieldtype": "Check",
				"insert_after": "sender_full_name",
				"read_only": 1,
			},
		],
	}


def ensure_custom_fields() -> None:
	"""Idempotent: creates the fields, or updates them to this definition."""
	create_custom_fields(custom_fields(), update=True)
