# Copyright (c) 2026, Gigafibre and contributors
# For license information, please see license.txt

import frappe
from frappe import _
from frappe.model.document import Document
from frappe.utils import escape_html

from gigafibre.flows.action_catalog import ACTIONS, params_problems
from gigafibre.flows.engine import FlowTemplate as FlowDefinition
from gigafibre.flows.errors import STEP_PREFIX, FlowDefinitionError
from gigafibre.flows.validation import find_problems


class FlowTemplate(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		from gigafibre.gigafibre.doctype.flow_step.flow_step import FlowStep

		condition: DF.Code
		description: DF.SmallText
		enabled: DF.Check
		max_attempts: DF.Int
		reference_doctype: DF.Link
		retry_backoff_seconds: DF.Int
		steps: DF.Table[FlowStep]
		title: DF.Data
		trigger_event: DF.Literal[
			"on_payment_received",
			"on_job_assigned",
			"on_job_started",
			"on_job_complete",
			"on_job_cancelled",
			"on_invoice_submitted",
			"on_ticket_created",
			"on_customer_created",
			"on_equipment_installed",
			"on_outage_detected",
			"on_outage_resolved",
			"on_contract_signed",
			"on_device_online",
			"on_device_offline",
			"on_device_provisioned",
			"on_optical_alarm",
			"on_ticket_classified",
		]
	# end: auto-generated types

	def validate(self) -> None:
		for row in self.steps:
			row.step_id = (row.step_id or "").strip()
		problems = find_problems(self.as_dict(), known_actions=ACTIONS)
		for step in FlowDefinition.from_dict(self.as_dict()).steps:
			if step.step_type == "action" and step.action in ACTIONS:
				try:
					problems += params_problems(step.action, step.parsed_params(), step.step_id)
				except FlowDefinitionError:
					pass  # find_problems already reported the bad JSON
		if problems:
			frappe.throw(
				"<br>".join(escape_html(_describe(p)) for p in problems),
				title=_("This flow cannot run as written"),
			)

	def on_update(self) -> None:
		from gigafibre.flows.runner import clear_cache

		clear_cache()

	def on_trash(self) -> None:
		self.on_update()


def _describe(problem: FlowDefinitionError) -> str:
	text = _(problem.message).format(*problem.args_)
	if problem.step_id is None:
		return text
	return _(STEP_PREFIX).format(problem.step_id or "?", text)
