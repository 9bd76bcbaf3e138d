"""A subscription as the desk forms and the portal show it: status, lines, balance, next invoice."""

import frappe
from frappe.utils import flt, getdate

from gigafibre.billing import accounts, periods, subscriptions
from gigafibre.onboarding.item_names import names_in


def status_of(sub, location_status: str | None) -> str:
	"""Active, Suspended or Cancelled: what the customer's service is, in one word."""
	if sub.status == "Cancelled" or sub.get("cancelation_date"):
		return "Cancelled"
	return "Suspended" if location_status == "Suspended" else "Active"


def subscription(name: str, language: str | None = None) -> dict:
	sub = frappe.get_doc("Subscription", name)
	location = (
		frappe.db.get_value(
			"Service Location",
			sub.gigafibre_service_location,
			["name", "address_line1", "city", "postal_code", "location_status", "suspension_reason"],
			as_dict=True,
		)
		or frappe._dict()
	)
	lines = subscriptions.monthly_lines(sub)
	names = names_in([line["item_code"] for line in lines], language)
	kinds = dict(
		frappe.get_all(
			"Item",
			filters={"name": ("in", [line["item_code"] for line in lines] or [""])},
			fields=["name", "gigafibre_kind"],
			as_list=True,
		)
	)
	status = status_of(sub, location.location_status)
	return {
		"name": sub.name,
		"customer": sub.party,
		"service_location": sub.gigafibre_service_location,
		"address": ", ".join(p for p in (location.address_line1, location.city, location.postal_code) if p),
		"status": status,
		"suspension_reason": location.suspension_reason if status == "Suspended" else None,
		"start_date": str(sub.start_date),
		"end_date": str(sub.end_date) if sub.end_date else None,
		"billing_day": subscriptions.billing_mode(sub),
		"lines": [
			{
				"item_code": line["item_code"],
				"name": names.get(line["item_code"], line["item_code"]),
				"kind": kinds.get(line["item_code"]),
				"monthly_rate": line["rate"],
				"qty": line["qty"],
			}
			for line in lines
		],
		"monthly_total": flt(sum(line["rate"] * line["qty"] for line in lines), 2),
		"balance": accounts.location_balance(sub.gigafibre_service_location),
		"next_invoice": next_invoice(sub, lines),
	}


def next_invoice(sub, lines: list[dict]) -> dict | None:
	"""When the next invoice comes and what it bills before taxes (changes not billed included)."""
	from gigafibre.billing.cycle import unbilled_changes

	if not sub.current_invoice_start:
		return None
	start = getdate(sub.current_invoice_start)
	end_date = getdate(sub.end_date) if sub.end_date else None
	if end_date and start > end_date:
		return None
	mode, anchor = subscriptions.billing_mode(sub), getdate(sub.start_date)
	period = periods.billed_period(start, mode, anchor, end_date)
	whole = periods.full_period(start, mode, anchor)
	amount = sum(periods.prorated(line["rate"], period, whole) * periods.cents(line["qty"]) for line in lines)
	adjustments = sum(
		periods.cents(a["amount"]) for change in unbilled_changes(sub.name) for a in change["adjustments"]
	)
	return {
		"date": str(start),
		"period_start": str(period.start),
		"period_end": str(period.end),
		"amount_before_taxes": flt(amount + adjustments, 2),
		"adjustments": flt(adjustments, 2),
	}


def for_customer(customer: str, language: str | None = None) -> list[dict]:
	names = frappe.get_all(
		"Subscription",
		filters={"party_type": "Customer", "party": customer, "gigafibre_service_location": ("is", "set")},
		pluck="name",
		order_by="creation desc",
	)
	return [subscription(name, language) for name in names]


def for_location(service_location: str, language: str | None = None) -> list[dict]:
	names = frappe.get_all(
		"Subscription",
		filters={"gigafibre_service_location": service_location},
		pluck="name",
		order_by="creation desc",
	)
	return [subscription(name, language) for name in names]
