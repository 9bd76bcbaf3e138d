"""Background handlers for stored messaging webhooks (Twilio SMS and status, 3CX calls).

Each takes the Webhook Event document (see `gigafibre.webhooks.intake`) and returns None
(processed) or "ignored".
"""

import json
from urllib.parse import parse_qsl

import frappe
from frappe import _

from gigafibre.messaging import conversations, recipients
from gigafibre.messaging.pbx_events import parse_call_event
from gigafibre.messaging.service import set_opt_out
from gigafibre.messaging.twilio_webhooks import keyword, next_delivery_status
from gigafibre.validation import user_errors

CONTENT_LANG = "fr"


def form_params(raw_body: str | None) -> dict[str, str]:
	return dict(parse_qsl(raw_body or "", keep_blank_values=True))


def handle_twilio(doc) -> str | None:
	"""The `gigafibre_webhook_handlers` entry for "Twilio": one handler per source, routed by event type."""
	if (doc.event_type or "").startswith("sms.status"):
		return handle_status(doc)
	if doc.event_type == "sms.received":
		return handle_sms(doc)
	if (doc.event_type or "").startswith("voice."):
		from gigafibre.voice.service import handle_event

		return handle_event(doc)
	return "ignored"


def handle_sms(doc) -> str | None:
	"""Inbound SMS: onto the sender's open SMS thread; STOP/START recorded on the customer."""
	params = form_params(doc.raw_body)
	sender = recipients.safe_e164(params.get("From")) or (params.get("From") or "").strip()
	if not sender:
		return "ignored"
	body = params.get("Body") or ""
	media = int(params.get("NumMedia") or 0)
	if media:
		body = (body + "\n" + _("({0} attachment(s) not shown)", lang=CONTENT_LANG).format(media)).strip()
	customer = recipients.find_customer_by_phone(sender)
	issue = conversations.thread_for(customer, "SMS", sender)
	conversations.add_message(issue, body, "Received", "SMS", sender, message_id=params.get("MessageSid"))
	match keyword(params.get("Body")):
		case "opt_out":
			set_opt_out(sender, True)
		case "opt_in":
			set_opt_out(sender, False)
		case _:
			# The assistant answers a known customer when it is on for SMS (gigafibre/ai/agent_service.py).
			from gigafibre.ai.agent_service import on_customer_message

			on_customer_message(issue, "SMS")
	return None


def handle_status(doc) -> str | None:
	"""Delivery status callback: the status of the Communication that carried the SID."""
	params = form_params(doc.raw_body)
	sid = params.get("MessageSid") or params.get("SmsSid")
	status = params.get("MessageStatus") or params.get("SmsStatus")
	name = sid and frappe.db.get_value("Communication", {"message_id": sid}, ["name", "delivery_status"])
	if not name:
		return "ignored"  # an SMS sent outside a conversation (flows, technician links)
	name, current = name
	new = next_delivery_status(current, status)
	if new:
		frappe.db.set_value("Communication", name, "delivery_status", new)
	return None


def _call_payload(raw_body: str | None) -> dict:
	text = (raw_body or "").strip()
	if text.startswith("{"):
		payload = json.loads(text)
		return payload if isinstance(payload, dict) else {}
	return form_params(text)


def describe_call(event, number: str | None = None) -> str:
	minutes, seconds = divmod(event.duration_seconds, 60)
	template = (
		_("Incoming call from {0}", lang=CONTENT_LANG)
		if event.direction == "inbound"
		else _("Outgoing call to {0}", lang=CONTENT_LANG)
	)
	parts = [
		template.format(number or event.number or _("unknown number", lang=CONTENT_LANG)),
		_("state: {0}", lang=CONTENT_LANG).format(event.state),
		_("duration: {0} min {1} s", lang=CONTENT_LANG).format(minutes, seconds),
	]
	if event.agent:
		parts.append(_("agent: {0}", lang=CONTENT_LANG).format(event.agent))
	return " — ".join(parts)


def handle_call(doc) -> str | None:
	"""3CX call event: one Phone Communication per call, on the caller's Phone thread, updated as it goes."""
	with user_errors():
		event = parse_call_event(_call_payload(doc.raw_body))
	message_id = f"3cx:{event.call_id}"
	number = recipients.safe_e164(event.number) or event.number
	text = describe_call(event, number)
	existing = frappe.db.get_value("Communication", {"message_id": message_id}, "name")
	if existing:
		frappe.db.set_value(
			"Communication", existing, {"content": conversations._html(text), "text_content": text}
		)
		return None
	if not number:
		return "ignored"
	customer = recipients.find_customer_by_phone(number)
	issue = conversations.thread_for(customer, "Phone", number)
	conversations.add_message(
		issue,
		text,
		"Received" if event.direction == "inbound" else "Sent",
		"Phone",
		message_id=message_id,
	)
	return None
