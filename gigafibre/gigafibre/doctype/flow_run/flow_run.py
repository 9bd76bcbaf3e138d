# Copyright (c) 2026, Gigafibre and contributors
# For license information, please see license.txt

from frappe.model.document import Document


class FlowRun(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		from gigafibre.gigafibre.doctype.flow_run_log.flow_run_log import FlowRunLog

		attempts: DF.Int
		context: DF.Code
		current_step: DF.Data
		finished_at: DF.Datetime
		flow_template: DF.Link
		last_error: DF.SmallText
		log: DF.Table[FlowRunLog]
		reference_doctype: DF.Link
		reference_name: DF.DynamicLink
		run_key: DF.Data
		started_at: DF.Datetime
		status: DF.Literal["Pending", "Running", "Waiting", "Completed", "Failed", "Cancelled"]
		trigger_event: DF.Data
		waiting_event: DF.Data
		wake_at: DF.Datetime
	# end: auto-generated types

	pass
