"""A customer's account as the portal shows it; every function takes the customer it serves."""

from contextlib import contextmanager

import frappe
from frappe import _
from frappe.utils import flt, getdate, nowdate

INVOICE_FIELDS = [
	"name",
	"posting_date",
	"due_date",
	"grand_total",
	"outstanding_amount",
	"currency",
	"status",
]


def not_found(doctype: str, name: str):
	# The same answer for another customer's record as for one that does not exist.
	raise frappe.DoesNotExistError(_("{0} {1} not found").format(_(doctype), name))


def own_invoice(customer: str, name: str):
	row = frappe.db.get_value("Sales Invoice", name, ["customer", "docstatus"], as_dict=True)
	if not row or row.customer != customer or row.docstatus != 1:
		not_found("Sales Invoice", name)
	return frappe.get_doc("Sales Invoice", name)


def dashboard(customer: str) -> dict:
	invoices = frappe.get_all(
		"Sales Invoice",
		filters={"customer": customer, "docstatus": 1, "outstanding_amount": (">", 0)},
		fields=INVOICE_FIELDS,
		order_by="due_date asc",
	)
	locations = frappe.get_all(
		"Service Location",
		filters={"customer": customer, "location_status": ("!=", "Inactive")},
		fields=["name", "address_line1", "city", "postal_code", "location_status"],
	)
	for location in locations:
		location.equipment = frappe.get_all(
			"Service Equipment",
			filters={"service_location": location.name, "status": "Installed"},
			fields=["equipment_type", "brand", "model"],
		)
	return {
		"customer": frappe.db.get_value("Customer", customer, ["name", "customer_name"], as_dict=True),
		"balance": sum(flt(i.outstanding_amount) for i in invoices),
		"currency": invoices[0].currency
		if invoices
		else frappe.db.get_value("Customer", customer, "default_currency"),
		"overdue": [i for i in invoices if i.due_date and getdate(i.due_date) < getdate(nowdate())],
		"next_invoice": invoices[0] if invoices else None,
		"services": locations,
	}


def invoices(customer: str) -> list[dict]:
	return frappe.get_all(
		"Sales Invoice",
		filters={"customer": customer, "docstatus": 1},
		fields=INVOICE_FIELDS,
		order_by="posting_date desc",
		limit=200,
	)


def invoice(customer: str, name: str) -> dict:
	doc = own_invoice(customer, name)
	return {
		**{f: doc.get(f) for f in INVOICE_FIELDS},
		"net_total": doc.net_total,
		"items": [
			{"item_name": i.item_name, "qty": i.qty, "rate": i.rate, "amount": i.amount} for i in doc.items
		],
		"taxes": [{"description": t.description, "tax_amount": t.tax_amount} for t in doc.taxes],
	}


@contextmanager
def as_system():
	"""For what Frappe checks by user (printing): only after our own customer check has passed."""
	user = frappe.session.user
	frappe.set_user("Administrator")
	try:
		yield
	finally:
		frappe.set_user(user)


def invoice_pdf(customer: str, name: str, as_pdf: bool = True) -> bytes | str:
	"""The invoice in the customer's language, printed with the Gigafibre Invoice format."""
	from gigafibre.messaging.language import recipient_language
	from gigafibre.printing.invoice import print_invoice

	own_invoice(customer, name)
	with as_system():
		return print_invoice(name, recipient_language(customer=customer), as_pdf=as_pdf)


def tickets(customer: str) -> list[dict]:
	filters = {"customer": customer}
	if frappe.get_meta("Issue").has_field("gigafibre_channel"):
		filters["gigafibre_channel"] = ("is", "not set")  # conversations are threads, not tickets
	return frappe.get_all(
		"Issue",
		filters=filters,
		fields=["name", "subject", "status", "opening_date", "modified"],
		order_by="modified desc",
		limit=100,
	)


def own_ticket(customer: str, name: str):
	if frappe.db.get_value("Issue", name, "customer") != customer:
		not_found("Issue", name)
	return frappe.get_doc("Issue", name)


def ticket(customer: str, name: str) -> dict:
	issue = own_ticket(customer, name)
	return {
		"name": issue.name,
		"subject": issue.subject,
		"status": issue.status,
		"opening_date": issue.opening_date,
		"messages": messages_of("Issue", issue.name),
	}


def open_ticket(customer: str, subject: str, message: str) -> str:
	"""A ticket whose thread starts with the customer's message (stored as typed, see `add_message`)."""
	from gigafibre.messaging.conversations import add_message, as_html

	subject, message = (subject or "").strip(), (message or "").strip()
	if not subject or not message:
		frappe.throw(_("Give the ticket a subject and a message."))
	issue = frappe.get_doc(
		{
			"doctype": "Issue",
			"subject": subject[:140],
			"description": as_html(message),
			"customer": customer,
			"raised_by": frappe.db.get_value("Customer", customer, "email_id"),
		}
	).insert(ignore_permissions=True)
	add_message(issue.name, message, "Received", "Portal")
	return issue.name


def reply(customer: str, name: str, message: str) -> None:
	from gigafibre.messaging.conversations import add_message

	issue = own_ticket(customer, name)
	message = (message or "").strip()
	if not message:
		frappe.throw(_("The message is empty."))
	add_message(issue.name, message, "Received", "Portal")
	if issue.status in ("Resolved", "Closed"):
		issue.db_set("status", "Open")


def messages_of(doctype: str, name: str) -> list[dict]:
	"""The thread, oldest first; `content` is the plain text as it was written (the portal shows it as
	text, never as HTML)."""
	from gigafibre.messaging.conversations import as_text

	rows = frappe.get_all(
		"Communication",
		filters={"reference_doctype": doctype, "reference_name": name, "communication_type": "Communication"},
		fields=[
			"name",
			"content",
			"text_content",
			"sent_or_received",
			"communication_date",
			"communication_medium",
		],
		order_by="communication_date asc, creation asc",
	)
	for row in rows:
		row.content = as_text(row.pop("text_content"), row.content)
	return rows


def messages(customer: str) -> list[dict]:
	"""The customer's portal conversation (one thread per customer; staff answer it from the desk)."""
	from gigafibre.messaging.conversations import open_thread

	thread = open_thread(customer, "Portal", customer)
	return messages_of("Issue", thread) if thread else []


def send_message(customer: str, text: str) -> list[dict]:
	from gigafibre.messaging.conversations import add_message, thread_for

	text = (text or "").strip()
	if not text:
		frappe.throw(_("The message is empty."))
	from gigafibre.ai.agent_service import on_customer_message

	thread = thread_for(customer, "Portal", customer)
	add_message(thread, text, "Received", "Portal")
	on_customer_message(thread, "Portal")  # the assistant answers when it is on for the portal
	return messages(customer)
