"""ERPNext and app document events, turned into catalog events (wired in hooks.doc_events)."""

from gigafibre.dispatch.status import ASSIGNED, STATUS_EVENTS
from gigafibre.flows import dispatch_event


def payment_entry_submitted(doc, method=None) -> None:
	if doc.payment_type == "Receive":
		dispatch_event("on_payment_received", doc)


def sales_invoice_submitted(doc, method=None) -> None:
	dispatch_event("on_invoice_submitted", doc)


def ticket_created(doc, method=None) -> None:
	dispatch_event("on_ticket_created", doc)


def customer_created(doc, method=None) -> None:
	dispatch_event("on_customer_created", doc)


def dispatch_job_updated(doc, method=None) -> None:
	before = doc.get_doc_before_save()
	status_changed = before is None or before.status != doc.status
	# A job handed to another technician is a new assignment: its own run.
	reassigned = before is not None and doc.status == ASSIGNED and before.technician != doc.technician
	event = STATUS_EVENTS.get(doc.status)
	if event and (status_changed or reassigned):
		dispatch_event(event, doc, dedupe_key=doc.technician if event == "on_job_assigned" else "")


def equipment_updated(doc, method=None) -> None:
	before = doc.get_doc_before_save()
	if doc.status == "Installed" and (before is None or before.status != "Installed"):
		# Installed again somewhere else later is a new installation.
		dispatch_event("on_equipment_installed", doc, dedupe_key=doc.service_location or "")
