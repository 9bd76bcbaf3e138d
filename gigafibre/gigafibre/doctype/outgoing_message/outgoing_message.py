# Copyright (c) 2026, Gigafibre and contributors
# For license information, please see license.txt

from frappe.model.document import Document


class OutgoingMessage(Document):
	"""One SMS or email, stored before any attempt to send it (see gigafibre/messaging/outbox.py)."""

	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		attempts: DF.Int
		body: DF.LongText | None
		call_args: DF.Code | None
		call_method: DF.Data | None
		channel: DF.Literal["", "SMS", "Email"]
		dedupe_key: DF.Data | None
		first_attempt_at: DF.Datetime | None
		last_attempt_at: DF.Datetime | None
		last_error: DF.SmallText | None
		leased_until: DF.Datetime | None
		next_attempt_at: DF.Datetime | None
		not_before: DF.Datetime | None
		on_outcome: DF.Data | None
		provider_id: DF.Data | None
		recipient: DF.Data | None
		reference_doctype: DF.Link | None
		reference_name: DF.DynamicLink | None
		secret: DF.Check
		sent_at: DF.Datetime | None
		status: DF.Literal["Queued", "Sending", "Sent", "Unknown", "Failed", "Composed"]
		subject: DF.Data | None
	# end: auto-generated types
