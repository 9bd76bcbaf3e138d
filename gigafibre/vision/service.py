"""Vision on the Frappe side: the client from settings, matches against Service Equipment, and
the draft Purchase Invoice made from a read supplier invoice."""

import frappe
from frappe import _
from frappe.utils import flt, nowdate

from gigafibre.ai.service import gemini
from gigafibre.vision.client import VisionClient

MATCH_FIELDS = (
	"name",
	"serial_number",
	"mac_address",
	"equipment_type",
	"status",
	"service_location",
	"customer",
)


def vision_client() -> VisionClient:
	return gemini(VisionClient)


def find_equipment(serial_number: str | None = None, mac_address: str | None = None) -> dict | None:
	"""The Service Equipment a label names: by serial first (unique index), then by MAC."""
	for field, value in (
		("serial_number", serial_number),
		("gpon_serial", serial_number),
		("mac_address", mac_address),
	):
		if value:
			row = frappe.db.get_value("Service Equipment", {field: value}, MATCH_FIELDS, as_dict=True)
			if row:
				return row
	return None


def with_matches(labels: list[dict]) -> list[dict]:
	for label in labels:
		existing = find_equipment(label["serial_number"], label["mac_address"])
		if existing:
			label["match"] = {"status": "existing", **existing, "equipment_status": existing.status}
			label["match"]["status"] = "existing"
		else:
			label["match"] = {"status": "new"}
	return labels


def draft_purchase_invoice(invoice: dict, company: str | None = None) -> str:
	"""A draft Purchase Invoice for review; nothing is submitted or paid."""
	supplier = _find_supplier(invoice.get("supplier_name"), invoice.get("supplier_tax_id"))
	if not invoice.get("lines"):
		frappe.throw(_("The invoice has no lines to copy."))
	company = (
		company
		or frappe.defaults.get_user_default("Company")
		or frappe.db.get_single_value("Global Defaults", "default_company")
	)
	expense_account = frappe.get_cached_value("Company", company, "default_expense_account")
	if not expense_account:
		frappe.throw(_("Company {0} has no default expense account to book the lines to.").format(company))
	pi = frappe.get_doc(
		{
			"doctype": "Purchase Invoice",
			"supplier": supplier,
			"company": company,
			"bill_no": invoice.get("invoice_number"),
			"bill_date": invoice.get("invoice_date"),
			"posting_date": nowdate(),
			"currency": invoice.get("currency") or None,
			"items": [
				{
					"item_name": (line.get("description") or _("Line {0}").format(i))[:140],
					"description": line.get("description"),
					"qty": flt(line.get("quantity")) or 1,
					"rate": flt(line.get("unit_price")) or flt(line.get("amount")),
					"uom": "Nos",
					"expense_account": expense_account,
				}
				for i, line in enumerate(invoice["lines"], start=1)
			],
			"remarks": _(
				"Read from a photo of the supplier's invoice. Taxes as printed: {0}. Total as printed: {1}."
			).format(
				", ".join(f"{t.get('name')} {t.get('amount')}" for t in invoice.get("taxes") or []) or "—",
				invoice.get("total"),
			),
		}
	)
	pi.insert()
	return pi.name


def _find_supplier(name: str | None, tax_id: str | None) -> str:
	if tax_id and (match := frappe.db.get_value("Supplier", {"tax_id": tax_id.strip()})):
		return match
	if name:
		for filters in ({"supplier_name": name.strip()}, {"supplier_name": ("like", f"%{name.strip()}%")}):
			matches = frappe.get_all("Supplier", filters=filters, pluck="name", limit=2)
			if len(matches) == 1:
				return matches[0]
	frappe.throw(
		_("No supplier matches {0} (tax number {1}). Create the supplier, then try again.").format(
			name or "?", tax_id or "—"
		),
		exc=frappe.DoesNotExistError,
	)
