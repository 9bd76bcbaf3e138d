"""The customer invoice's print format ("Gigafibre Invoice", shipped in the Gigafibre module)
and the Jinja functions it uses (hooks.jinja), each in the print language.

The portal prints an invoice in its customer's language (`print_invoice`); after_migrate makes
the format Sales Invoice's default when the site has chosen none.
"""

import frappe
from frappe.utils import flt

from gigafibre.i18n import pick_language
from gigafibre.printing import amounts

INVOICE_FORMAT = "Gigafibre Invoice"


def _lang() -> str:
	return pick_language(getattr(frappe.local, "lang", None))


def gigafibre_money(value, currency: str | None = None) -> str:
	return amounts.format_money(flt(value), currency or "CAD", _lang())


def gigafibre_qty(value) -> str:
	return amounts.format_qty(value)


def gigafibre_date(value) -> str:
	return frappe.utils.format_date(value, "d MMMM yyyy" if _lang() == "fr" else "MMMM d, yyyy")


def gigafibre_amount_in_words(value, currency: str | None = None) -> str:
	return amounts.amount_in_words(flt(value), currency or "CAD", _lang())


def gigafibre_payable_total(doc) -> float:
	"""What the invoice asks for: the rounded total when rounding is on and applied, else the grand
	total (ERPNext leaves rounded_total at 0 when rounding is disabled)."""
	if not doc.get("disable_rounded_total") and flt(doc.get("rounded_total")):
		return flt(doc.rounded_total)
	return flt(doc.grand_total)


def print_invoice(name: str, language: str, as_pdf: bool = True):
	"""The invoice printed with our format in `language` (PDF bytes, or the HTML)."""
	from gigafibre.messaging.language import rendered_in

	with rendered_in(language):
		return frappe.get_print("Sales Invoice", name, print_format=INVOICE_FORMAT, as_pdf=as_pdf)


def ensure_default_format() -> None:
	"""after_migrate: our format becomes Sales Invoice's default, unless the site chose another."""
	if not frappe.db.exists("Print Format", INVOICE_FORMAT):
		return
	if frappe.get_meta("Sales Invoice").default_print_format:
		return
	frappe.make_property_setter(
		{
			"doctype": "Sales Invoice",
			"doctype_or_field": "DocType",
			"property": "default_print_format",
			"value": INVOICE_FORMAT,
			"property_type": "Data",
		},
		validate_fields_for_doctype=False,
	)
