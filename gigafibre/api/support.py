"""Desk endpoints for support tickets: a summary of a long thread and a reply draft, on demand.
Nothing is sent from here: staff edit the draft and send it with conversations.reply."""

import frappe

from gigafibre.ai import triage_service


@frappe.whitelist(methods=["POST"])
def summarize(issue: str) -> dict:
	"""The thread summarised for staff with read access to the Issue; 503 when the assistant cannot
	answer now (over a cap, Gemini down or not set up)."""
	frappe.get_doc("Issue", issue).check_permission("read")
	return triage_service.summarize(issue)


@frappe.whitelist(methods=["POST"])
def suggest_reply(issue: str) -> dict:
	"""A reply draft for staff who may answer the Issue (write access); never sent automatically."""
	frappe.get_doc("Issue", issue).check_permission("write")
	return triage_service.suggest_reply(issue)
