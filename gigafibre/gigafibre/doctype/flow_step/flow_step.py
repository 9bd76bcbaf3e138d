# Copyright (c) 2026, Gigafibre and contributors
# For license information, please see license.txt

from frappe.model.document import Document


class FlowStep(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		action: DF.Literal[
			"",
			"send_sms",
			"send_email",
			"create_document",
			"set_value",
			"assign_technician",
			"publish_realtime",
			"call_webhook",
			"enqueue_method",
			"create_todo",
			"send_tech_link",
			"text_affected_customers",
		]
		else_step: DF.Data
		expression: DF.Code
		next_step: DF.Data
		params: DF.Code
		parent: DF.Data
		parentfield: DF.Data
		parenttype: DF.Data
		set_key: DF.Data
		step_id: DF.Data
		step_type: DF.Literal["action", "condition", "wait", "set", "end"]
		timeout_seconds: DF.Int
		timeout_step: DF.Data
		wait_event: DF.Literal[
			"",
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
		wait_field: DF.Data
		wait_kind: DF.Literal["", "duration", "until_field", "event"]
		wait_seconds: DF.Int
	# end: auto-generated types

	pass
