# Copyright (c) 2026, Gigafibre and contributors
# For license information, please see license.txt

from frappe.model.document import Document


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
		]
	# end: auto-generated types

	pass
