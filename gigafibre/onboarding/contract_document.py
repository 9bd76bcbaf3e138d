"""The signed contract as a document: its PDF on the Quotation, and the customer's copy by email.

Made after the acceptance is recorded, never inside it: a PDF that cannot be made (wkhtmltopdf
missing or failing) must not cost a signature. `acceptance.record` keeps the exact text that was
accepted on the Quotation and marks its PDF "Pending"; once that commits, `make` (a background job)
renders the text with the acceptance record underneath, attaches it to the Quotation and mails the
customer their copy, in their language. A failure is kept on the Quotation ("Failed", with why, for
staff to see) and the hourly sweep `finish_pending` tries again, up to MAX_ATTEMPTS times.

A DocuSeal contract arrives as DocuSeal's own signed PDF (attached at acceptance); DocuSeal sends the
signer their copy, so only the residential ones (signed link, accepted on behalf) are mailed here.
"""

from datetime import timedelta, timezone
from zoneinfo import ZoneInfo

import frappe
from frappe import _
from frappe.utils import add_to_date, cint, escape_html, get_datetime, get_system_timezone, now_datetime

from gigafibre.jobs import enqueue as enqueue_job
from gigafibre.onboarding import contracts

PENDING, MADE, FAILED = "Pending", "Made", "Failed"
MAX_ATTEMPTS = 12
GRACE = timedelta(minutes=10)  # a job enqueued this long ago that left nothing is deemed lost
DEFAULT_LANGUAGE = "fr"


def enqueue(order_name: str) -> None:
	"""After the acceptance commits: the PDF and the copy, once per order."""
	enqueue_job(
		"gigafibre.onboarding.contract_document.make",
		order_name=order_name,
		job_id=f"gigafibre-contract-pdf-{order_name}",
		deduplicate=True,
	)


def make(order_name: str) -> bool:
	"""Background job: the contract's PDF (unless attached already) and the customer's copy (unless
	sent). True when the PDF exists at the end."""
	# A locking read first: a second worker (the sweep) waits here, then sees what this one wrote.
	quotation = frappe.db.get_value("Web Order", order_name, "quotation", for_update=True)
	if not quotation:
		return False
	quote = frappe.get_doc("Quotation", quotation)
	if quote.gigafibre_contract_status != "Signed":
		return False
	order = frappe.get_doc("Web Order", order_name)
	language = customer_language(order.customer, order)
	file = attached(quote)
	if not file:
		if not quote.gigafibre_contract_text:
			_failed(quote, _("The signed document is missing: ask DocuSeal for it."))
			return False
		try:
			content = render_pdf(quote, language)
		except Exception as err:  # whatever wkhtmltopdf does, the acceptance stays; the sweep retries
			frappe.log_error(
				title=_("Contract PDF not made"), reference_doctype="Quotation", reference_name=quote.name
			)
			_failed(quote, str(err) or type(err).__name__)
			return False
		file = attach(quote.name, f"contrat-{order_name}.pdf", content)
	quote.db_set(
		{
			"gigafibre_contract_pdf": file.file_url,
			"gigafibre_contract_pdf_status": MADE,
			"gigafibre_contract_pdf_error": None,
		},
		update_modified=False,
	)
	if quote.gigafibre_contract_method != contracts.DOCUSEAL and not quote.gigafibre_contract_copy_sent_at:
		send_copy(order, quote, file, language)
	return True


def finish_pending() -> None:
	"""Scheduler (hourly): every signed contract still without its PDF or its copy, past the grace
	period, tried again (each in its own transaction)."""
	cutoff = add_to_date(now_datetime(), minutes=-GRACE.total_seconds() / 60)
	names = frappe.get_all(
		"Quotation",
		filters={
			"gigafibre_contract_status": "Signed",
			"gigafibre_contract_pdf_status": ("in", (PENDING, FAILED)),
			"gigafibre_contract_pdf_attempts": ("<", MAX_ATTEMPTS),
			"gigafibre_accepted_at": ("<", cutoff),
		},
		pluck="name",
		limit=100,
	)
	unsent = frappe.get_all(
		"Quotation",
		filters={
			"gigafibre_contract_status": "Signed",
			"gigafibre_contract_pdf_status": MADE,
			"gigafibre_contract_method": ("!=", contracts.DOCUSEAL),
			"gigafibre_contract_copy_sent_at": ("is", "not set"),
			"gigafibre_accepted_at": ("<", cutoff),
		},
		pluck="name",
		limit=100,
	)
	for quotation in names + unsent:
		order = frappe.db.get_value("Web Order", {"quotation": quotation}, "name")
		if not order:
			continue
		frappe.db.commit()  # a fresh transaction per contract: one failure keeps the others
		make(order)
	frappe.db.commit()


def attached(quote):
	"""The contract's PDF on the Quotation (a File), or None."""
	filters = {"attached_to_doctype": "Quotation", "attached_to_name": quote.name}
	if quote.get("gigafibre_contract_pdf"):
		filters["file_url"] = quote.gigafibre_contract_pdf
	else:  # signed before the PDF was recorded on the Quotation
		filters["file_name"] = ("like", "contrat-%.pdf")
	name = frappe.db.get_value("File", filters, "name", order_by="creation asc")
	return frappe.get_doc("File", name) if name else None


def attach(quotation: str, file_name: str, content: bytes):
	from frappe.utils.file_manager import save_file

	return save_file(file_name, content, "Quotation", quotation, is_private=1)


def render_pdf(quote, language: str = DEFAULT_LANGUAGE) -> bytes:
	"""The text that was accepted with its acceptance record underneath, as PDF (wkhtmltopdf)."""
	from frappe.utils.pdf import get_pdf

	from gigafibre.messaging.language import rendered_in

	with rendered_in(language):
		return get_pdf(pdf_page(quote.gigafibre_contract_text, acceptance_of(quote)))


def pdf_page(html: str, acceptance: contracts.Acceptance) -> str:
	"""The HTML printed: the contract, then the acceptance record (labels in the current language)."""
	methods = (contracts.SIGNED_LINK, contracts.DOCUSEAL, contracts.ON_BEHALF)
	rows = "".join(
		f"<tr><th>{escape_html(_(label))}</th>"
		f"<td>{escape_html(_(value) if value in methods else value)}</td></tr>"
		for label, value in contracts.certificate(acceptance)
	)
	return (
		'<html><head><meta charset="utf-8"><style>body{font-family:sans-serif;font-size:11pt}'
		"table{border-collapse:collapse;width:100%}td,th{border:1px solid #999;padding:4px;text-align:left}"
		f"</style></head><body>{html}<h2>{escape_html(_('Acceptance record'))}</h2>"
		f"<table>{rows}</table></body></html>"
	)


def acceptance_of(quote) -> contracts.Acceptance:
	"""The acceptance as the Quotation records it (its time back in UTC)."""
	local = get_datetime(quote.gigafibre_accepted_at).replace(tzinfo=ZoneInfo(get_system_timezone()))
	return contracts.Acceptance(
		full_name=quote.gigafibre_accepted_by or "",
		accepted_at=local.astimezone(timezone.utc),
		ip=quote.gigafibre_accepted_ip or "",
		user_agent=quote.gigafibre_accepted_user_agent or "",
		contract_hash=quote.gigafibre_contract_hash or "",
		method=quote.gigafibre_contract_method or "",
		reference=quote.gigafibre_contract_reference or "",
	)


def send_copy(order, quote, file, language: str) -> bool:
	"""The signed contract, attached, to the customer's email (the contract promises a copy). A
	customer known only by a mobile number finds it in the portal. A failure waits for the sweep."""
	from gigafibre.messaging.language import paragraphs, rendered_in

	email = order.email or (order.identifier if "@" in (order.identifier or "") else None)
	if not email and order.customer:
		email = frappe.db.get_value("Customer", order.customer, "email_id")
	if not email:
		return False
	with rendered_in(language):
		subject = _("Your signed Gigafibre contract (order {0})").format(order.name)
		message = paragraphs(
			_("Hello {0},").format(escape_html(order.first_name or "")),
			_(
				"Here is a copy of the contract you signed for order {0}, as a PDF. You can also find it in your customer portal."
			).format(order.name),
			_("Thank you for choosing Gigafibre."),
		)
	try:
		frappe.sendmail(
			recipients=[email],
			subject=subject,
			message=message,
			attachments=[{"fid": file.name}],
			reference_doctype="Quotation",
			reference_name=quote.name,
		)
	except frappe.OutgoingEmailError as err:
		frappe.log_error(title=_("Contract copy not sent"), message=str(err))
		return False
	quote.db_set("gigafibre_contract_copy_sent_at", now_datetime(), update_modified=False)
	return True


def customer_language(customer: str | None, web_order=None) -> str:
	"""The language the customer reads (their Customer's, else their web order's), French by default."""
	from gigafibre.messaging.language import recipient_language

	return recipient_language(customer=customer, web_order=web_order, fallback=DEFAULT_LANGUAGE)


def _failed(quote, why: str) -> None:
	quote.db_set(
		{
			"gigafibre_contract_pdf_status": FAILED,
			"gigafibre_contract_pdf_error": why[:1000],
			"gigafibre_contract_pdf_attempts": cint(quote.gigafibre_contract_pdf_attempts) + 1,
		},
		update_modified=False,
	)
