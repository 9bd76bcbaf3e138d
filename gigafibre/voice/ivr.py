"""The voice IVR as a state machine (pure, no Frappe): caller context + step + digits/speech → a Plan.

A Plan is the TwiML to answer Twilio with, the lines for the call's record (English templates
with their arguments: the shell writes them in French for staff) and the effects the shell must
perform (send the portal link by SMS, create a callback, record a voicemail or a transcription,
ask the agent). Every prompt goes through `ctx.say(template)` — the shell passes `translate(template, lang)`
(`frappe._(template, lang=lang)`), pytest an identity or a dict.

Steps (the `step` the shell got from the URL Twilio called):
  start → the greeting: an ongoing outage at the caller's address first (with its estimated end,
          or "not known yet"), then the menu, or the voicemail when closed.
  menu → one digit or a few words gathered, posted to `choose`.
  choose → billing (1), technical support (2), sales (3), an agent (0), the other language (9).
          A caller who is not a customer gets sales and an agent only.
  billing → after the balance: 1 the portal link by SMS, 0 an agent, else the menu.
  agent → one spoken turn of the voice agent (the shell asks the agent first, see `agent_turn`).
  dialed → the outcome of a transfer: answered ends the call, otherwise the queue.
  wait → the queue's hold (Enqueue waitUrl): position, hold music and the callback offer.
  queue → a digit pressed on hold: 1 creates a callback and ends the call.
  recorded / transcribed → the voicemail and its transcription (effects only).
  status → Twilio's call status callback: the end of the call on its record.
"""

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time

from twilio.twiml.voice_response import Client, Dial, Gather, VoiceResponse

from gigafibre.i18n import _

LANGUAGES = ("fr", "en")
# Twilio's speech recognition language and the Amazon Polly voice for each of ours.
SPEECH = {"fr": "fr-CA", "en": "en-US"}
VOICE = {"fr": "Polly.Chantal", "en": "Polly.Joanna"}
DEFAULT_HOURS = "mon-fri 08:00-20:00; sat 09:00-17:00"
HOLD_MUSIC = "http://com.twilio.music.classical.s3.amazonaws.com/BusyStrings.mp3"
DEPARTMENTS = ("billing", "support", "sales", "operator")
QUEUE = "gigafibre-{0}"
MAX_AGENT_SILENCES = 2
DIAL_TIMEOUT = 25

CUSTOMER_DIGITS = {"1": "billing", "2": "support", "3": "sales", "0": "operator", "9": "language"}
GUEST_DIGITS = {"3": "sales", "0": "operator", "9": "language"}
# Words a caller may say instead of a digit (accents and case folded before matching).
WORDS = (
	("language", r"\b(?:english|anglais|francais|french)\b"),
	("operator", r"\b(?:agent|operat\w*|personne|humain|representant\w*|person|human|representative)\b"),
	("billing", r"\b(?:factur\w*|solde|paiement|payer|compte|bill\w*|balance|pay\w*)\b"),
	("support", r"\b(?:soutien|techni\w*|internet|panne|connexion|wifi|support|outage)\b"),
	("sales", r"\b(?:vente\w*|abonne\w*|forfait\w*|sales?|subscri\w*|buy|plan)\b"),
)
WEEKDAYS = {
	"mon": 0,
	"tue": 1,
	"wed": 2,
	"thu": 3,
	"fri": 4,
	"sat": 5,
	"sun": 6,
	"lun": 0,
	"mar": 1,
	"mer": 2,
	"jeu": 3,
	"ven": 4,
	"sam": 5,
	"dim": 6,
}

# The script. Templates only: the shell says them in the call's language.
GREETING = _("Hello and thank you for calling Gigafibre.")
GREETING_NAMED = _("Hello {0}, thank you for calling Gigafibre.")
OUTAGE = _("An outage is currently affecting the service at your address. Our team is working on it.")
OUTAGE_END_TODAY = _("Service should be restored around {0}.")
OUTAGE_END_LATER = _("Service should be restored on {0} around {1}.")
OUTAGE_END_UNKNOWN = _("We do not know yet when service will be restored.")
MENU_CUSTOMER = _(
	"For billing, press 1 or say billing. For technical support, press 2. For sales, press 3. To speak with an agent, press 0."
)
MENU_GUEST = _("For sales, press 3 or say sales. To speak with an agent, press 0.")
# Each said in the language it offers.
OFFER_ENGLISH = _("For service in English, press 9.")
OFFER_FRENCH = _("For service in French, press 9.")
NO_INPUT = _("We did not receive your choice. Goodbye.")
INVALID = _("That choice is not valid.")
BALANCE = _("The balance on your account is {0} dollars.")
NO_BALANCE = _("Your account has no balance owing.")
BILLING_MENU = _(
	"To receive the link to your customer portal by text message, press 1. To speak with an agent, press 0."
)
LINK_SENT = _("We have sent you the link to your customer portal by text message.")
LINK_NOT_SENT = _("We could not send you the link by text message.")
TRANSFER = _("Please hold while we transfer your call.")
UNAVAILABLE = _(
	"No one can take your call right now. Please text us at this number and we will answer you as soon as possible. Goodbye."
)
ON_HOLD = _("All our agents are busy. You are number {0} in line.")
CALLBACK_OFFER = _("To be called back instead of waiting, press 1.")
CALLBACK_DONE = _("Thank you. We will call you back as soon as possible. Goodbye.")
CLOSED = _(
	"Our offices are closed. Please leave a message after the tone with your name and the reason for your call, then press the pound key."
)
NO_MESSAGE = _("We did not receive a message. Goodbye.")
VOICEMAIL_THANKS = _("Thank you, your message was recorded. We will call you back. Goodbye.")
AGENT_HELLO = _("Our virtual assistant is listening. How can we help you?")
AGENT_AGAIN = _("Sorry, I did not hear you. How can we help you?")
ANYTHING_ELSE = _("Is there anything else?")

# What the call's record says (staff read it in French).
LOG_INBOUND = _("Incoming call from {0}")
LOG_LANGUAGE = _("Language: {0}")
LOG_OUTAGE = _("Outage announced")
LOG_MENU = _("Menu: {0}")
LOG_BALANCE = _("Balance read back: {0}")
LOG_LINK = _("Portal link sent by SMS")
LOG_AGENT = _("Voice assistant")
LOG_TRANSFER = _("Transferred to {0}")
LOG_TRANSFER_NUMBER = _("Transferred to {0} at {1}")
LOG_QUEUE = _("Waiting in queue {0}")
LOG_DIAL = _("Transfer outcome: {0}")
LOG_CALLBACK = _("Callback requested")
LOG_CLOSED = _("After hours: voicemail")
LOG_VOICEMAIL = _("Voicemail recorded ({0} s): {1}")
LOG_INVALID = _("Invalid choice: {0}")
LOG_SUMMARY = _("Assistant summary: {0}")
LOG_ENDED = _("Call ended: {0}, {1} s")
LOG_NO_ONE = _("No one available: caller asked to text")

DEPARTMENT_LABEL = {
	"billing": _("billing"),
	"support": _("technical support"),
	"sales": _("sales"),
	"operator": _("an agent"),
	"language": _("other language"),
}


@dataclass(frozen=True)
class Caller:
	"""Who is calling, as the shell found them from the number Twilio gave."""

	number: str
	customer: str | None = None
	name: str | None = None
	language: str = "fr"
	outage: bool = False
	outage_end: datetime | None = None
	balance: float | None = None

	@property
	def is_customer(self) -> bool:
		return bool(self.customer)


@dataclass(frozen=True)
class Context:
	caller: Caller
	lang: str
	now: datetime
	url: Callable[..., str]  # url(step, **params) -> the absolute URL Twilio calls next (lang added)
	open_now: bool = True
	staff: tuple[str, ...] = ()  # softphone identities of the staff available now
	numbers: dict = field(
		default_factory=dict
	)  # department -> number to dial when no staff is on a softphone
	agent_enabled: bool = False
	hold_music: str = HOLD_MUSIC
	issue: str | None = None  # the call's conversation thread, passed to the softphone
	twilio_transcribes: bool = False  # Twilio's transcription (English only) instead of Gemini's
	translate: Callable[[str, str], str] = lambda template, lang: template

	def say(self, template: str, lang: str | None = None) -> str:
		return self.translate(template, lang or self.lang)


@dataclass
class Plan:
	twiml: str
	log: list[tuple] = field(default_factory=list)  # (template, *args)
	effects: list[tuple] = field(default_factory=list)  # (name, {args})


class _Builder:
	"""A VoiceResponse speaking in the call's language with its voice."""

	def __init__(self, ctx: Context):
		self.ctx = ctx
		self.response = VoiceResponse()
		self.plan = Plan(twiml="")

	def say(self, template: str, *args, into=None) -> None:
		text = self.ctx.say(template)
		if args:
			text = text.format(*args)
		(into or self.response).say(text, language=SPEECH[self.ctx.lang], voice=VOICE[self.ctx.lang])

	def log(self, template: str, *args) -> None:
		self.plan.log.append((template, *args))

	def effect(self, name: str, **args) -> None:
		self.plan.effects.append((name, args))

	def gather(self, action: str, *, speech: bool = True, digits: int = 1, speech_only: bool = False, **kw):
		options = {
			"action": action,
			"method": "POST",
			"language": SPEECH[self.ctx.lang],
			"timeout": 6,
		}
		if speech_only:
			options.update(input="speech", speech_timeout="auto")
		else:
			options.update(input="dtmf speech" if speech else "dtmf", num_digits=digits)
			if speech:
				options["speech_timeout"] = "auto"
		options.update(kw)
		gather = Gather(**options)
		self.response.append(gather)
		return gather

	def done(self) -> Plan:
		self.plan.twiml = str(self.response)
		return self.plan


def other(lang: str) -> str:
	return "en" if lang == "fr" else "fr"


def fold(text: str | None) -> str:
	"""Lower case without accents: what the word lists match against."""
	text = unicodedata.normalize("NFKD", (text or "").lower())
	return "".join(c for c in text if not unicodedata.combining(c))


def choice(digits: str | None, speech: str | None, is_customer: bool) -> str | None:
	"""The department a digit or a spoken phrase names; None when it names none the caller may reach."""
	allowed = CUSTOMER_DIGITS if is_customer else GUEST_DIGITS
	digit = (digits or "").strip()[:1]
	if digit:
		return allowed.get(digit)
	words = fold(speech)
	for name, pattern in WORDS:
		if re.search(pattern, words):
			return name if name in allowed.values() else None
	return None


# Business hours


def parse_hours(spec: str | None) -> dict[int, list[tuple[time, time]]]:
	"""Opening hours by weekday (0 = Monday) from "mon-fri 08:00-20:00; sat 09:00-17:00" (French day
	names too: "lun-ven 8:00-20:00"). A day absent is closed. Bad parts raise ValueError."""
	hours: dict[int, list[tuple[time, time]]] = {}
	for part in re.split(r"[;\n]", spec if spec and spec.strip() else DEFAULT_HOURS):
		part = part.strip().lower()
		if not part:
			continue
		match = re.fullmatch(
			r"([a-z]{3})\w*(?:\s*-\s*([a-z]{3})\w*)?\s+(\d{1,2})[:h](\d{2})\s*-\s*(\d{1,2})[:h](\d{2})", part
		)
		if not match or match.group(1) not in WEEKDAYS or (match.group(2) or "mon") not in WEEKDAYS:
			raise ValueError(f"bad opening hours: {part!r}")
		first = WEEKDAYS[match.group(1)]
		last = WEEKDAYS[match.group(2)] if match.group(2) else first
		opens = time(int(match.group(3)), int(match.group(4)))
		closes = time(int(match.group(5)), int(match.group(6))) if match.group(5) != "24" else time.max
		days = range(first, last + 1) if first <= last else [*range(first, 7), *range(0, last + 1)]
		for day in days:
			hours.setdefault(day, []).append((opens, closes))
	return hours


def is_open(hours: dict[int, list[tuple[time, time]]], now: datetime, holidays=()) -> bool:
	"""Whether a person answers at `now` (site time): within the day's hours and not a holiday."""
	if now.date() in set(holidays):
		return False
	return any(opens <= now.time() < closes for opens, closes in hours.get(now.weekday(), []))


# Spoken forms


def spoken_time(moment: datetime, lang: str) -> str:
	if lang == "fr":
		return f"{moment.hour} h {moment.minute:02d}" if moment.minute else f"{moment.hour} h"
	hour = moment.hour % 12 or 12
	suffix = "AM" if moment.hour < 12 else "PM"
	return f"{hour}:{moment.minute:02d} {suffix}" if moment.minute else f"{hour} {suffix}"


def spoken_date(day: date, lang: str) -> str:
	return day.isoformat()


def spoken_amount(amount: float, lang: str) -> str:
	text = f"{abs(amount):,.2f}"
	if lang == "fr":
		text = text.replace(",", " ").replace(".", ",")
	return text


# Steps


def start(ctx: Context) -> Plan:
	b = _Builder(ctx)
	b.log(LOG_INBOUND, ctx.caller.number)
	if ctx.caller.name:
		b.say(GREETING_NAMED, ctx.caller.name)
	else:
		b.say(GREETING)
	if ctx.caller.outage:
		_outage(b)
	if not ctx.open_now:
		return _voicemail(b)
	_menu(b)
	return b.done()


def _outage(b: _Builder) -> None:
	ctx = b.ctx
	b.log(LOG_OUTAGE)
	b.say(OUTAGE)
	end = ctx.caller.outage_end
	if end is None or end < ctx.now:
		b.say(OUTAGE_END_UNKNOWN)
	elif end.date() == ctx.now.date():
		b.say(OUTAGE_END_TODAY, spoken_time(end, ctx.lang))
	else:
		b.say(OUTAGE_END_LATER, spoken_date(end.date(), ctx.lang), spoken_time(end, ctx.lang))


def _menu(b: _Builder) -> None:
	ctx = b.ctx
	gather = b.gather(ctx.url("choose"), hints=_hints(ctx.lang))
	b.say(MENU_CUSTOMER if ctx.caller.is_customer else MENU_GUEST, into=gather)
	# The offer to switch is said in the language it offers.
	switch = other(ctx.lang)
	offer = OFFER_ENGLISH if switch == "en" else OFFER_FRENCH
	gather.say(ctx.say(offer, switch), language=SPEECH[switch], voice=VOICE[switch])
	b.say(NO_INPUT)
	b.response.hangup()


def _hints(lang: str) -> str:
	if lang == "fr":
		return "facturation, soutien technique, ventes, agent, English"
	return "billing, technical support, sales, agent, français"


def menu(ctx: Context) -> Plan:
	b = _Builder(ctx)
	_menu(b)
	return b.done()


def choose(ctx: Context, digits: str | None, speech: str | None) -> Plan:
	b = _Builder(ctx)
	picked = choice(digits, speech, ctx.caller.is_customer)
	if picked is None:
		b.log(LOG_INVALID, (digits or speech or "").strip()[:60])
		b.say(INVALID)
		b.response.redirect(ctx.url("menu"), method="POST")
		return b.done()
	b.log(LOG_MENU, DEPARTMENT_LABEL[picked])
	if picked == "language":
		lang = other(ctx.lang)
		b.log(LOG_LANGUAGE, lang)
		b.response.redirect(ctx.url("menu", lang=lang), method="POST")
		return b.done()
	if picked == "billing":
		return _billing(b)
	if picked == "support" and ctx.agent_enabled and ctx.caller.is_customer:
		b.log(LOG_AGENT)
		gather = b.gather(ctx.url("agent"), speech_only=True)
		b.say(AGENT_HELLO, into=gather)
		b.response.redirect(ctx.url("agent", miss=1), method="POST")
		return b.done()
	return _route(b, picked)


def _billing(b: _Builder) -> Plan:
	ctx = b.ctx
	balance = ctx.caller.balance or 0
	b.log(LOG_BALANCE, spoken_amount(balance, "fr"))
	if balance > 0:
		b.say(BALANCE, spoken_amount(balance, ctx.lang))
	else:
		b.say(NO_BALANCE)
	gather = b.gather(ctx.url("billing"), speech=False)
	b.say(BILLING_MENU, into=gather)
	b.response.redirect(ctx.url("menu"), method="POST")
	return b.done()


def billing(ctx: Context, digits: str | None, link_sent: bool | None = None) -> Plan:
	"""After the balance. The shell sends the link (effect `portal_link`) and calls again with its outcome."""
	b = _Builder(ctx)
	digit = (digits or "").strip()[:1]
	if digit == "1":
		if link_sent is None:
			b.effect("portal_link")
			return b.done()
		if link_sent:
			b.log(LOG_LINK)
		b.say(LINK_SENT if link_sent else LINK_NOT_SENT)
		b.response.redirect(ctx.url("menu"), method="POST")
		return b.done()
	if digit == "0":
		return _route(b, "billing")
	b.say(INVALID)
	b.response.redirect(ctx.url("menu"), method="POST")
	return b.done()


def _route(b: _Builder, department: str) -> Plan:
	"""To the staff available on a softphone (all rung at once), else the department's number,
	else the queue."""
	ctx = b.ctx
	if ctx.staff:
		b.log(LOG_TRANSFER, DEPARTMENT_LABEL[department])
		b.say(TRANSFER)
		dial = Dial(action=ctx.url("dialed", dept=department), method="POST", timeout=DIAL_TIMEOUT)
		for identity in ctx.staff:
			client = Client()
			client.identity(identity)
			if ctx.issue:
				client.parameter(name="issue", value=ctx.issue)
			if ctx.caller.customer:
				client.parameter(name="customer", value=ctx.caller.customer)
			dial.append(client)
		b.response.append(dial)
		return b.done()
	number = ctx.numbers.get(department) or ctx.numbers.get("operator")
	if number:
		b.log(LOG_TRANSFER_NUMBER, DEPARTMENT_LABEL[department], number)
		b.say(TRANSFER)
		b.response.dial(
			number, timeout=DIAL_TIMEOUT, action=ctx.url("dialed", dept=department), method="POST"
		)
		return b.done()
	return _enqueue(b, department)


def _enqueue(b: _Builder, department: str) -> Plan:
	ctx = b.ctx
	name = QUEUE.format(department)
	b.log(LOG_QUEUE, name)
	b.response.enqueue(name, wait_url=ctx.url("wait", dept=department), wait_url_method="POST")
	# Reached when the caller leaves the queue without being answered (or the queue is full).
	b.say(UNAVAILABLE)
	b.response.hangup()
	return b.done()


def dialed(ctx: Context, department: str, status: str | None) -> Plan:
	"""The Dial's action: answered (completed) ends the call; otherwise the caller waits in the queue."""
	b = _Builder(ctx)
	status = (status or "").strip().lower()
	b.log(LOG_DIAL, status or "unknown")
	if status in ("completed", "answered"):
		b.response.hangup()
		return b.done()
	return _enqueue(b, department if department in DEPARTMENTS else "operator")


def wait(ctx: Context, position: str | None) -> Plan:
	"""Hold (Enqueue waitUrl, fetched again each time it ends): position, callback offer, music."""
	b = _Builder(ctx)
	gather = b.gather(ctx.url("queue"), speech=False, timeout=1)
	try:
		b.say(ON_HOLD, int(position or 0) or 1, into=gather)
	except ValueError:
		b.say(ON_HOLD, 1, into=gather)
	b.say(CALLBACK_OFFER, into=gather)
	gather.play(ctx.hold_music)
	return b.done()


def queue(ctx: Context, digits: str | None) -> Plan:
	b = _Builder(ctx)
	if (digits or "").strip()[:1] == "1":
		b.log(LOG_CALLBACK)
		b.effect("callback")
		b.say(CALLBACK_DONE)
		b.response.hangup()
		return b.done()
	b.response.redirect(ctx.url("wait"), method="POST")
	return b.done()


def _voicemail(b: _Builder) -> Plan:
	ctx = b.ctx
	b.log(LOG_CLOSED)
	b.say(CLOSED)
	b.response.record(
		action=ctx.url("recorded"),
		method="POST",
		max_length=180,
		timeout=5,
		finish_on_key="#",
		play_beep=True,
		**(
			{"transcribe": True, "transcribe_callback": ctx.url("transcribed")}
			if ctx.twilio_transcribes
			else {}
		),
	)
	b.say(NO_MESSAGE)
	b.response.hangup()
	return b.done()


def recorded(ctx: Context, recording_url: str | None, duration: str | None) -> Plan:
	b = _Builder(ctx)
	if recording_url:
		b.log(LOG_VOICEMAIL, duration or "0", recording_url)
		b.effect("voicemail", url=recording_url, duration=duration or "0")
		b.say(VOICEMAIL_THANKS)
	else:
		b.say(NO_MESSAGE)
	b.response.hangup()
	return b.done()


def transcribed(ctx: Context, text: str | None, status: str | None) -> Plan:
	b = _Builder(ctx)
	if (status or "completed").lower() == "completed" and (text or "").strip():
		b.effect("transcription", text=text.strip())
	return b.done()


def agent_listen(ctx: Context, miss: int) -> Plan:
	"""No speech heard: ask again, then, after MAX_AGENT_SILENCES, transfer to support."""
	b = _Builder(ctx)
	if miss >= MAX_AGENT_SILENCES:
		return _route(b, "support")
	gather = b.gather(ctx.url("agent"), speech_only=True)
	b.say(AGENT_AGAIN, into=gather)
	b.response.redirect(ctx.url("agent", miss=miss + 1), method="POST")
	return b.done()


def agent_turn(ctx: Context, text: str, handed_off: bool) -> Plan:
	"""The agent's answer spoken; then the next speech turn, or the transfer when it handed off."""
	b = _Builder(ctx)
	if handed_off:
		if text:
			b.response.say(text, language=SPEECH[ctx.lang], voice=VOICE[ctx.lang])
		return _route(b, "support")
	gather = b.gather(ctx.url("agent"), speech_only=True)
	gather.say(text, language=SPEECH[ctx.lang], voice=VOICE[ctx.lang])
	b.response.redirect(ctx.url("agent", miss=1), method="POST")
	return b.done()


def ended(ctx: Context, status: str | None, duration: str | None) -> Plan:
	"""Twilio's status callback (point the number's Call Status Changes at `step?s=status`): a
	final status is written on the call's record."""
	b = _Builder(ctx)
	status = (status or "").strip().lower()
	if status in ("completed", "busy", "failed", "no-answer", "canceled"):
		b.log(LOG_ENDED, status, duration or "0")
	return b.done()


def no_one(ctx: Context) -> Plan:
	b = _Builder(ctx)
	b.log(LOG_NO_ONE)
	b.say(UNAVAILABLE)
	b.response.hangup()
	return b.done()
