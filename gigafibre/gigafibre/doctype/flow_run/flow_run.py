# Copyright (c) 2026, Gigafibre and contributors
# For license information, please see license.txt

import frappe
from frappe import _
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
		leased_until: DF.Datetime | None
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

	@frappe.whitelist()
	def cancel_run(self) -> None:
		self.check_permission("write")
		from gigafibre.flows.runner import cancel_run

		cancel_run(self.name)

	@frappe.whitelist()
	def retry_run(self) -> None:
		"""Queue the retry: the run's actions may call outside services, never inside a request.
		A run left Running by a lost worker (its lease lapsed) may be retried too."""
		self.check_permission("write")
		from gigafibre.flows.runner import lease_lapsed

		if self.status != "Failed" and not lease_lapsed(self):
			frappe.throw(_("Only a failed run, or one whose worker was lost, can be retried."))
		frappe.enqueue(
			"gigafibre.flows.runner.retry_run",
			queue="short",
			job_id=f"flow-run-retry:{self.name}",
			deduplicate=True,
			enqueue_after_commit=True,
			name=self.name,
		)
		frappe.msgprint(_("Retry queued."), alert=True)
