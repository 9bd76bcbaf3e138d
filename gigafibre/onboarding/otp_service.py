"""Checkout codes in Redis: request (background send), verify (-> a 30-minute checkout token).

Redis rather than a doctype: a code lives 10 minutes and needs an atomic attempt counter and
automatic expiry — exactly what `frappe.cache` gives (`set_value(expires_in_sec=…)`, `incrby`) —
and nothing of it is worth keeping once it expires. Keys carry the site's prefix (`make_key`) and
an HMAC of the identifier, never the email or phone itself; the value holds an HMAC of the code.
"""

from datetime import datetime, timedelta, timezone

import frappe
from frappe import _

from gigafibre.auth import magic_link
from gigafibre.auth.service import link_secret
from gigafibre.errors import InvalidValue, ServiceError
from gigafibre.onboarding import otp
from gigafibre.portal.identity import parse_identifier
from gigafibre.throttle import count_this_hour

CHECKOUT_SCOPE = "checkout"
CHECKOUT_LIFETIME = timedelta(minutes=30)
# Codes one identifier may ask for in an hour, whatever the IP.
PER_IDENTIFIER_PER_HOUR = 5
SAME_ANSWER = "If this address or number can receive it, a code is on its way."
REFUSED = "This code is not valid or has expired. Ask for a new one."
CHECKOUT_REFUSED = "Your verification has expired or is not valid. Ask for a new code to confirm your email or mobile number, then order again."

_RECORD = "gigafibre:checkout-otp:"
_ATTEMPTS = "gigafibre:checkout-otp-attempts:"


class CodeRefused(frappe.AuthenticationError):
	pass


def request(identifier: str | None) -> None:
	"""Count the request, then generate and store the code and queue its message, with the request
	(stored first: `messaging.outbox` sends it, and clears its text once sent), in the language the request asked for."""
	from gigafibre.messaging.language import request_language

	kind, value = parse_identifier(identifier)
	count = count_this_hour("checkout-otp-requests", value)
	deliver(
		kind=kind,
		value=value,
		over_limit=count > PER_IDENTIFIER_PER_HOUR,
		language=request_language(),
	)


def deliver(kind: str, value: str, over_limit: bool = False, language: str | None = None) -> bool:
	"""Background job: a new code replaces any earlier one (and its attempt count), sent in the
	requester's `language` (French for jobs queued without one). (`kind` is what `value` is; the
	address itself says it, the argument stays for jobs already queued.)"""
	if over_limit:
		return False
	secret = _secret()
	key = otp.identifier_key(secret, value)
	code, record = otp.new_record(secret, value, _now())
	ttl = int(otp.LIFETIME.total_seconds())
	frappe.cache.set_value(_RECORD + key, record.to_dict(), expires_in_sec=ttl)
	frappe.cache.delete_value(_ATTEMPTS + key)
	minutes = ttl // 60
	from gigafibre.messaging.language import paragraphs, rendered_in
	from gigafibre.messaging.outbox import queue_to_contact

	with rendered_in(language):
		subject = _("Your Gigafibre verification code: {0}").format(code)
		html = paragraphs(
			_("Hello,"),
			_("Your Gigafibre verification code is {0}. It is valid for {1} minutes.").format(
				f"<b>{code}</b>", minutes
			),
			_("If you did not ask for it, you can ignore this message."),
		)
		sms = _("Gigafibre: your verification code is {0} (valid {1} min).").format(code, minutes)
	try:
		queue_to_contact(value, subject, html, sms)
	except ServiceError as err:
		frappe.log_error(title=_("Verification code not sent"), message=_(err.message).format(*err.args_))
		return False
	return True


def verify(identifier: str | None, code: str | None) -> dict:
	"""A checkout token for a right code; one refusal message for every other case."""
	try:
		_kind, value = parse_identifier(identifier)
	except InvalidValue:
		_refuse()
	secret = _secret()
	key = otp.identifier_key(secret, value)
	attempts = frappe.cache.make_key(_ATTEMPTS + key)
	attempt = frappe.cache.incrby(attempts, 1)
	if attempt == 1:
		frappe.cache.expire(attempts, int(otp.LIFETIME.total_seconds()))
	record = otp.OtpRecord.from_dict(frappe.cache.get_value(_RECORD + key, expires=True))
	outcome = otp.check(record, secret, value, code, attempt, _now())
	if outcome in (otp.EXPIRED, otp.EXHAUSTED):
		# Dead: the next request starts afresh, nothing more to try here.
		frappe.cache.delete_value(_RECORD + key)
	if outcome != otp.OK:
		_refuse()
	frappe.cache.delete_value([_RECORD + key, _ATTEMPTS + key])
	token, claims = magic_link.issue(secret, value, CHECKOUT_SCOPE, _now(), CHECKOUT_LIFETIME)
	return {"token": token, "identifier": value, "expires_at": claims.expires_at.isoformat()}


def checkout_identifier(token: str | None) -> str:
	"""The verified email or phone behind a checkout token (for the order endpoint)."""
	try:
		return magic_link.verify(_secret(), token, CHECKOUT_SCOPE, _now()).subject
	except InvalidValue:
		# The customer typed a code, not a link: say so in their terms.
		frappe.throw(_(CHECKOUT_REFUSED), exc=frappe.AuthenticationError, title=_("Verification"))


def _refuse():
	frappe.throw(_(REFUSED), exc=CodeRefused, title=_("Verification"))


def _secret() -> str:
	secret = link_secret()
	if not secret:
		frappe.throw(_("Checkout is not set up: the link signing secret is missing."))
	return secret


def _now() -> datetime:
	return datetime.now(timezone.utc)
