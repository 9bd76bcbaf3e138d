"""The voice line: Twilio's voice webhooks (the IVR), staff softphone tokens and status, the SIP pool.

Twilio's number → `inbound`; every next step → `step?s=<step>&lang=<fr|en>` (the URLs the IVR
puts in its TwiML). Each webhook checks `X-Twilio-Signature` as the SMS webhook does (the
configured public URL + our path and query, `messaging.twilio_webhooks.verify_signature`) before
anything else: a bad or missing signature answers 403 and stores nothing. The logic is the pure
state machine `gigafibre.voice.ivr`; `gigafibre.voice.service` reads the caller and keeps the
call's record; this module only joins them.
"""

import dataclasses

import frappe
from frappe import _
from frappe.rate_limiter import rate_limit
from werkzeug.wrappers import Response

from gigafibre.errors import ServiceError
from gigafibre.messaging import twilio_webhooks as core
from gigafibre.roles import MANAGER_ROLES, STAFF_ROLES
from gigafibre.validation import user_errors
from gigafibre.voice import ivr, service

BASE_PATH = "/api/method/gigafibre.api.voice"
# Who takes calls on a softphone: the staff roles and ERPNext's support team.
PHONE_ROLES = STAFF_ROLES | {"Support Team"}


class BadVoiceSignature(frappe.ValidationError):
	"""A voice webhook whose signature does not verify: 403, nothing stored."""

	http_status_code = 403


class VoiceUnavailable(frappe.ValidationError):
	http_status_code = 503


def _xml(body: str) -> Response:
	return Response(body, status=200, mimetype="text/xml")


def _verified():
	from gigafibre.api.webhooks.twilio import _verified as verified_twilio

	return verified_twilio(exc=BadVoiceSignature)


def _url_maker(settings):
	from urllib.parse import urlencode

	base = settings.twilio_public_url.strip()

	def url(step: str, **params) -> str:
		query = urlencode({"s": step, **{k: v for k, v in params.items() if v is not None}})
		return core.public_url(base, f"{BASE_PATH}.step", query)

	return url


def _run(form, settings, step: str, lang: str | None, args) -> str:
	"""The step's plan, its effects and the call's record, as Administrator once the signature
	proved Twilio sent the request (as the intake's handlers run); the session is restored after."""
	previous = frappe.session.user
	frappe.set_user("Administrator")
	try:
		return _run_as_admin(form, settings, step, lang, args)
	finally:
		frappe.set_user(previous)


def _run_as_admin(form, settings, step: str, lang: str | None, args) -> str:
	sid = form.get("CallSid") or ""
	url = _url_maker(settings)
	who_ctx = service.context(form, lang, url)
	issue = service.thread_of_call(sid, who_ctx.caller) if sid else None
	ctx = dataclasses.replace(who_ctx, issue=issue)
	plan = _plan(ctx, step, form, args, issue)
	service.log(sid, plan.log)
	return plan.twiml


def _plan(ctx: ivr.Context, step: str, form, args, issue: str | None) -> ivr.Plan:
	if step == "start":
		return ivr.start(ctx)
	if step == "menu":
		return ivr.menu(ctx)
	if step == "choose":
		return ivr.choose(ctx, form.get("Digits"), form.get("SpeechResult"))
	if step == "billing":
		plan = ivr.billing(ctx, form.get("Digits"))
		if ("portal_link", {}) in plan.effects:
			plan = ivr.billing(ctx, form.get("Digits"), link_sent=service.send_portal_link(ctx.caller))
		return plan
	if step == "agent":
		speech = (form.get("SpeechResult") or "").strip()
		if not speech or not issue:
			return ivr.agent_listen(ctx, _int(args.get("miss")))
		answer = service.agent_answer(issue, speech)
		plan = ivr.agent_turn(ctx, answer.text, answer.handed_off)
		if answer.handed_off and answer.summary:
			plan.log.insert(0, (ivr.LOG_SUMMARY, answer.summary))
		return plan
	if step == "dialed":
		return ivr.dialed(ctx, args.get("dept") or "operator", form.get("DialCallStatus"))
	if step == "wait":
		return ivr.wait(ctx, form.get("QueuePosition"))
	if step == "queue":
		plan = ivr.queue(ctx, form.get("Digits"))
		if ("callback", {}) in plan.effects and issue:
			service.create_callback(issue, ctx.caller)
		return plan
	if step == "recorded":
		plan = ivr.recorded(ctx, form.get("RecordingUrl"), form.get("RecordingDuration"))
		if plan.effects:
			service.store_event(form, f"{form.get('CallSid')}:voicemail", "voice.voicemail")
		return plan
	if step == "transcribed":
		plan = ivr.transcribed(ctx, form.get("TranscriptionText"), form.get("TranscriptionStatus"))
		if plan.effects:
			service.store_event(form, f"{form.get('CallSid')}:transcription", "voice.transcription")
		return plan
	if step == "status":
		return ivr.ended(ctx, form.get("CallStatus"), form.get("CallDuration"))
	return ivr.menu(ctx)


def _int(value) -> int:
	try:
		return int(value or 0)
	except (TypeError, ValueError):
		return 0


@frappe.whitelist(allow_guest=True, methods=["POST"])
@rate_limit(limit=600, seconds=60)
def inbound() -> Response:
	"""A call to our number: the greeting (an outage first), then the menu or the voicemail."""
	form, settings = _verified()
	return _xml(_run(form, settings, "start", None, {}))


@frappe.whitelist(allow_guest=True, methods=["POST"])
@rate_limit(limit=1200, seconds=60)
def step() -> Response:
	"""Every next step of a call (`s` in the query string, as the IVR's URLs carry it)."""
	form, settings = _verified()
	args = frappe.request.args
	name = args.get("s") or "menu"
	return _xml(_run(form, settings, name, args.get("lang"), args))


@frappe.whitelist(allow_guest=True, methods=["POST"])
@rate_limit(limit=600, seconds=60)
def outgoing() -> Response:
	"""The softphones' TwiML App: `To` "queue:<department>" answers the next caller waiting there,
	an E.164 number is dialed with our number as caller ID. Only from a staff softphone."""
	form, settings = _verified()
	identity = (form.get("From") or "").removeprefix("client:")
	if not (identity and PHONE_ROLES & set(frappe.get_roles(identity))):
		return _xml(core.empty_voice_response())
	from twilio.twiml.voice_response import Dial, VoiceResponse

	target = (form.get("To") or "").strip()
	response = VoiceResponse()
	if target.startswith("queue:"):
		dial = Dial()
		dial.queue(ivr.QUEUE.format(target.removeprefix("queue:") or "operator"))
		response.append(dial)
	else:
		from gigafibre.messaging.recipients import safe_e164

		number = safe_e164(target)
		if number:
			response.dial(number, caller_id=(settings.get("twilio_from_number") or "").strip() or None)
	return _xml(str(response))


# Staff softphones


def _require(roles: frozenset, message: str) -> str:
	user = frappe.session.user
	if user == "Guest" or not roles & set(frappe.get_roles(user)):
		frappe.throw(message, exc=frappe.PermissionError)
	return user


@frappe.whitelist(methods=["GET", "POST"])
@rate_limit(limit=60, seconds=60)
def token() -> dict:
	"""A short-lived Twilio AccessToken with a VoiceGrant for the signed-in staff member's softphone
	(identity = the user): outgoing calls through the TwiML App, incoming calls allowed."""
	from twilio.jwt.access_token import AccessToken
	from twilio.jwt.access_token.grants import VoiceGrant

	user = _require(PHONE_ROLES, _("Only staff can use the softphone."))
	settings = frappe.get_single("Gigafibre Settings")
	account = (settings.get("twilio_account_sid") or "").strip()
	key = (settings.get("twilio_api_key_sid") or "").strip()
	secret = settings.get_password("twilio_api_key_secret", raise_exception=False) or ""
	app = (settings.get("twilio_twiml_app_sid") or "").strip()
	if not (account and key and secret and app):
		frappe.throw(
			_("The softphone is not configured: set the Twilio API key, its secret and the TwiML App."),
			exc=VoiceUnavailable,
		)
	ttl = max(60, min(int(settings.get("voice_token_minutes") or 60), 24 * 60) * 60)
	access = AccessToken(account, key, secret, identity=user, ttl=ttl)
	access.add_grant(VoiceGrant(outgoing_application_sid=app, incoming_allow=True))
	jwt = access.to_jwt()
	return {"token": jwt.decode() if isinstance(jwt, bytes) else jwt, "identity": user, "ttl": ttl}


@frappe.whitelist(methods=["POST"])
@rate_limit(limit=120, seconds=60)
def set_status(status: str) -> dict:
	"""The signed-in staff member's softphone status: Available (rung by the IVR), Busy or Offline."""
	user = _require(PHONE_ROLES, _("Only staff can use the softphone."))
	with user_errors():
		return service.set_status(user, status)


# The SIP pool (desk buttons on Phone Number and SIP Extension)


def _pool(call, *args):
	_require(MANAGER_ROLES, _("Only a Gigafibre Manager can assign or free numbers and extensions."))
	with user_errors():
		try:
			return call(*args)
		except ServiceError as err:
			frappe.throw(_(err.message).format(*err.args_), exc=VoiceUnavailable, title=_("Routr"))


@frappe.whitelist(methods=["POST"])
@rate_limit(limit=60, seconds=60)
def assign_number(number: str, user: str, device: str | None = None) -> dict:
	from gigafibre.voice import pool

	return _pool(pool.assign_number, number, user, device)


@frappe.whitelist(methods=["POST"])
@rate_limit(limit=60, seconds=60)
def free_number(number: str) -> dict:
	from gigafibre.voice import pool

	return _pool(pool.free_number, number)


@frappe.whitelist(methods=["POST"])
@rate_limit(limit=60, seconds=60)
def assign_extension(extension: str, user: str, device: str | None = None) -> dict:
	from gigafibre.voice import pool

	return _pool(pool.assign_extension, extension, user, device)


@frappe.whitelist(methods=["POST"])
@rate_limit(limit=60, seconds=60)
def free_extension(extension: str) -> dict:
	from gigafibre.voice import pool

	return _pool(pool.free_extension, extension)
