"""Messaging clients built from Gigafibre Settings (the Frappe side of `messaging/`)."""

import frappe

from gigafibre.messaging.twilio_sms import TwilioSms


def sms_client() -> TwilioSms:
	settings = frappe.get_single("Gigafibre Settings")
	return TwilioSms(
		account_sid=settings.twilio_account_sid,
		auth_token=settings.get_password("twilio_auth_token", raise_exception=False),
		sender=settings.twilio_from_number,
		api_base=settings.twilio_api_base or None,
	)
