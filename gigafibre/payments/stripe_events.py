"""Processing of stored Stripe Webhook Events (background job, see gigafibre.webhooks.intake).

Paid events -> one submitted Payment Entry per PaymentIntent (ERPNext's Payment Entry on_submit
hook then fires `on_payment_received` for the flow runtime) and a realtime message to the
customer's room; a failed pre-authorized charge is recorded on the invoice; a dispute opened on a
payment marks its invoice `gigafibre_disputed` (no reminder, no suspension for it) until it is closed
won (or an inquiry closes). Anything else: "ignored".
"""

import json

import frappe
from frappe import _

from gigafibre.payments import service
from gigafibre.payments.events import Dispute, dispute_from_event, failure_from_event, payment_from_event


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
	dispute = dispute_from_event(event)
	if dispute:
		return record_dispute(dispute)
	return "ignored"


def record_dispute(dispute: Dispute) -> str:
	"""Mark (or clear) `gigafibre_disputed` on the invoices the disputed payment paid, with a comment
	naming the dispute; "ignored" when the payment is none of ours."""
	invoices = disputed_invoices(dispute.payment_intent)
	for invoice in invoices:
		frappe.db.set_value("Sales Invoice", invoice, "gigafibre_disputed", 1 if dispute.disputed else 0)
		frappe.get_doc("Sales Invoice", invoice).add_comment(
			"Info", _("Stripe dispute {0}: {1}.").format(dispute.dispute, dispute.status)
		)
	return "dispute recorded" if invoices else "ignored"


def disputed_invoices(payment_intent: str | None) -> list[str]:
	"""The invoices a Stripe payment paid: those its Payment Entry allocates to, else the invoice
	whose pre-authorized charge it still is."""
	if not payment_intent:
		return []
	entry = service.payment_entry_for(payment_intent)
	if entry:
		return sorted(
			set(
				frappe.get_all(
					"Payment Entry Reference",
					filters={
						"parent": entry,
						"parenttype": "Payment Entry",
						"reference_doctype": "Sales Invoice",
					},
					pluck="reference_name",
				)
			)
		)
	return frappe.get_all("Sales Invoice", filters={"gigafibre_ppa_pending": payment_intent}, pluck="name")
