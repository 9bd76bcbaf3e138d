"""Desk endpoints for conversations (Issue threads)."""

import frappe

from gigafibre.messaging import conversations


@frappe.whitelist(methods=["POST"])
def reply(issue: str, text: str) -> dict:
	"""Staff reply on a conversation, sent by its channel (SMS, Email or Portal)."""
	frappe.get_doc("Issue", issue).check_permission("write")
	return {"communication": conversations.reply(issue, text)}
