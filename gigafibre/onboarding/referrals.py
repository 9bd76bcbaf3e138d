"""Referral credits in ERPNext: **credit notes**, one to the new customer and one to the referrer.

Why credit notes and not a pricing rule: a pricing rule discounts every matching line of every
future transaction until someone disables it, and ERPNext has no "once per customer" on it; a
credit note is a one-time amount on the customer's account that accountants see, that appears on
the statement, and that the next invoice's payment reconciliation consumes. Each is a standalone
return Sales Invoice (`is_return`, no `return_against`) of the "Referral Credit" service item,
without taxes (a credit on account, not a price change).

Never twice: one Referral row per referred customer and per verified email or phone (unique
indexes), written in the same transaction as its credit notes.
"""

import frappe
from frappe import _
from frappe.utils import flt, nowdate

from gigafibre.errors import InvalidValue
from gigafibre.onboarding import referral

CREDIT_ITEM = "GF-REFERRAL-CREDIT"


def code_for(customer: str) -> str:
	"""The customer's referral code, given the first time it is asked for and then always the same.
	The portal asks with a GET, whose writes Frappe does not commit unless told (`flags.commit`)."""
	code = frappe.db.get_value("Customer", customer, "gigafibre_referral_code")
	while not code:
		candidate = referral.new_code()
		if not frappe.db.exists("Customer", {"gigafibre_referral_code": candidate}):
			frappe.db.set_value(
				"Customer", customer, "gigafibre_referral_code", candidate, update_modified=False
			)
			frappe.local.flags.commit = True
			code = candidate
	return code


def referrer_for(code: str) -> referral.Referrer | None:
	row = frappe.db.get_value(
		"Customer",
		{"gigafibre_referral_code": code},
		["name", "disabled", "email_id", "mobile_no"],
		as_dict=True,
	)
	if not row:
		return None
	identifiers = {v.lower() for v in (row.email_id, row.mobile_no) if v}
	return referral.Referrer(row.name, bool(row.disabled), frozenset(identifiers))


def existing_customer_for(identifier: str) -> str | None:
	field = "email_id" if "@" in identifier else "mobile_no"
	return frappe.db.get_value("Customer", {field: identifier}, "name")


def validate(code: str | None, identifier: str) -> tuple[str, str]:
	"""(normalized code, referrer customer) when the code may be credited to this person; an
	`InvalidValue` saying why not otherwise."""
	normalized = referral.normalize_code(code)
	found = referrer_for(normalized)
	referral.check(
		normalized,
		found,
		identifier,
		already_referred=bool(frappe.db.exists("Referral", {"referred_identifier": identifier})),
		existing_customer=bool(existing_customer_for(identifier)),
	)
	return normalized, found.customer


def apply(order, customer: str) -> str | None:
	"""Write the Referral and its credit notes for an accepted web order; its name, or None when
	the order had no code. A second call for the same person finds the first Referral."""
	if not order.referral_code or not order.referrer:
		return None
	existing = frappe.db.get_value(
		"Referral",
		{"referred_customer": customer},
		"name",
	) or frappe.db.get_value("Referral", {"referred_identifier": order.identifier}, "name")
	if existing:
		return existing
	settings = frappe.get_single("Gigafibre Settings")
	company = frappe.db.get_value("Quotation", order.quotation, "company")
	currency = frappe.get_cached_value("Company", company, "default_currency")
	doc = frappe.get_doc(
		{
			"doctype": "Referral",
			"referral_code": order.referral_code,
			"referrer": order.referrer,
			"referred_customer": customer,
			"referred_identifier": order.identifier,
			"web_order": order.name,
			"currency": currency,
		}
	)
	for credit in referral.credits(
		order.referrer,
		customer,
		flt(settings.referral_credit_referred),
		flt(settings.referral_credit_referrer),
	):
		note = credit_note(credit.customer, credit.amount, company, order.referral_code)
		doc.set(f"{credit.role}_amount", credit.amount)
		doc.set(f"{credit.role}_credit_note", note)
	doc.insert(ignore_permissions=True)
	return doc.name


def credit_note(customer: str, amount: float, company: str, code: str) -> str:
	"""A submitted standalone credit note of `amount` for `customer`."""
	note = frappe.new_doc("Sales Invoice")
	note.update(
		{
			"customer": customer,
			"company": company,
			"posting_date": nowdate(),
			"is_return": 1,
			"remarks": _("Referral credit (code {0})").format(code),
		}
	)
	note.append(
		"items",
		{
			"item_code": credit_item(),
			"qty": -1,
			"rate": amount,
			"description": _("Referral credit (code {0})").format(code),
		},
	)
	note.flags.ignore_permissions = True
	note.set_missing_values()
	note.taxes_and_charges = None
	note.set("taxes", [])
	note.calculate_taxes_and_totals()
	note.insert()
	note.submit()
	return note.name


def credit_item() -> str:
	"""The non-stock service item the credit notes are written with (created the first time)."""
	if not frappe.db.exists("Item", CREDIT_ITEM):
		frappe.get_doc(
			{
				"doctype": "Item",
				"item_code": CREDIT_ITEM,
				"item_name": "Referral Credit",
				"description": "Referral credit",
				"item_group": frappe.db.get_value("Item Group", {"is_group": 0}, "name")
				or frappe.db.get_value("Item Group", {}, "name"),
				"stock_uom": frappe.db.get_value("UOM", "Nos", "name") or "Unit",
				"is_stock_item": 0,
				"is_sales_item": 1,
				"include_item_in_manufacturing": 0,
			}
		).insert(ignore_permissions=True)
	return CREDIT_ITEM


def check_for_guest(code: str | None) -> dict:
	"""What the web form shows while typing a code: valid or not, and the credit it brings.
	Says nothing about whose code it is."""
	try:
		normalized = referral.normalize_code(code)
	except InvalidValue:
		return {"valid": False}
	found = referrer_for(normalized)
	if not found or found.disabled:
		return {"valid": False}
	settings = frappe.get_single("Gigafibre Settings")
	return {"valid": True, "code": normalized, "credit": flt(settings.referral_credit_referred)}


def summary_for(customer: str) -> dict:
	"""The portal's referral card: the code, how many friends it brought and the credits earned."""
	rows = frappe.get_all(
		"Referral",
		filters={"referrer": customer},
		fields=["creation", "referrer_amount", "currency"],
		order_by="creation desc",
	)
	return {
		"code": code_for(customer),
		"credit_for_a_friend": flt(
			frappe.db.get_single_value("Gigafibre Settings", "referral_credit_referred")
		),
		"credit_for_you": flt(frappe.db.get_single_value("Gigafibre Settings", "referral_credit_referrer")),
		"referrals": len(rows),
		"credited": sum(flt(r.referrer_amount) for r in rows),
		"history": [
			{"date": str(r.creation.date()), "amount": r.referrer_amount, "currency": r.currency}
			for r in rows
		],
	}
