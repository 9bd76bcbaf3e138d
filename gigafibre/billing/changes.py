"""Plan changes mid-cycle: upgrade, downgrade, add or remove an add-on, from the desk or the portal.

A change takes effect today. The month in progress was billed in advance, so its remaining days
are settled on the next invoice: a credit for what leaves, a charge for what comes, prorated by
day (`periods.change_adjustments`). Kept items keep the rate the customer accepted; new ones come
at today's price. Every change is a Subscription Change row: who, when, from where, the monthly
difference and the prorated amount, and the invoice that settled it. An added item that needs a
technician (Item "Needs a Technician", a mesh node say) creates the Upgrade job.
"""

import json
from decimal import Decimal

import frappe
from frappe import _
from frappe.utils import flt, getdate, now_datetime, today

from gigafibre.billing import periods, subscriptions
from gigafibre.onboarding import catalog


def change_plan(
	subscription: str,
	plan: str | None = None,
	add_ons: list[str] | None = None,
	source: str = "Desk",
	reason: str | None = None,
) -> dict:
	"""Change the plan (`plan`) and/or the add-ons (`add_ons`, the full list wanted; None keeps
	them). Returns the change's summary."""
	sub = frappe.get_doc("Subscription", subscription, for_update=True)
	check_changeable(sub)
	before = subscriptions.monthly_lines(sub)
	kinds = item_kinds([line["item_code"] for line in before] + [plan or ""] + list(add_ons or []))
	current_plan = next(
		(line["item_code"] for line in before if kinds.get(line["item_code"]) == "Plan"), None
	)
	current_add_ons = {line["item_code"] for line in before if kinds.get(line["item_code"]) == "Add-on"}
	wanted_plan = plan or current_plan
	wanted_add_ons = set(add_ons) if add_ons is not None else current_add_ons
	check_choice(wanted_plan, wanted_add_ons, kinds)
	if wanted_plan == current_plan and wanted_add_ons == current_add_ons:
		frappe.throw(_("Nothing to change: this is already the subscription's plan and add-ons."))

	wanted = ({wanted_plan} if wanted_plan else set()) | wanted_add_ons
	kept = [line for line in before if line["item_code"] in wanted]
	new_codes = sorted(wanted - {line["item_code"] for line in kept})
	prices = catalog.prices_for(catalog.selling_context(sub.company).price_list, new_codes)
	if unpriced := [code for code in new_codes if code not in prices]:
		frappe.throw(_("No price for {0} in the selling price list.").format(", ".join(unpriced)))
	after = kept + [{"item_code": code, "rate": flt(prices[code]), "qty": 1} for code in new_codes]

	effective = getdate(today())
	removed = {line["item_code"]: line_amount(line) for line in before if line["item_code"] not in wanted}
	added = {line["item_code"]: line_amount(line) for line in after if line["item_code"] in new_codes}
	adjustments = _adjustments(sub, removed, added, effective)
	change_type = _change_type(current_plan, wanted_plan, current_add_ons, wanted_add_ons, before, after)

	sub.set("plans", [])
	for line in after:
		sub.append(
			"plans",
			{
				"plan": subscriptions.ensure_plan(line["item_code"]),
				"qty": line["qty"],
				"gigafibre_rate": line["rate"],
			},
		)
	sub.flags.ignore_permissions = True
	sub.save()

	job = _technician_job(sub, [code for code in new_codes if _needs_technician(code)])
	change = record(
		sub,
		change_type,
		before,
		after,
		adjustments,
		source=source,
		reason=reason,
		dispatch_job=job,
	)
	return summary(change)


def check_changeable(sub) -> None:
	if not sub.get("gigafibre_service_location"):
		frappe.throw(_("Subscription {0} is not a Gigafibre service.").format(sub.name))
	if sub.status == "Cancelled" or sub.end_date:
		frappe.throw(_("Subscription {0} is cancelled: it cannot change.").format(sub.name))


def item_kinds(codes: list[str]) -> dict[str, str]:
	codes = [code for code in codes if code]
	return dict(
		frappe.get_all(
			"Item",
			filters={"name": ("in", codes or [""]), "disabled": 0},
			fields=["name", "gigafibre_kind"],
			as_list=True,
		)
	)


def check_choice(plan: str | None, add_ons: set[str], kinds: dict[str, str]) -> None:
	if not plan or kinds.get(plan) != "Plan":
		frappe.throw(_("{0} is not a plan of the catalog.").format(plan or "—"), frappe.ValidationError)
	for code in sorted(add_ons):
		if kinds.get(code) != "Add-on":
			frappe.throw(_("{0} is not an add-on of the catalog.").format(code), frappe.ValidationError)


def line_amount(line: dict) -> Decimal:
	"""A monthly line's amount (rate times quantity), to the cent."""
	return periods.cents(Decimal(str(line["rate"])) * Decimal(str(line["qty"])))


def monthly_total(lines: list[dict]) -> Decimal:
	return sum((line_amount(line) for line in lines), Decimal(0))


def billed_period(sub, day) -> periods.Period | None:
	"""The period of the subscription's regular invoice that covers `day`, if one was billed."""
	row = frappe.db.get_value(
		"Sales Invoice",
		{
			"subscription": sub.name,
			"docstatus": 1,
			"is_return": 0,
			"from_date": ("<=", day),
			"to_date": (">=", day),
			"gigafibre_billing_key": ("like", f"{sub.name}/%"),
		},
		["from_date", "to_date"],
		as_dict=True,
		order_by="from_date desc",
	)
	return periods.Period(getdate(row.from_date), getdate(row.to_date)) if row else None


def _adjustments(sub, removed: dict, added: dict, effective) -> list[periods.Adjustment]:
	billed = billed_period(sub, effective)
	if billed is None:
		return []
	whole = periods.full_period(billed.start, subscriptions.billing_mode(sub), getdate(sub.start_date))
	return periods.change_adjustments(removed, added, effective, billed, whole)


def _change_type(current_plan, wanted_plan, current_add_ons, wanted_add_ons, before, after) -> str:
	if current_plan != wanted_plan:
		old = next((line["rate"] for line in before if line["item_code"] == current_plan), 0)
		new = next((line["rate"] for line in after if line["item_code"] == wanted_plan), 0)
		return "Upgrade" if new > old else "Downgrade" if new < old else "Plan Change"
	if wanted_add_ons - current_add_ons and current_add_ons - wanted_add_ons:
		return "Add-ons Changed"
	return "Add-on Added" if wanted_add_ons - current_add_ons else "Add-on Removed"


def _needs_technician(item_code: str) -> bool:
	return bool(frappe.db.get_value("Item", item_code, "gigafibre_needs_technician"))


def _technician_job(sub, items: list[str]) -> str | None:
	if not items:
		return None
	from gigafibre.messaging.language import recipient_language
	from gigafibre.onboarding.item_names import names_in

	names = names_in(items, recipient_language(sub.party))
	job = frappe.get_doc(
		{
			"doctype": "Dispatch Job",
			"subject": _("Install: {0}").format(", ".join(names.get(code, code) for code in items)),
			"job_type": "Upgrade",
			"priority": "Normal",
			"expected_duration": 60,
			"customer": sub.party,
			"service_location": sub.gigafibre_service_location,
			"source": "Order",
			"source_doctype": "Subscription",
			"source_name": sub.name,
		}
	)
	job.insert(ignore_permissions=True)
	return job.name


def record(
	sub,
	change_type: str,
	before: list[dict],
	after: list[dict],
	adjustments: list[periods.Adjustment],
	source: str,
	reason: str | None = None,
	dispatch_job: str | None = None,
	effective=None,
):
	"""The Subscription Change row for what was done to `sub`."""
	monthly_before, monthly_after = monthly_total(before), monthly_total(after)
	change = frappe.get_doc(
		{
			"doctype": "Subscription Change",
			"subscription": sub.name,
			"change_type": change_type,
			"effective_date": effective or today(),
			"customer": sub.party,
			"service_location": sub.gigafibre_service_location,
			"changed_by": frappe.session.user,
			"changed_at": now_datetime(),
			"source": source,
			"reason": reason,
			"currency": frappe.get_cached_value("Company", sub.company, "default_currency"),
			"monthly_before": monthly_before,
			"monthly_after": monthly_after,
			"price_difference": monthly_after - monthly_before,
			"prorated_amount": sum((a.amount for a in adjustments), Decimal(0)),
			"dispatch_job": dispatch_job,
			"lines_before": subscriptions.snapshot(before),
			"lines_after": subscriptions.snapshot(after),
			"adjustments": json.dumps(
				[
					{
						"item_code": a.item_code,
						"amount": str(a.amount),
						"start": a.period.start.isoformat(),
						"end": a.period.end.isoformat(),
					}
					for a in adjustments
				]
			)
			if adjustments
			else None,
		}
	)
	change.insert(ignore_permissions=True)
	return change


def summary(change) -> dict:
	return {
		"change": change.name,
		"subscription": change.subscription,
		"change_type": change.change_type,
		"effective_date": str(change.effective_date),
		"monthly_before": flt(change.monthly_before),
		"monthly_after": flt(change.monthly_after),
		"price_difference": flt(change.price_difference),
		"prorated_amount": flt(change.prorated_amount),
		"currency": change.currency,
		"dispatch_job": change.dispatch_job,
	}
