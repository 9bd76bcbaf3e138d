"""Processing of stored Stripe Webhook Events (background job, see gigafibre.webhooks.intake).

Paid events -> one submitted Payment Entry per PaymentIntent (ERPNext's Payment Entry on_submit
hook then fires `on_payment_received` for the flow runtime) and a realtime message to the
customer's room; a failed pre-authorized charge is recorded on the invoice. Anything else: "ignored".
"""

import json

import frappe
from frappe import _

from gigafibre.payments import service
from gigafibre.payments.events import failure_from_event, payment_from_event


def handle(webhook_event) -> str | None:
	"""Webhook handler (run as Administrator by the intake: the signature was verified on receipt)."""
	event = json.loads(webhook_event.raw_body or "{}")
	payment = payment_from_event(event)
	if payment:
		entry, created = service.record_payment(payment)
		if payment.ppa:
			from gigafibre.payments.ppa import settle_pending

			settle_pending(payment.invoice, payment.reference)
		customer = frappe.db.get_value("Sales Invoice", payment.invoice, "customer")
		if payment.payment_method:
			service.remember_card(customer, payment.stripe_customer, payment.payment_method)
		if created:
			frappe.publish_realtime(
				"invoice_paid",
				{
					"invoice": payment.invoice,
					"payment_entry": entry,
					"amount": float(payment.amount),
					"currency": payment.currency,
					"outstanding_amount": frappe.db.get_value(
						"Sales Invoice", payment.invoice, "outstanding_amount"
					),
				},
				room=f"customer:{customer}",
				after_commit=True,
			)
		return entry
	failure = failure_from_event(event)
	# A failed Checkout attempt is the customer's to retry on the page; only PPA charges are recorded.
	if failure and failure.ppa and frappe.db.exists("Sales Invoice", failure.invoice):
		from gigafibre.payments.ppa import record_failure

		record_failure(
			failure.invoice, failure.reference, failure.code, failure.message or failure.code or ""
		)
		return "failure recorded"
	return "ignored"
