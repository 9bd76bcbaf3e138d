"""Conversations: one open thread per customer, channel and contact, on ERPNext's Issue.

Each message is a Communication referencing the Issue and linked (timeline) to the customer.
A staff reply leaves by the thread's channel: SMS through Twilio, Email through the outgoing
mail queue, Portal as the Communication the portal reads.
"""

import html
import re

import frappe
from frappe import _
from frappe.utils import now_datetime

from gigafibre.errors import ServiceError
from gigafibre.messaging.recipients import safe_e164

CHANNELS = ("SMS", "Email", "Portal", "Phone")
MEDIUM = {"SMS": "SMS", "Email": "Email", "Portal": "Chat", "Phone": "Phone"}
CLOSED_STATUSES = ("Resolved", "Closed")
# Staff read the desk in French; the subject is stored, so it is written in French.
SUBJECT_LANG = "fr"


def normalize_contact(channel: str, contact: str) -> str:
	if channel not in CHANNELS:
		frappe.throw(_("Unknown conversation channel {0}.").format(channel))
	contact = (contact or "").strip()
	if channel in ("SMS", "Phone"):
		contact = safe_e164(contact) or contact
	elif channel == "Email":
		contact = contact.lower()
	return contact


def open_thread(customer: str | None, channel: str, contact: str) -> str | None:
	filters = {
		"gigafibre_channel": channel,
		"gigafibre_contact": normalize_contact(channel, contact),
		"status": ("not in", CLOSED_STATUSES),
		"customer": customer or ("is", "not set"),
	}
	found = frappe.get_all("Issue", filters=filters, pluck="name", order_by="creation desc", limit=1)
	return found[0] if found else None


def thread_for(customer: str | None, channel: str, contact: str) -> str:
	"""The open Issue of this customer, channel and contact; a new one when there is none."""
	contact = normalize_contact(channel, contact)
	existing = open_thread(customer, channel, contact)
	if existing:
		return existing
	who = (customer and frappe.db.get_value("Customer", customer, "customer_name")) or contact
	issue = frappe.get_doc(
		{
			"doctype": "Issue",
			"subject": _("{0} conversation with {1}", lang=SUBJECT_LANG).format(
				_(channel, lang=SUBJECT_LANG), who
			)[:140],
			"customer": customer,
			"gigafibre_channel": channel,
			"gigafibre_contact": contact,
			"raised_by": contact if channel == "Email" else None,
			"via_customer_portal": 0,
		}
	)
	issue.insert(ignore_permissions=True)
	return issue.name


def as_html(text: str) -> str:
	"""What a person typed, as the HTML the desk shows it in: escaped exactly once (only the
	characters HTML needs: an apostrophe stays an apostrophe), line breaks kept. The text itself is
	stored beside it, in `text_content`."""
	return html.escape(text, quote=False).replace("\n", "<br>")


_html = as_html


def as_text(text_content: str | None, content: str | None) -> str:
	"""A message's plain text: what was typed (`text_content`), else its HTML read back as text
	(messages that did not come through `add_message`, such as received email)."""
	if text_content:
		return text_content
	content = re.sub(r"(?i)<br\s*/?>|</p>", "\n", content or "")
	return html.unescape(re.sub(r"<[^>]+>", "", content)).strip()


def add_message(
	issue: str,
	text: str,
	sent_or_received: str,
	channel: str,
	sender: str | None = None,
	*,
	message_id: str | None = None,
	delivery_status: str | None = None,
	communication_date=None,
) -> str:
	"""A Communication on the thread, linked to its customer's timeline; its name."""
	if sent_or_received not in ("Sent", "Received"):
		frappe.throw(_("A message is either Sent or Received."))
	thread = frappe.db.get_value(
		"Issue", issue, ["name", "subject", "customer", "gigafibre_contact"], as_dict=True
	)
	if not thread:
		frappe.throw(_("Conversation {0} does not exist.").format(issue), frappe.DoesNotExistError)
	values = {
		"doctype": "Communication",
		"communication_type": "Communication",
		"communication_medium": MEDIUM.get(channel, "Other"),
		"sent_or_received": sent_or_received,
		"subject": thread.subject,
		"content": _html(text or ""),
		"text_content": text or "",
		"reference_doctype": "Issue",
		"reference_name": thread.name,
		"communication_date": communication_date or now_datetime(),
		"message_id": message_id,
		"delivery_status": delivery_status,
	}
	if channel in ("SMS", "Phone"):
		values["phone_no"] = thread.gigafibre_contact
	if channel == "Email" and sender:
		values["sender"] = sender
	elif sent_or_received == "Sent" and frappe.session.user != "Guest":
		values["sender"] = frappe.session.user
	if sent_or_received == "Received":
		values["sender_full_name"] = (
			(thread.customer and frappe.db.get_value("Customer", thread.customer, "customer_name"))
			or sender
			or thread.gigafibre_contact
		)
	elif channel == "Email":
		values["recipients"] = thread.gigafibre_contact
	communication = frappe.get_doc(values)
	if thread.customer:
		communication.append("timeline_links", {"link_doctype": "Customer", "link_name": thread.customer})
	communication.insert(ignore_permissions=True)
	return communication.name


def reply(issue: str, text: str) -> str:
	"""A staff reply, sent by the thread's channel and recorded on it; the Communication's name."""
	text = (text or "").strip()
	if not text:
		frappe.throw(_("The reply has no text."))
	thread = frappe.db.get_value(
		"Issue", issue, ["name", "subject", "status", "gigafibre_channel", "gigafibre_contact"], as_dict=True
	)
	if not thread:
		frappe.throw(_("Conversation {0} does not exist.").format(issue), frappe.DoesNotExistError)
	channel = thread.gigafibre_channel or "Portal"
	if channel == "Phone":
		frappe.throw(_("A phone conversation cannot be answered in writing: call the customer back."))
	if channel in ("SMS", "Email") and not thread.gigafibre_contact:
		frappe.throw(_("Conversation {0} has no phone number or email to answer.").format(issue))

	frappe.db.savepoint("gigafibre_reply")
	from gigafibre.ai.agent_service import staff_replied

	staff_replied(thread.name)  # a person answers: the assistant leaves the thread to them
	name = add_message(
		thread.name, text, "Sent", channel, delivery_status="Sending" if channel != "Portal" else None
	)
	if channel == "SMS":
		from gigafibre.messaging.service import send_sms

		try:
			sent = send_sms(thread.gigafibre_contact, text)
		except ServiceError as err:
			frappe.db.rollback(save_point="gigafibre_reply")  # no record of a message that did not leave
			frappe.throw(_(err.message).format(*err.args_), title=_("SMS not sent"))
		frappe.db.set_value("Communication", name, "message_id", sent.sid)
	elif channel == "Email":
		frappe.sendmail(
			recipients=[thread.gigafibre_contact],
			subject=_("Re: {0}", lang=SUBJECT_LANG).format(thread.subject),
			message=_html(text),
			reference_doctype="Issue",
			reference_name=thread.name,
			communication=name,
		)
		frappe.db.set_value("Communication", name, "delivery_status", "Sent")
	if thread.status == "Open":
		frappe.db.set_value("Issue", thread.name, "status", "Replied")
	return name
