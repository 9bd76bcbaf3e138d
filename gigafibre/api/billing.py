"""Billing endpoints for the desk (Customer and Service Location forms) and the ops SPA.

Reading needs read permission on Subscription; changing a subscription needs a billing role
(Accounts User or Manager, Gigafibre Manager, System Manager). Everything else lives in
`gigafibre.billing`.
"""

import json

import frappe
from frappe import _

from gigafibre.billing import cancellation, changes, overview, subscriptions
from gigafibre.roles import BILLING_ROLES


def _allow_change() -> None:
	if not (BILLING_ROLES & set(frappe.get_roles())):
		frappe.throw(_("Only billing staff may change a subscription."), frappe.PermissionError)


def _allow_read() -> None:
	if not frappe.has_permission("Subscription", "read"):
		frappe.throw(_("Not permitted to read subscriptions."), frappe.PermissionError)


def _existing(doctype: str, name: str | None) -> str:
	if not name or not isinstance(name, str) or not frappe.db.exists(doctype, name):
		frappe.throw(_("{0} {1} does not exist.").format(_(doctype), name or ""), frappe.DoesNotExistError)
	return name


def _ours(subscription: str) -> str:
	_existing("Subscription", subscription)
	if not frappe.db.get_value("Subscription", subscription, "gigafibre_service_location"):
		frappe.throw(_("Subscription {0} is not a Gigafibre service.").format(subscription))
	return subscription


def _codes(value: str | list | None, param: str) -> list[str] | None:
	"""A list of item codes sent as a JSON list, a comma-separated text, or a list."""
	if value is None:
		return None
	if isinstance(value, str):
		text = value.strip()
		if text.startswith("["):
			try:
				value = json.loads(text)
			except json.JSONDecodeError:
				frappe.throw(_("{0} must be a list of item codes.").format(param))
		else:
			value = [part.strip() for part in text.split(",") if part.strip()]
	if not isinstance(value, list) or not all(isinstance(code, str) for code in value):
		frappe.throw(_("{0} must be a list of item codes.").format(param))
	return value


@frappe.whitelist(methods=["GET"])
def summary(customer: str | None = None, service_location: str | None = None) -> list[dict]:
	"""The subscriptions of a customer or of a service location, as the forms show them."""
	_allow_read()
	if service_location:
		return overview.for_location(_existing("Service Location", service_location))
	if customer:
		return overview.for_customer(_existing("Customer", customer))
	frappe.throw(_("Give a customer or a service_location."))


@frappe.whitelist(methods=["POST"])
def activate(
	service_location: str,
	start_date: str | None = None,
	plan: str | None = None,
	add_ons: str | list | None = None,
) -> dict:
	"""Begin a location's subscription: with what its customer accepted, or with `plan` and
	`add_ons` given here; the first invoice is made at once."""
	_allow_change()
	_existing("Service Location", service_location)
	lines = None
	if plan:
		codes = [plan, *(_codes(add_ons, "add_ons") or [])]
		kinds = changes.item_kinds(codes)
		changes.check_choice(plan, set(codes[1:]), kinds)
		from gigafibre.onboarding import catalog

		prices = catalog.prices_for(catalog.selling_context().price_list, codes)
		if unpriced := [code for code in codes if code not in prices]:
			frappe.throw(_("No price for {0} in the selling price list.").format(", ".join(unpriced)))
		lines = [{"item_code": code, "rate": prices[code], "qty": 1} for code in codes]
	name = subscriptions.activate(service_location, start_date or None, lines)
	return overview.subscription(name)


@frappe.whitelist(methods=["POST"])
def change_plan(
	subscription: str, plan: str | None = None, add_ons: str | list | None = None, reason: str | None = None
) -> dict:
	"""Change the plan and/or the add-ons today; the prorated difference goes on the next invoice."""
	_allow_change()
	return changes.change_plan(_ours(subscription), plan or None, _codes(add_ons, "add_ons"), "Desk", reason)


@frappe.whitelist(methods=["POST"])
def cancel(subscription: str, end_date: str | None = None, reason: str | None = None) -> dict:
	"""End the subscription on `end_date` (today): final invoice or credit, and the Removal job."""
	_allow_change()
	return cancellation.cancel(_ours(subscription), end_date or None, reason, "Desk")


# Suspensions: the day's proposals approved or skipped by a manager (gigafibre/api/suspension.py).
from gigafibre.api.suspension import (
	approve_suspension,
	due_suspensions,
	retry_suspension,
	skip_suspension,
)
