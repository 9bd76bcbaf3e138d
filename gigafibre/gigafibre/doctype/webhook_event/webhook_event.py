# Copyright (c) 2026, Gigafibre and contributors
# For license information, please see license.txt

import frappe
from frappe import _
from frappe.model.document import Document


class WebhookEvent(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		attempts: DF.Int
		error: DF.SmallText
		event_id: DF.Data
		event_type: DF.Data
		headers: DF.Code
		leased_until: DF.Datetime | None
		processed_at: DF.Datetime
		raw_body: DF.LongText
		received_at: DF.Datetime
		source: DF.Literal["Stripe", "Twilio", "Uptime Kuma", "3CX", "DocuSeal", "Other"]
		status: DF.Literal["Received", "Processing", "Processed", "Failed", "Ignored"]
	# end: auto-generated types

	@frappe.whitelist()
	def retry(self) -> None:
		"""Process a failed or unfinished event again (its raw body is kept), in the background."""
		self.check_permission("write")
		from frappe.utils import get_datetime, now_datetime

		from gigafibre.recovery import redelivery_processes
		from gigafibre.webhooks.intake import enqueue_processing, handler_for

		handler = handler_for(self.source)
		if not handler or not redelivery_processes(
			self.status, get_datetime(self.leased_until) if self.leased_until else None, now_datetime()
		):
			frappe.throw(_("Only a failed or unprocessed event of a known source can be retried."))
		enqueue_processing(self.name, handler)
		frappe.msgprint(_("Retry queued."), alert=True)


def on_doctype_update() -> None:
	# One row per provider event: a replayed delivery finds the row instead of writing a second one.
	frappe.db.add_unique("Webhook Event", ["source", "event_id"], constraint_name="unique_source_event")
