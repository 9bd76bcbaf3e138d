"""What Twilio's webhooks need that does not touch Frappe: the signature check, SMS keywords, TwiML.

Twilio signs each webhook with HMAC-SHA1 (key: the account auth token) over the exact URL it
called followed by every POST parameter, sorted by name, as name + value; the base64 digest
arrives in `X-Twilio-Signature`. Behind a proxy, the URL Twilio called is the public one, so the
shell rebuilds it from the configured public URL and the request path (`public_url`).
"""

from collections.abc import Mapping

from twilio.request_validator import RequestValidator
from twilio.twiml.messaging_response import MessagingResponse
from twilio.twiml.voice_response import Gather, VoiceResponse

# Carrier and CTIA keywords (Twilio's advanced opt-out list) plus their French forms.
OPT_OUT_KEYWORDS = frozenset(
	{"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "ARRET", "ARRÊT", "ARRETER", "ARRÊTER"}
)
OPT_IN_KEYWORDS = frozenset({"START", "UNSTOP", "YES", "DEBUT", "DÉBUT", "REPRISE"})

VOICE_LANGUAGE = "fr-CA"
MENU_DIGITS = {"1": "support", "2": "billing", "3": "outage"}

# The IVR speaks French only: our callers are in Québec. This is the voice script, not UI text.
SCRIPT = {
	"greeting": "Bonjour et merci d'appeler Gigafibre.",
	"menu": (
		"Pour le soutien technique, faites le 1. "
		"Pour la facturation, faites le 2. "
		"Pour connaître l'état du réseau et les pannes en cours, faites le 3."
	),
	"no_input": "Nous n'avons pas reçu votre choix. Au revoir.",
	"invalid": "Ce choix n'est pas valide.",
	"support": "Nous vous transférons au soutien technique. Veuillez patienter.",
	"billing": "Nous vous transférons au service de la facturation. Veuillez patienter.",
	"unavailable": (
		"Aucun agent n'est disponible pour le moment. "
		"Écrivez-nous par texto à ce numéro et nous vous répondrons dès que possible. Au revoir."
	),
	"no_outage": (
		"Aucune panne n'est signalée sur notre réseau en ce moment. "
		"Si votre service est interrompu, redémarrez votre modem, puis faites le 1 pour le soutien technique."
	),
}


def public_url(base: str, path: str, query_string: str | bytes = "") -> str:
	"""The URL Twilio called: the configured public base + our request path (+ its query string)."""
	if isinstance(query_string, bytes):
		query_string = query_string.decode("latin-1")
	url = (base or "").rstrip("/") + "/" + (path or "").lstrip("/")
	return f"{url}?{query_string}" if query_string else url


class _Params:
	"""POST parameters in the shape the SDK's validator reads (`getlist`), from a dict or a MultiDict."""

	def __init__(self, params: Mapping):
		self._values: dict[str, list[str]] = {}
		getlist = getattr(params, "getlist", None)
		for key in params:
			values = getlist(key) if getlist else params[key]
			if isinstance(values, str | bytes) or values is None:
				values = [values]
			self._values[key] = [v.decode() if isinstance(v, bytes) else str(v or "") for v in values]

	def __iter__(self):
		return iter(self._values)

	def __bool__(self):
		return bool(self._values)

	def getlist(self, key: str) -> list[str]:
		return self._values[key]


def verify_signature(auth_token: str | None, url: str, params: Mapping | None, signature: str | None) -> bool:
	"""True when `signature` is Twilio's signature of `url` + `params` with `auth_token`."""
	if not (auth_token and url and signature):
		return False
	return RequestValidator(auth_token).validate(url, _Params(params or {}), signature)


def keyword(body: str | None) -> str | None:
	"""`"opt_out"`, `"opt_in"` or None: the whole message must be the keyword (case and punctuation aside)."""
	word = (body or "").strip().strip(".!").strip().upper()
	if word in OPT_OUT_KEYWORDS:
		return "opt_out"
	if word in OPT_IN_KEYWORDS:
		return "opt_in"
	return None


def empty_messaging_response() -> str:
	"""`<Response/>`: acknowledged, nothing sent back (replies leave through the REST API)."""
	return str(MessagingResponse())


def empty_voice_response() -> str:
	return str(VoiceResponse())


def _say(response: VoiceResponse | Gather, text: str) -> None:
	response.say(text, language=VOICE_LANGUAGE)


def ivr_menu(gather_url: str) -> str:
	"""The greeting, then one digit gathered and posted to `gather_url`; silence ends the call."""
	response = VoiceResponse()
	_say(response, SCRIPT["greeting"])
	gather = Gather(num_digits=1, action=gather_url, method="POST", timeout=6, language=VOICE_LANGUAGE)
	_say(gather, SCRIPT["menu"])
	response.append(gather)
	_say(response, SCRIPT["no_input"])
	response.hangup()
	return str(response)


def ivr_choice(
	digit: str | None,
	menu_url: str,
	support_number: str | None = None,
	billing_number: str | None = None,
	outage_message: str | None = None,
) -> str:
	"""The answer to a menu digit: transfer (1, 2), network status then back to the menu (3), or the menu again."""
	response = VoiceResponse()
	choice = MENU_DIGITS.get((digit or "").strip()[:1])
	if choice in ("support", "billing"):
		number = support_number if choice == "support" else billing_number
		if number:
			_say(response, SCRIPT[choice])
			response.dial(number, timeout=30)
		else:
			_say(response, SCRIPT["unavailable"])
			response.hangup()
	elif choice == "outage":
		_say(response, outage_message or SCRIPT["no_outage"])
		response.pause(length=1)
		response.redirect(menu_url, method="POST")
	else:
		_say(response, SCRIPT["invalid"])
		response.redirect(menu_url, method="POST")
	return str(response)


# Twilio message status -> Communication.delivery_status; rank keeps late callbacks from going back.
DELIVERY_STATUS = {
	"accepted": "Sending",
	"scheduled": "Scheduled",
	"queued": "Sending",
	"sending": "Sending",
	"sent": "Sending",
	"delivered": "Sent",
	"read": "Read",
	"undelivered": "Bounced",
	"failed": "Error",
	"canceled": "Rejected",
}
_RANK = {"": 0, "Scheduled": 1, "Sending": 2, "Sent": 3, "Read": 4, "Bounced": 4, "Error": 4, "Rejected": 4}


def next_delivery_status(current: str | None, twilio_status: str | None) -> str | None:
	"""The delivery status after this callback, or None when it changes nothing."""
	new = DELIVERY_STATUS.get((twilio_status or "").strip().lower())
	if not new or new == current:
		return None
	if _RANK.get(new, 0) < _RANK.get(current or "", 0):
		return None
	return new
