# Copyright (c) 2026, Gigafibre and contributors
# For license information, please see license.txt

from frappe.model.document import Document


class AICallLog(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		arguments: DF.Code | None
		channel: DF.Data | None
		customer: DF.Link | None
		error: DF.SmallText | None
		kind: DF.Literal["Model", "Tool"]
		latency_ms: DF.Int
		model: DF.Data | None
		outcome: DF.Literal["OK", "Error", "Over Cap", "Refused", "Hand-off"]
		output_tokens: DF.Int
		prompt_tokens: DF.Int
		purpose: DF.Literal[
			"Triage", "Summary", "Reply Draft", "Agent", "Network Intel", "Vision", "Voicemail"
		]
		reference_doctype: DF.Link | None
		reference_name: DF.DynamicLink | None
		result: DF.Code | None
		tool: DF.Data | None
		total_tokens: DF.Int
	# end: auto-generated types


def on_doctype_update():
	# The caps count the model calls of the last hour and sum the tokens of the day.
	import frappe

	frappe.db.add_index("AI Call Log", ["kind", "creation", "total_tokens"], index_name="gfb_caps")
