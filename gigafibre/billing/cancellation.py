"""Cancellation: an end date, the final prorated invoice or credit, the equipment's way back.

Billed in advance, a subscription cancelled mid-period has paid for days it will not use: they are
credited (a credit note, with the changes not billed yet) the day it is cancelled. An end date
after the billed period leaves the last days to the cycle, which bills them prorated. Either way
the subscription is ERPNext-Cancelled with its end date, a Removal job collects the installed
equipment, which becomes Returned when that job is completed; what is still out `N` days after the
end date (settings) is invoiced at the price of its item (Item "Unreturned Equipment Type").
"""

from datetime import timedelta

import frappe
from frappe import _
from frappe.utils import add_days, cint, flt, getdate, today

from gigafibre.billing import changes, cycle, periods, subscriptions


def cancel(subscription: str, end_date=None, reason: str | None = None, source: str = "Desk") -> dict:
	"""End `subscription` on `end_date` (today by default); what it settled and the Removal job."""
	sub = frappe.get_doc("Subscription", subscription, for_update=True)
	if not sub.get("gigafibre_service_location"):
		frappe.throw(_("Subscription {0} is not a Gigafibre service.").format(sub.name))
	if sub.status == "Cancelled" or sub.cancelation_date:
		frappe.throw(_("Subscription {0} is already cancelled.").format(sub.name))
	end = getdate(end_date or today())
	if end < getdate(sub.start_date):
		frappe.throw(_("The end date cannot be before the subscription began ({0}).").format(sub.start_date))
	if end < getdate(today()) and source == "Portal":
		frappe.throw(_("The end date cannot be in the past."))

	lines = subscriptions.monthly_lines(sub)
	mode, anchor = subscriptions.billing_mode(sub), getdate(sub.start_date)
	# ERPNext's own fields; db_set because its validate refuses an end within the first month.
	sub.db_set({"end_date": end, "cancelation_date": today(), "status": "Cancelled"})
	context = cycle.Context()
	credits = []
	for period in billed_after(sub.name, end):
		whole = periods.full_period(period.start, mode, anchor)
		rates = {line["item_code"]: changes.line_amount(line) for line in lines}
		for credit in periods.cancellation_credits(rates, end, period, whole):
			credits.append(cycle.Charge(credit.item_code, 1, credit.amount, credit.period, "credit"))
	settled = []
	if getdate(sub.current_invoice_start) > end:
		# Nothing left to bill: the unused days and the pending changes are settled now.
		final = cycle.settle(
			sub, f"{sub.name}/final", getdate(today()), periods.Period(end, end), credits, context
		)
		settled = [final] if final else []
		sub.db_set(
			{"current_invoice_start": end + timedelta(days=1), "current_invoice_end": end + timedelta(days=1)}
		)
	else:
		# The last days are billed prorated by the cycle (today, when they have begun).
		settled = cycle.bill_subscription(sub.name, min(getdate(today()), end), context)
	change = changes.record(sub, "Cancellation", lines, [], [], source=source, reason=reason, effective=end)
	if settled:
		change.db_set("billed_invoice", settled[-1])
	job = removal_job(sub, end)
	change.db_set("dispatch_job", job)
	if end < getdate(today()):
		frappe.db.set_value("Service Location", sub.gigafibre_service_location, "location_status", "Inactive")
	return {
		"subscription": sub.name,
		"end_date": str(end),
		"settled": settled,
		"removal_job": job,
		"change": change.name,
	}


def billed_after(subscription: str, end) -> list[periods.Period]:
	"""Regular periods already invoiced that run past `end`."""
	rows = frappe.get_all(
		"Sales Invoice",
		filters={
			"subscription": subscription,
			"docstatus": 1,
			"is_return": 0,
			"to_date": (">", end),
			"gigafibre_billing_key": ("like", f"{subscription}/%"),
		},
		fields=["from_date", "to_date"],
		order_by="from_date",
	)
	return [periods.Period(getdate(r.from_date), getdate(r.to_date)) for r in rows]


def removal_job(sub, end) -> str | None:
	"""The job that collects the location's installed equipment after `end` (one per subscription)."""
	location = sub.gigafibre_service_location
	existing = frappe.db.get_value(
		"Dispatch Job",
		{
			"job_type": "Removal",
			"source_doctype": "Subscription",
			"source_name": sub.name,
			"status": ("!=", "Cancelled"),
		},
	)
	if existing:
		return existing
	equipment = frappe.get_all(
		"Service Equipment",
		filters={"service_location": location, "status": "Installed"},
		fields=["name", "serial_number", "equipment_type"],
		order_by="name",
	)
	day_after = add_days(end, 1)
	job = frappe.get_doc(
		{
			"doctype": "Dispatch Job",
			"subject": _("Equipment return: {0}").format(
				frappe.db.get_value("Service Location", location, "address_line1") or location
			),
			"job_type": "Removal",
			"priority": "Low",
			"expected_duration": 30,
			"customer": sub.party,
			"service_location": location,
			"window_start": f"{day_after} 08:00:00",
			"source": "Order",
			"source_doctype": "Subscription",
			"source_name": sub.name,
			"description": _("Service ended on {0}: collect the equipment.").format(end),
			"equipment": [
				{
					"equipment": row.name,
					"serial_number": row.serial_number,
					"equipment_type": row.equipment_type,
				}
				for row in equipment
			],
		}
	)
	job.insert(ignore_permissions=True)
	return job.name


def equipment_returned(job) -> None:
	"""A Removal job completed: its equipment is Returned (called from the job's on_update)."""
	for row in job.equipment:
		if frappe.db.get_value("Service Equipment", row.equipment, "status") == "Installed":
			frappe.db.set_value("Service Equipment", row.equipment, "status", "Returned")


def finish_ended(day=None) -> int:
	"""Scheduler, daily: locations whose subscription ended are Inactive; equipment still out
	`equipment_return_days` after the end is invoiced once. The number of equipment invoiced."""
	day = getdate(day or today())
	ended = frappe.get_all(
		"Subscription",
		filters={"status": "Cancelled", "end_date": ("<", day), "gigafibre_service_location": ("is", "set")},
		fields=[
			"name",
			"party",
			"company",
			"end_date",
			"gigafibre_service_location",
			"sales_tax_template",
			"days_until_due",
		],
	)
	grace = cint(frappe.db.get_single_value("Gigafibre Settings", "equipment_return_days") or 30)
	invoiced = 0
	for sub in ended:
		location = sub.gigafibre_service_location
		if frappe.db.get_value("Service Location", location, "location_status") not in (
			"Inactive",
		) and not subscriptions.of_location(location):
			frappe.db.set_value("Service Location", location, "location_status", "Inactive")
		if getdate(sub.end_date) + timedelta(days=grace) >= day:
			continue
		job = frappe.db.get_value(
			"Dispatch Job",
			{"job_type": "Removal", "source_doctype": "Subscription", "source_name": sub.name},
		)
		if not job:
			continue
		for row in frappe.get_all("Dispatch Job Equipment", filters={"parent": job}, fields=["equipment"]):
			frappe.db.savepoint("unreturned")
			try:
				invoiced += bool(invoice_unreturned(sub, row.equipment, day))
			except frappe.ValidationError:
				frappe.db.rollback(save_point="unreturned")
				frappe.log_error(title=_("Unreturned equipment {0} not invoiced").format(row.equipment))
	return invoiced


def invoice_unreturned(sub, equipment: str, day) -> str | None:
	"""Invoice equipment still Installed after the deadline, at its item's price; the invoice made
	now (None when there is nothing to invoice, or it was invoiced before)."""
	info = frappe.db.get_value(
		"Service Equipment", equipment, ["status", "equipment_type", "serial_number"], as_dict=True
	)
	if not info or info.status != "Installed":
		return None
	key = f"equipment/{equipment}"
	if cycle.existing_invoice(key):
		return None
	item = frappe.db.get_value("Item", {"gigafibre_equipment_type": info.equipment_type, "disabled": 0})
	if not item:
		frappe.log_error(
			title=_("No item to invoice unreturned {0}").format(info.equipment_type),
			message=_("Give an Item the Unreturned Equipment Type {0}.").format(info.equipment_type),
		)
		return None
	from gigafibre.onboarding import catalog

	price = catalog.prices_for(catalog.selling_context(sub.company).price_list, [item]).get(item)
	if not price:
		return None
	period = periods.Period(getdate(sub.end_date), getdate(sub.end_date))
	charge = cycle.Charge(item, 1, flt(price), period)
	sub_doc = frappe.get_doc("Subscription", sub.name)
	name = cycle.settle(sub_doc, key, day, period, [charge], cycle.Context())
	frappe.db.set_value(
		"Service Equipment", equipment, "notes", _("Not returned: invoiced on {0}.").format(name)
	)
	return name
