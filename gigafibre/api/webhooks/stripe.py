"""Stripe's webhook: POST /api/method/gigafibre.api.webhooks.stripe.receive

The raw body and `Stripe-Signature` are verified with the SDK against the signing secret in
Gigafibre Settings before anything else; a bad or missing signature answers 400 and stores
nothing. A verified event is stored once (Webhook Event) and processed in the background by
`gigafibre.payments.stripe_events.handle`.
"""

import json

import frappe
import stripe
from frappe import _
from frappe.rate_limiter import rate_limit

from gigafibre.webhooks import intake
from gigafibre.webhooks.intake import BadSignature

HANDLER = "gigafibre.payments.stripe_events.handle"


@frappe.whitelist(allow_guest=True, methods=["POST"])
@rate_limit(limit=600, seconds=60)
def receive() -> dict:
	raw = frappe.request.get_data(cache=True, as_text=False)
	signature = frappe.request.headers.get("Stripe-Signature")
	secret = frappe.get_single("Gigafibre Settings").get_password(
		"stripe_webhook_secret", raise_exception=False
	)
	if not secret:
		frappe.throw(_("Stripe webhooks are not configured."), exc=BadSignature)
	if not signature:
		frappe.throw(_("Missing Stripe signature."), exc=BadSignature)
	try:
		# What stripe.Webhook.construct_event does, minus building a StripeObject (it fails on a
		# signed body that is not an object): the SDK's check of the HMAC and the 5-minute window.
		payload = raw.decode("utf-8")
		stripe.WebhookSignature.verify_header(payload, signature, secret, stripe.Webhook.DEFAULT_TOLERANCE)
		event = json.loads(payload)
	except (stripe.SignatureVerificationError, ValueError):
		frappe.throw(_("Invalid Stripe signature."), exc=BadSignature)
	if not isinstance(event, dict):
		frappe.throw(_("The Stripe event is not a JSON object."), exc=BadSignature)
	intake.receive(
		"Stripe",
		str(event.get("id") or ""),
		str(event.get("type") or ""),
		raw,
		dict(frappe.request.headers),
		HANDLER,
	)
	return {"received": True}
