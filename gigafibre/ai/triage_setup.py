"""The triage fields on ERPNext's Issue, in a collapsible "Triage" section after the description;
called after install and migrate. All read-only: the triage job writes them."""

from frappe.custom.doctype.custom_field.custom_field import create_custom_fields

# A marker only: labels are stored in English and the desk translates them for each reader.
from gigafibre.i18n import _


def custom_fields() -> dict[str, list[dict]]:
	fields = [
		{
			"fieldname": "gigafibre_triage_section",
			"label": _("Triage"),
			"fieldtype": "Section Break",
			"collapsible": 1,
			"insert_after": "description",
		},
		{
			"fieldname": "gigafibre_category",
			"label": _("Category"),
			"fieldtype": "Data",
			"in_standard_filter": 1,
			"description": _("One of the triage categories of Gigafibre Settings."),
		},
		{
			"fieldname": "gigafibre_urgency",
			"label": _("Urgency"),
			"fieldtype": "Select",
			"options": "\nLow\nNormal\nHigh\nCritical",
			"in_standard_filter": 1,
		},
		{
			"fieldname": "gigafibre_ticket_language",
			"label": _("Ticket Language"),
			"fieldtype": "Select",
			"options": "\nfr\nen",
		},
		{
			"fieldname": "gigafibre_sentiment",
			"label": _("Sentiment"),
			"fieldtype": "Select",
			"options": "\nNegative\nNeutral\nPositive",
		},
		{"fieldname": "gigafibre_angry", "label": _("Angry Customer"), "fieldtype": "Check"},
		{
			"fieldname": "gigafibre_outage_suspected",
			"label": _("Outage Suspected"),
			"fieldtype": "Check",
		},
		{
			"fieldname": "gigafibre_outage_evidence",
			"label": _("Outage Evidence"),
			"fieldtype": "Select",
			"options": "\nNone\nOutage\nOLT Alarm",
			"description": _(
				"What the network says: an open outage or an OLT alarm at the customer's location wins "
				"over the model."
			),
		},
		{"fieldname": "gigafibre_triage_column", "fieldtype": "Column Break"},
		{
			"fieldname": "gigafibre_triage_summary",
			"label": _("Triage Summary"),
			"fieldtype": "Small Text",
			"description": _("Written by the assistant, in French."),
		},
		{
			"fieldname": "gigafibre_triage_status",
			"label": _("Triage Status"),
			"fieldtype": "Select",
			"options": "\nPending\nDone\nWaiting\nFailed",
			"search_index": 1,
		},
		{"fieldname": "gigafibre_triaged_at", "label": _("Triaged At"), "fieldtype": "Datetime"},
		{"fieldname": "gigafibre_triage_attempts", "label": _("Triage Attempts"), "fieldtype": "Int"},
		{
			"fieldname": "gigafibre_triage_next_attempt",
			"label": _("Next Triage Attempt"),
			"fieldtype": "Datetime",
		},
		{
			"fieldname": "gigafibre_triage_leased_until",
			"label": _("Triage Leased Until"),
			"fieldtype": "Datetime",
			"hidden": 1,
		},
		{"fieldname": "gigafibre_triage_error", "label": _("Triage Error"), "fieldtype": "Small Text"},
	]
	previous = None
	for field in fields:
		field.setdefault("insert_after", previous)
		if field["fieldtype"] not in ("Section Break", "Column Break"):
			field.update(read_only=1, no_copy=1)
		previous = field["fieldname"]
	return {"Issue": fields}


def ensure_custom_fields() -> None:
	"""Idempotent: creates the fields, or updates them to this definition."""
	create_custom_fields(custom_fields(), update=True)
