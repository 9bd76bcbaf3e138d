"""Messaging clients built from Gigafibre Settings (the Frappe side of `messaging/`).

One way to send an SMS now, while a person waits for the answer: `send_sms(to, body)` (or
`sms_client().send(...)`, the same guarded client). Both refuse a number whose customer answered
STOP, before any request leaves. Everything sent from a background step goes through the outbox
instead (`gigafibre.messaging.outbox`: stored first, sent by a job, finished by a sweep); a
message to an email-or-mobile contact is `outbox.queue_to_contact`.
"""

import frappe

from gigafibre.errors import InvalidValue, ServiceError
from gigafibre.i18n import _
from gigafibre.messaging.phone import to_e164
from gigafibre.messaging.twilio_sms import DEFAULT_TIMEOUT, SentSms, TwilioSms

STATUS_PATH = "/api/method/gigafibre.api.webhooks.twilio.status"
OPT_OUT_FIELD = "gigafibre_sms_opt_out"
# Seconds for one Twilio request (tests shorten it).
SMS_TIMEOUT = DEFAULT_TIMEOUT


class OptOutAwareSms(TwilioSms):
	"""The Twilio client, refusing numbers that opted out (STOP) before sending anything."""

	def send(self, to: str, body: str, sent_since=None) -> SentSms:
		try:
			recipient = to_e164(to)
		except InvalidValue:
			recipient = None  # the client names the bad number
		if recipient and is_opted_out(recipient):
			raise ServiceError(_("{0} asked not to receive SMS (STOP): the message was not sent."), recipient)
		return super().send(to, body, sent_since=sent_since)


def status_callback_url(settings=None) -> str | None:
	"""Where Twilio reports delivery status, when the public URL is configured."""
	settings = settings or frappe.get_single("Gigafibre Settings")
	base = (settings.twilio_public_url or "").strip().rstrip("/")
	return f"{base}{STATUS_PATH}" if base else None


def sms_client() -> TwilioSms:
	settings = frappe.get_single("Gigafibre Settings")
	return OptOutAwareSms(
		account_sid=settings.twilio_account_sid,
		auth_token=settings.get_password("twilio_auth_token", raise_exception=False),
		sender=settings.twilio_from_number,
		api_base=settings.twilio_api_base or None,
		status_callback=status_callback_url(settings),
		timeout=SMS_TIMEOUT,
	)


def send_sms(to: str, body: str) -> SentSms:
	"""Send one SMS; `ServiceError` when Twilio is not configured, refuses, or the number opted out."""
	return sms_client().send(to, body)


def is_opted_out(phone: str) -> bool:
	"""True when a customer reachable at this E.164 number answered STOP."""
	from gigafibre.messaging.recipients import customers_by_phone

	if not frappe.get_meta("Customer").has_field(OPT_OUT_FIELD):
		return False
	customers = customers_by_phone(phone)
	return bool(customers and frappe.db.exists("Customer", {"name": ("in", customers), OPT_OUT_FIELD: 1}))


def set_opt_out(phone: str, opted_out: bool) -> list[str]:
	"""Record STOP (or START) for every customer reachable at this number; the customers changed."""
	from gigafibre.messaging.recipients import customers_by_phone

	customers = customers_by_phone(phone)
	for customer in customers:
		frappe.db.set_value("Customer", customer, OPT_OUT_FIELD, 1 if opted_out else 0)
	return customers
