"""What the Gigafibre reports share in the shell: filter reading and the months table."""

from datetime import date

import frappe
from frappe.utils import getdate, today

from gigafibre.reports import kpi


def company(filters) -> str:
	return (
		filters.get("company")
		or frappe.defaults.get_user_default("Company")
		or frappe.defaults.get_global_default("company")
	)


def date_range(filters, months_back: int = 11) -> tuple[date, date]:
	"""(from, to) from the filters; default: the last `months_back` months and this one."""
	end = getdate(filters.get("to_date") or today())
	start = filters.get("from_date")
	if start:
		start = getdate(start)
	else:
		month = end.month - months_back
		year = end.year + (month - 1) // 12
		start = date(year, (month - 1) % 12 + 1, 1)
	if start > end:
		frappe.throw(frappe._("From Date must be before To Date."))
	return start, end


def months_sql(ends: list[date]) -> str:
	"""A derived table `(idx, m)` of month-end dates (literals from dates, never user text)."""
	return " union all ".join(f"select {i} as idx, date '{d.isoformat()}' as m" for i, d in enumerate(ends))


def month_grid(start: date, end: date) -> list[date]:
	"""The month-ends of the range, with the one before it first (index 0, the opening)."""
	ends = kpi.month_ends(start, end)
	return [kpi.previous_month_end(ends[0]), *ends]


def customer_group_condition(filters, alias: str, values: dict) -> str:
	"""`and <alias>.customer_group ...` for a Customer Group filter (its subgroups included)."""
	group = filters.get("customer_group")
	if not group:
		return ""
	lft, rgt = frappe.db.get_value("Customer Group", group, ["lft", "rgt"]) or (None, None)
	if lft is None:
		frappe.throw(frappe._("Customer Group {0} does not exist.").format(group))
	values["cg_lft"], values["cg_rgt"] = lft, rgt
	return (
		f" and {alias}.customer_group in (select name from `tabCustomer Group`"
		" where lft >= %(cg_lft)s and rgt <= %(cg_rgt)s)"
	)


def customer_join(filters, party: str) -> str:
	"""The join to Customer a Customer Group filter needs (none without one: the wide Customer
	rows are read only when they filter something)."""
	return f" join `tabCustomer` c on c.name = {party}" if filters.get("customer_group") else ""


def area_expression(filters, alias: str) -> str:
	"""The area of a Service Location: its postal code's first three characters (the forward
	sortation area, H2J) or its city."""
	if filters.get("area") == "City":
		return f"coalesce(nullif({alias}.city, ''), '-')"
	return f"coalesce(nullif(upper(left(replace({alias}.postal_code, ' ', ''), 3)), ''), '-')"
