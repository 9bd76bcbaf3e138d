"""Twilio webhooks: inbound SMS, delivery status; inbound voice at its older address goes to the
voice line (gigafibre.api.voice).

Each checks `X-Twilio-Signature` against the public URL Twilio called (the configured
`twilio_public_url` + our path) before anything else; a bad or missing signature answers 400 and
stores nothing. SMS and status events are stored once (Webhook Event) and processed in the
background; the answer is TwiML (`text/xml`).
"""

from urllib.parse import urlencode

import frappe
from frappe import _
from frappe.rate_limiter import rate_limit
from werkzeug.wrappers import Response

from gigafibre.messaging import twilio_webhooks as core
from gigafibre.webhooks.intake import BadSignature, receive

BASE_PATH = "/api/method/gigafibre.api.webhooks.twilio"
# Also the `gigafibre_webhook_handlers` entry for "Twilio", so retries find it.
HANDLER = "gigafibre.messaging.inbound.handle_twilio"


def _xml(body: str) -> Response:
	return Response(body, status=200, mimetype="text/xml")


def _verified(exc: type[Exception] = BadSignature) -> tuple[dict, "frappe.model.document.Document"]:
	"""The POST parameters, once the signature proves Twilio sent them; `exc` otherwise (BadSignature,
	400; the voice line passes its 403)."""
	settings = frappe.get_single("Gigafibre Settings")
	base = (settings.twilio_public_url or "").strip()
	token = settings.get_password("twilio_auth_token", raise_exception=False)
	if not (base and token):
		frappe.throw(
			_("Twilio webhooks are not configured: set the Twilio public URL and auth token."),
			exc=exc,
		)
	request = frappe.request
	url = core.public_url(base, request.path, request.query_string)
	if not core.verify_signature(token, url, request.form, request.headers.get("X-Twilio-Signature")):
		frappe.throw(_("The Twilio signature does not match this request."), exc=exc)
	return request.form, settings


def _raw_body(form) -> bytes:
	return frappe.request.get_data() or urlencode(list(form.items(multi=True))).encode()


def _stored(form, event_id: str, event_type: str) -> Response:
	"""Keep the message in Webhook Event (processed in the background) and answer Twilio at once."""
	receive("Twilio", event_id, event_type, _raw_body(form), dict(frappe.request.headers), HANDLER)
	return _xml(core.empty_messaging_response())


@frappe.whitelist(allow_guest=True, methods=["POST"])
@rate_limit(limit=600, seconds=60)
def sms() -> Response:
	"""Inbound SMS: stored, then `gigafibre.messaging.inbound.handle_sms` in the background (via handle_twilio)."""
	form, _settings = _verified()
	return _stored(form, form.get("MessageSid") or form.get("SmsSid") or "", "sms.received")


@frappe.whitelist(allow_guest=True, methods=["POST"])
@rate_limit(limit=600, seconds=60)
def status() -> Response:
	"""Delivery status: one stored event per message and status."""
	form, _settings = _verified()
	sid = form.get("MessageSid") or form.get("SmsSid") or ""
	state = (form.get("MessageStatus") or form.get("SmsStatus") or "").lower()
	return _stored(form, f"{sid}:{state}" if sid else "", f"sms.status.{state}")


@frappe.whitelist(allow_guest=True, methods=["POST"])
@rate_limit(limit=600, seconds=60)
def voice() -> Response:
	"""Inbound call at this older address: the voice line's IVR (gigafibre.api.voice.inbound), which
	checks the signature against the URL Twilio called, this one."""
	from gigafibre.api import voice as voice_line

	form, settings = voice_line._verified()
	return voice_line._xml(voice_line._run(form, settings, "start", None, {}))


@frappe.whitelist(allow_guest=True, methods=["POST"])
@rate_limit(limit=600, seconds=60)
def gather() -> Response:
	"""A menu digit posted to this older address: the voice line's menu choice."""
	from gigafibre.api import voice as voice_line

	form, settings = voice_line._verified()
	return voice_line._xml(voice_line._run(form, settings, "choose", None, {}))
