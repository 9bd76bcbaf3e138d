"""An item's name in each of our languages, from one place: the Item.

English is ERPNext's own `item_name`; French is the Item's French Name (`gigafibre_name_fr`, in
the Web Sale section), falling back to `item_name`. The catalog, the contract and the order's
answer read names here; quotations, sales orders and invoices get their rows' names in the
customer's language when they are saved (`localize`, a `validate` hook), so the order, the
invoice, its print and the portal say what the catalog said.
"""

import frappe

from gigafibre.i18n import pick_language

NAME_FIELDS = {"en": "item_name", "fr": "gigafibre_name_fr"}


def name_in(item, language: str | None) -> str:
	"""`item` (a dict or document with item_name and gigafibre_name_fr) named in `language`."""
	field = NAME_FIELDS.get(pick_language(language), "item_name")
	return (item.get(field) or "").strip() or item.get("item_name") or item.get("item_code") or ""


def names_in(item_codes, language: str | None) -> dict[str, str]:
	"""{item_code: name in `language`} for these items."""
	return {item.name: name_in(item, language) for item in _items(item_codes)}


def _items(item_codes) -> list:
	codes = sorted({code for code in item_codes if code})
	if not codes:
		return []
	fields = ["name", "item_code", "item_name"]
	if frappe.get_meta("Item").has_field("gigafibre_name_fr"):
		fields.append("gigafibre_name_fr")
	return frappe.get_all("Item", filters={"name": ("in", codes)}, fields=fields)


def document_language(doc) -> str:
	"""The language of a selling document's customer: the Customer's (else their web order's) or
	the Lead's, else the document's print language, else French."""
	from gigafibre.messaging.language import recipient_language

	party_type = doc.get("quotation_to") if doc.doctype == "Quotation" else "Customer"
	party = doc.get("party_name") if doc.doctype == "Quotation" else doc.get("customer")
	if party_type == "Customer" and party:
		return recipient_language(customer=party, fallback=pick_language(doc.get("language")))
	lead_language = frappe.db.get_value("Lead", party, "language") if party_type == "Lead" and party else None
	return pick_language(lead_language, doc.get("language"))


def localize(doc, method=None) -> None:
	"""doc_events `validate` on Quotation, Sales Order and Sales Invoice: each row still named as
	its Item is (in any of our languages) takes the name in the customer's language; a name
	typed by hand is kept. The document's print language is set when empty."""
	language = document_language(doc)
	if not doc.get("language"):
		doc.language = language
	items = {item.name: item for item in _items(row.item_code for row in doc.get("items") or [])}
	for row in doc.get("items") or []:
		item = items.get(row.item_code)
		if not item:
			continue
		known = {(item.get(field) or "").strip() for field in NAME_FIELDS.values()} - {""}
		wanted = name_in(item, language)
		if (row.item_name or "").strip() in known:
			row.item_name = wanted
		if frappe.utils.strip_html(row.description or "").strip() in known:
			row.description = wanted
