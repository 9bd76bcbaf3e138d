"""The voice line's Frappe side: who is calling, the call's record, and the IVR's effects.

One call = one Communication (medium Phone, type Automated Message, `message_id` = Twilio's CallSid) on the caller's Phone
thread (`conversations.thread_for(customer, "Phone", number)`), next to their SMS and email
threads; its text grows with each step (the IVR path, transfers, the queue, a callback) in French
for staff. The voice agent's turns are their own Communications on the same thread (the caller's
words recorded here, the answer by the agent runtime). Voicemails and their transcriptions are
stored first (Webhook Event, source Twilio, type voice.*) and land on the thread by
`handle_event`; the thread is then Open for staff, as a ticket.
"""

import frappe
from frappe import _
from frappe.utils import add_to_date, now_datetime

from gigafibre.messaging import conversations, recipients
from gigafibre.voice import ivr

LOG_LANG = "fr"  # the call's record is read by staff
STAFF_STATUS = "Staff Phone Status"
AVAILABLE = "Available"
STATUSES = ("Available", "Busy", "Offline")


def translate(template: str, lang: str) -> str:
	return _(template, lang=lang)


def caller(number: str | None) -> ivr.Caller:
	"""The caller as the IVR sees them: the customer reachable at this number (customer, contacts,
	service-location contacts), their language, an open outage at one of their locations (with
	its estimated end) and their balance (outstanding submitted invoices)."""
	from gigafibre.messaging.language import recipient_language
	from gigafibre.network.outages import open_outage_for

	e164 = recipients.safe_e164(number) or (number or "").strip()
	customer = recipients.find_customer_by_phone(e164)
	if not customer:
		return ivr.Caller(number=e164)
	outage, outage_end = False, None
	for location in frappe.get_all(
		"Service Location",
		filters={"customer": customer, "location_status": ("!=", "Inactive")},
		pluck="name",
		order_by="creation",
	):
		found = open_outage_for(location)
		if found:
			outage, outage_end = True, frappe.db.get_value("Outage", found, "estimated_end")
			break
	balance = frappe.db.sql(
		"""select coalesce(sum(outstanding_amount), 0) from `tabSales Invoice`
		where customer = %s and docstatus = 1""",
		customer,
	)[0][0]
	return ivr.Caller(
		number=e164,
		customer=customer,
		name=frappe.db.get_value("Customer", customer, "customer_name"),
		language=recipient_language(customer=customer),
		outage=outage,
		outage_end=frappe.utils.get_datetime(outage_end) if outage_end else None,
		balance=float(balance or 0),
	)


def open_now(now=None) -> bool:
	"""Within the opening hours of settings and not a day of the Holiday List."""
	settings = frappe.get_single("Gigafibre Settings")
	now = now or now_datetime()
	try:
		hours = ivr.parse_hours(settings.get("voice_hours"))
	except ValueError:
		frappe.log_error(title=_("Voice opening hours cannot be read"), message=settings.get("voice_hours"))
		hours = ivr.parse_hours(None)
	holidays = []
	if settings.get("voice_holiday_list"):
		holidays = frappe.get_all(
			"Holiday",
			filters={"parent": settings.voice_holiday_list, "holiday_date": now.date()},
			pluck="holiday_date",
		)
	return ivr.is_open(hours, now, holidays)


def available_staff() -> tuple[str, ...]:
	"""Softphone identities (the users) of staff marked Available, longest available first."""
	rows = frappe.get_all(
		STAFF_STATUS, filters={"status": AVAILABLE}, pluck="user", order_by="updated_at asc", limit=10
	)
	enabled = (
		set(frappe.get_all("User", filters={"name": ("in", rows), "enabled": 1}, pluck="name"))
		if rows
		else set()
	)
	return tuple(user for user in rows if user in enabled)


def set_status(user: str, status: str) -> dict:
	if status not in STATUSES:
		from gigafibre.errors import InvalidValue

		raise InvalidValue(_("Unknown status {0}: Available, Busy or Offline."), status)
	if frappe.db.exists(STAFF_STATUS, user):
		frappe.db.set_value(STAFF_STATUS, user, {"status": status, "updated_at": now_datetime()})
	else:
		frappe.get_doc(
			{"doctype": STAFF_STATUS, "user": user, "status": status, "updated_at": now_datetime()}
		).insert(ignore_permissions=True)
	return {"user": user, "status": status}


def context(form, step_lang: str | None, url, *, issue: str | None = None) -> ivr.Context:
	settings = frappe.get_single("Gigafibre Settings")
	who = caller(form.get("From"))
	lang = step_lang if step_lang in ivr.LANGUAGES else who.language
	numbers = {
		"billing": settings.get("ivr_billing_number"),
		"support": settings.get("ivr_support_number"),
		"sales": settings.get("voice_sales_number"),
		"operator": settings.get("voice_operator_number"),
	}
	return ivr.Context(
		caller=who,
		lang=lang if lang in ivr.LANGUAGES else "fr",
		now=now_datetime(),
		url=lambda step, **params: url(step, lang=params.pop("lang", lang), **params),
		open_now=open_now(),
		staff=available_staff(),
		numbers={k: v.strip() for k, v in numbers.items() if v and v.strip()},
		agent_enabled=bool(settings.get("voice_agent_enabled")),
		hold_music=(settings.get("voice_hold_music_url") or "").strip() or ivr.HOLD_MUSIC,
		issue=issue,
		translate=translate,
		twilio_transcribes=_transcription_by(settings) == "Twilio",
	)


# The call's record


def call_record(call_sid: str) -> frappe._dict | None:
	if not call_sid:
		return None
	return frappe.db.get_value(
		"Communication",
		{"message_id": call_sid, "reference_doctype": "Issue", "communication_medium": "Phone"},
		["name", "reference_name", "text_content"],
		as_dict=True,
	)


def thread_of_call(call_sid: str, who: ivr.Caller) -> str:
	"""The Issue of this call: the one its record is on, else the caller's Phone thread (the record
	created on it)."""
	record = call_record(call_sid)
	if record:
		return record.reference_name
	issue = conversations.thread_for(who.customer, "Phone", who.number)
	name = conversations.add_message(
		issue,
		_(ivr.LOG_INBOUND, lang=LOG_LANG).format(who.number),
		"Received",
		"Phone",
		message_id=call_sid or None,
	)
	# Our log of the call, not the caller's words: shown on the thread, never read by the assistant
	# as something the customer said (its history reads Communication-type messages only).
	frappe.db.set_value(
		"Communication", name, "communication_type", "Automated Message", update_modified=False
	)
	return issue


def log(call_sid: str, lines: list[tuple]) -> None:
	"""Append the plan's lines (templates + args, written in French) to the call's record."""
	record = call_record(call_sid)
	if not record or not lines:
		return
	stamp = now_datetime().strftime("%H:%M:%S")
	labels = set(ivr.DEPARTMENT_LABEL.values())
	written = [
		f"{stamp} "
		+ _(template, lang=LOG_LANG).format(*(_(a, lang=LOG_LANG) if a in labels else a for a in args))
		for template, *args in lines
	]
	old = [line for line in (record.text_content or "").split("\n") if line.strip()]
	# The first line of a new record is already the inbound line.
	if old and written and written[0].endswith(old[0]):
		written = written[1:]
	text = "\n".join(old + written)
	frappe.db.set_value(
		"Communication",
		record.name,
		{"text_content": text, "content": conversations.as_html(text)},
		update_modified=False,
	)


# Effects


def send_portal_link(who: ivr.Caller) -> bool:
	"""The portal link by SMS to the number calling (stored first in the outbox)."""
	from gigafibre.health.service import portal_base_url
	from gigafibre.portal.links import send_link

	if not (who.customer and portal_base_url()):
		return False
	try:
		send_link(who.customer, "phone", who.number)
	except Exception:
		frappe.log_error(
			title=_("Portal link not sent"), reference_doctype="Customer", reference_name=who.customer
		)
		return False
	return True


def create_callback(issue: str, who: ivr.Caller) -> str:
	"""A ToDo on the call's thread for staff to call the customer back; the thread reopened."""
	todo = frappe.get_doc(
		{
			"doctype": "ToDo",
			"description": _(
				"Call back {0} at {1} (asked while waiting in the queue).", lang=LOG_LANG
			).format(who.name or who.number, who.number),
			"reference_type": "Issue",
			"reference_name": issue,
			"priority": "High",
			"date": add_to_date(now_datetime(), hours=4).date(),
		}
	).insert(ignore_permissions=True)
	frappe.db.set_value("Issue", issue, "status", "Open")
	return todo.name


def store_event(form, event_id: str, event_type: str) -> None:
	"""A voicemail or transcription callback kept first (Webhook Event), then `handle_event`."""
	from urllib.parse import urlencode

	from gigafibre.webhooks.intake import receive

	raw = frappe.request.get_data() or urlencode(list(form.items(multi=True))).encode()
	receive(
		"Twilio",
		event_id,
		event_type,
		raw,
		dict(frappe.request.headers),
		"gigafibre.messaging.inbound.handle_twilio",
	)


def handle_event(doc) -> str | None:
	"""Webhook Event handler for the voicemail, Twilio's transcription and ours: onto the call's
	thread, once (the message id says which of the call's messages it is)."""
	from gigafibre.messaging.inbound import form_params

	suffix = {
		"voice.voicemail": "voicemail",
		"voice.transcription": "transcription",
		VOICEMAIL_TRANSCRIPTION: "transcription",
	}.get(doc.event_type)
	if suffix is None:
		return "ignored"
	params = form_params(doc.raw_body)
	sid = params.get("CallSid") or ""
	issue = thread_of_call(sid, caller(params.get("From")))
	message_id = f"{sid}:{suffix}"
	if frappe.db.exists("Communication", {"message_id": message_id, "reference_name": issue}):
		return "ignored"
	if doc.event_type == "voice.voicemail":
		text = _("Voicemail ({0} s): {1}", lang=LOG_LANG).format(
			params.get("RecordingDuration") or "0", params.get("RecordingUrl") or ""
		)
	elif doc.event_type == "voice.transcription":
		text = _("Voicemail transcription: {0}", lang=LOG_LANG).format(
			(params.get("TranscriptionText") or "").strip()
		)
	else:
		text = transcribe(issue, params.get("RecordingUrl"))
		if text is None:
			return "ignored"
	conversations.add_message(issue, text, "Received", "Phone", message_id=message_id)
	frappe.db.set_value("Issue", issue, "status", "Open")
	if doc.event_type == "voice.voicemail" and _transcription_by() == "Gemini":
		_store_transcription(doc, sid)
	return None


def _transcription_by(settings=None) -> str:
	"""Who transcribes voicemails: from the settings doc the caller already has, else read."""
	chosen = (
		settings.get("voicemail_transcription")
		if settings
		else frappe.db.get_single_value("Gigafibre Settings", "voicemail_transcription")
	)
	return chosen or "Gemini"


# Voicemails transcribed by Gemini (voice/voicemail.py): a Webhook Event of its own, stored with the
# voicemail's, so a transcription that fails (Gemini down, over its cap, Twilio slow to serve the
# recording) is retried by the intake without holding the voicemail back.
VOICEMAIL_TRANSCRIPTION = "voice.voicemail_transcription"


def _store_transcription(voicemail, sid: str) -> None:
	from gigafibre.webhooks.intake import receive

	receive(
		"Twilio",
		f"{sid}:gemini-transcription",
		VOICEMAIL_TRANSCRIPTION,
		voicemail.raw_body,
		{},
		"gigafibre.messaging.inbound.handle_twilio",
	)


def transcribe(issue: str, recording_url: str | None) -> str | None:
	"""The voicemail's words as the thread shows them, or None when there are none (silence).
	A failure that trying later may cure raises, and the intake retries the event."""
	from gigafibre.ai.service import ask
	from gigafibre.errors import ServiceError
	from gigafibre.voice import voicemail

	settings = frappe.get_single("Gigafibre Settings")
	url = voicemail.media_url(recording_url, settings.twilio_api_base)
	audio = voicemail.fetch_recording(
		url,
		settings.twilio_account_sid or "",
		settings.get_password("twilio_auth_token", raise_exception=False) or "",
	)

	def call(client):
		from google.genai import types

		part = types.Part.from_bytes(data=audio, mime_type=voicemail.MIME)
		return client.structured([part, voicemail.PROMPT], voicemail.Transcript, system=voicemail.SYSTEM)

	try:
		answer = ask(
			"Voicemail", call, reference_doctype="Issue", reference_name=issue, channel="Phone"
		).value
	except ServiceError as err:
		raise ServiceError(
			_("The voicemail could not be transcribed: {0}"), _(err.message).format(*err.args_)
		) from err
	if not answer.text:
		return None
	text = _("Voicemail transcription: {0}", lang=LOG_LANG).format(answer.text)
	if answer.summary_fr:
		text += "\n" + _("In short: {0}", lang=LOG_LANG).format(answer.summary_fr)
	return text


def agent_answer(issue: str, speech: str):
	"""The caller's words on the thread, then the agent's answer (contract of ai.agent_service);
	any failure is a hand-off without words."""
	from gigafibre.ai.agent import AgentAnswer

	conversations.add_message(issue, speech, "Received", "Phone")
	frappe.db.savepoint("gigafibre_voice_agent")
	try:
		from gigafibre.ai import agent_service

		return agent_service.answer(issue, speech, channel="Phone")
	except Exception:
		frappe.db.rollback(save_point="gigafibre_voice_agent")
		frappe.log_error(title=_("Voice assistant failed"), reference_doctype="Issue", reference_name=issue)
		return AgentAnswer(text="", handed_off=True, summary=None)
