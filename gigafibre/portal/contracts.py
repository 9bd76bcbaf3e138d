"""A customer's signed contracts as the portal shows them, and their PDF (the copy the contract
promises). Every function takes the customer it serves; another customer's order answers 404."""

import frappe
from frappe import _

from gigafibre.onboarding import contract_document
from gigafibre.portal.account import not_found

PDF_NOT_READY = "The PDF of this document is being prepared. Try again in a few minutes."


class PdfNotReady(frappe.ValidationError):
	"""503: the document exists, its PDF cannot be made right now."""

	http_status_code = 503


def pdf_not_ready():
	"""503, in French: the portal's request says nothing of a language, and ERPNext gives every
	Customer the site's own ("en" on an English site), so French-first is the honest choice."""
	frappe.throw(
		_(PDF_NOT_READY, lang=contract_document.DEFAULT_LANGUAGE),
		exc=PdfNotReady,
		title=_("Document not available", lang=contract_document.DEFAULT_LANGUAGE),
	)


def contracts(customer: str) -> list[dict]:
	"""The customer's signed contracts, newest first."""
	orders = frappe.get_all(
		"Web Order",
		filters={"customer": customer, "contract_status": "Signed"},
		fields=["name", "quotation", "sales_order", "civic_number", "street", "city", "postal_code"],
		order_by="creation desc",
		limit=100,
	)
	quotes = {
		q.name: q
		for q in frappe.get_all(
			"Quotation",
			filters={"name": ("in", [o.quotation for o in orders] or [""])},
			fields=[
				"name",
				"gigafibre_accepted_by",
				"gigafibre_accepted_at",
				"gigafibre_contract_method",
				"gigafibre_contract_hash",
				"gigafibre_contract_pdf_status",
				"grand_total",
				"currency",
			],
		)
	}
	result = []
	for order in orders:
		quote = quotes.get(order.quotation) or frappe._dict()
		result.append(
			{
				"name": order.name,
				"address": f"{order.civic_number} {order.street}, {order.city} {order.postal_code}",
				"accepted_by": quote.gigafibre_accepted_by,
				"accepted_at": quote.gigafibre_accepted_at,
				"method": quote.gigafibre_contract_method,
				"contract_hash": quote.gigafibre_contract_hash,
				"grand_total": quote.grand_total,
				"currency": quote.currency,
				"pdf_ready": quote.gigafibre_contract_pdf_status == contract_document.MADE,
			}
		)
	return result


def contract_pdf(customer: str, name: str) -> tuple[str, bytes]:
	"""(file name, PDF) of one of the customer's signed contracts; 503 while it is being made."""
	row = frappe.db.get_value("Web Order", name, ["customer", "quotation", "contract_status"], as_dict=True)
	if not row or row.customer != customer or row.contract_status != "Signed":
		not_found("Web Order", name)
	quote = frappe.get_doc("Quotation", row.quotation)
	file = contract_document.attached(quote)
	if not file:
		pdf_not_ready()
	content = file.get_content()
	return f"contrat-{name}.pdf", content if isinstance(content, bytes) else content.encode()
