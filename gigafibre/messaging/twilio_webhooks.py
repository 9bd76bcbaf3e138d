"""What Twilio's webhooks need that does not touch Frappe: the signature check, SMS keywords, TwiML.

Twilio signs each webhook with HMAC-SHA1 (key: the account auth token) over the exact URL it
called followed by every POST parameter, sorted by name, as name + value; the base64 digest
arrives in `X-Twilio-Signature`. Behind a proxy, the URL Twilio called is the public one, so the
shell rebuilds it from the configured public URL and the request path (`public_url`).
"""

from collections.abc import Mapping

from twilio.request_validator import RequestValidator
from twilio.twiml.messaging_response import MessagingResponse
from twilio.twiml.voice_response import VoiceResponse

# Carrier and CTIA keywords (Twilio's advanced opt-out list) plus their French forms.
OPT_OUT_KEYWORDS = frozenset(
	{"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "ARRET", "ARRÊT", "ARRETER", "ARRÊTER"}
)
OPT_IN_KEYWORDS = frozenset({"START", "UNSTOP", "YES", "DEBUT", "DÉBUT", "REPRISE"})


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
