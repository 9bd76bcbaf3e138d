"""The web catalog: Items marked for web sale, their price, and taxes computed by ERPNext.

Taxes come from the company's default Sales Taxes and Charges Template (GST + QST in Québec),
applied by ERPNext's own `calculate_taxes_and_totals` on an unsaved Quotation — never by hand.
"""

import frappe
from frappe.utils import getdate, nowdate

KINDS = {"Plan": "plans", "Add-on": "add_ons", "Fee": "fees"}


def selling_context(company: str | None = None, tax_template: str | None = None) -> frappe._dict:
	"""Company, default selling price list and its currency, the tax template and its rows."""
	from erpnext.controllers.accounts_controller import get_taxes_and_charges

	company = company or _default_company()
	price_list = frappe.db.get_single_value("Selling Settings", "selling_price_list") or "Standard Selling"
	currency = frappe.db.get_value("Price List", price_list, "currency") or frappe.get_cached_value(
		"Company", company, "default_currency"
	)
	template = tax_template or frappe.db.get_value(
		"Sales Taxes and Charges Template", {"is_default": 1, "company": company, "disabled": 0}
	)
	tax_rows = get_taxes_and_charges("Sales Taxes and Charges Template", template) or []
	return frappe._dict(
		company=company, price_list=price_list, currency=currency, template=template, tax_rows=tax_rows
	)


def web_items(item_codes: list[str] | None = None) -> list:
	"""Items for sale on the website (all, or among `item_codes`), with today's price."""
	filters = {"gigafibre_web_sale": 1, "disabled": 0, "has_variants": 0, "is_sales_item": 1}
	if item_codes is not None:
		filters["item_code"] = ("in", item_codes or [""])
	return frappe.get_all(
		"Item",
		filters=filters,
		fields=["item_code", "item_name", "gigafibre_name_fr", "gigafibre_kind", "description", "stock_uom"],
		order_by="item_name",
	)


def fee_items(item_codes: list[str]) -> set[str]:
	"""Which of these items are one-time fees (web kind "Fee"): what a signature invoices at once."""
	return set(
		frappe.get_all(
			"Item", filters={"name": ("in", item_codes or [""]), "gigafibre_kind": "Fee"}, pluck="name"
		)
	)


def quotation(ctx: frappe._dict, lines: list[tuple], **fields) -> "frappe.model.document.Document":
	"""An unsaved Quotation with ERPNext's totals: `lines` are (item row, price, qty)."""
	quote = frappe.new_doc("Quotation")
	quote.update(
		{
			"company": ctx.company,
			"quotation_to": "Customer",
			"transaction_date": nowdate(),
			"currency": ctx.currency,
			"conversion_rate": 1,
			"selling_price_list": ctx.price_list,
			"price_list_currency": ctx.currency,
			"plc_conversion_rate": 1,
			"taxes_and_charges": ctx.template,
			**fields,
		}
	)
	for item, price, qty in lines:
		quote.append(
			"items",
			{
				"item_code": item.item_code,
				"item_name": item.item_name,
				"description": item.description or item.item_name,
				"qty": qty,
				"uom": item.stock_uom,
				"stock_uom": item.stock_uom,
				"conversion_factor": 1,
				"price_list_rate": price,
				"rate": price,
			},
		)
	for row in ctx.tax_rows:
		quote.append("taxes", row)
	quote.run_method("calculate_taxes_and_totals")
	return quote


def catalog(company: str | None = None, tax_template: str | None = None, lang: str | None = None) -> dict:
	from gigafibre.onboarding.item_names import name_in

	ctx = selling_context(company, tax_template)
	currency, template = ctx.currency, ctx.template
	lang = lang or frappe.local.lang
	result = {"currency": currency, "tax_template": template, **{key: [] for key in KINDS.values()}}
	items = web_items()
	prices = prices_for(ctx.price_list, [item.item_code for item in items])
	for item in items:
		price = prices.get(item.item_code)
		if price is None or item.gigafibre_kind not in KINDS:
			continue
		quote = quotation(ctx, [(item, price, 1)])
		result[KINDS[item.gigafibre_kind]].append(
			{
				"item_code": item.item_code,
				"name": name_in(item, lang),
				"name_en": name_in(item, "en"),
				"name_fr": name_in(item, "fr"),
				"kind": item.gigafibre_kind,
				"description": item.description or "",
				"rate": quote.net_total,
				"taxes": [
					{"description": t.description, "rate": t.rate, "amount": t.tax_amount}
					for t in quote.taxes
					if t.tax_amount
				],
				"total_taxes": quote.total_taxes_and_charges,
				"total": quote.grand_total,
			}
		)
	return result


def prices_for(price_list: str, item_codes: list[str]) -> dict[str, float]:
	"""Today's selling price per item for everyone (no customer-specific row; the latest valid wins)."""
	if not item_codes:
		return {}
	today = getdate(nowdate())
	prices = {}
	for row in frappe.get_all(
		"Item Price",
		filters={
			"price_list": price_list,
			"selling": 1,
			"item_code": ("in", item_codes),
			"customer": ("is", "not set"),
		},
		fields=["item_code", "price_list_rate", "valid_from", "valid_upto"],
		order_by="valid_from asc, modified asc",
	):
		if row.valid_from and getdate(row.valid_from) > today:
			continue
		if row.valid_upto and getdate(row.valid_upto) < today:
			continue
		prices[row.item_code] = row.price_list_rate
	return prices


def _default_company() -> str:
	return (
		frappe.defaults.get_global_default("company") or frappe.get_all("Company", pluck="name", limit=1)[0]
	)
