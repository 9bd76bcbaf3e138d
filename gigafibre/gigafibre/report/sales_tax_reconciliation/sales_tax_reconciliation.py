"""GST and QST collected per month, reconciled with ERPNext's General Ledger.

*Invoiced*: the tax rows of the submitted Sales Invoices of the month (credit notes negative),
in the company's currency (`base_tax_amount_after_discount_amount`), by tax account.
*In the GL*: what ERPNext's General Ledger holds on the same account for those invoices (credit
- debit of GL Entries of voucher type Sales Invoice, not cancelled). *Other entries*: what other
vouchers (journal entries, payments) moved on the account in the month: not a difference, shown
so the account's month adds up. The row says *Differs* when invoiced and GL differ by more than
a cent. Tax accounts: the company's accounts of type Tax. Two grouped statements.
"""

import frappe
from frappe import _

from gigafibre.reports import filters as common

INVOICED = """
select date_format(si.posting_date, '%%Y-%%m-01') as month, t.account_head as account,
	sum(t.base_tax_amount_after_discount_amount) as invoiced, count(distinct si.name) as invoices
from `tabSales Invoice` si
join `tabSales Taxes and Charges` t on t.parent = si.name and t.parenttype = 'Sales Invoice'{customer_join}
where si.docstatus = 1 and si.company = %(company)s and si.posting_date between %(from)s and %(to)s
	and t.account_head in %(accounts)s {conditions}
group by month, t.account_head
"""

LEDGER = """
select date_format(g.posting_date, '%%Y-%%m-01') as month, g.account as account,
	sum(case when g.voucher_type = 'Sales Invoice' then g.credit - g.debit else 0 end) as ledger,
	sum(case when g.voucher_type != 'Sales Invoice' then g.credit - g.debit else 0 end) as other
from `tabGL Entry` g
{join}
where g.is_cancelled = 0 and g.company = %(company)s and g.posting_date between %(from)s and %(to)s
	and g.account in %(accounts)s {conditions}
group by month, g.account
"""


def execute(filters=None):
	filters = frappe._dict(filters or {})
	start, end = common.date_range(filters, months_back=2)
	company = common.company(filters)
	accounts = tax_accounts(company, filters.get("account"))
	if not accounts:
		return columns(), [], _("The company has no account of type Tax.")
	values = {"company": company, "from": start, "to": end, "accounts": tuple(accounts)}
	conditions = common.customer_group_condition(filters, "c", values)
	invoiced = frappe.db.sql(
		INVOICED.format(conditions=conditions, customer_join=common.customer_join(filters, "si.customer")),
		values,
		as_dict=True,
	)
	join = ""
	if conditions:
		# Only the group's invoices: the GL rows of other vouchers have no customer to filter on.
		join = (
			"join `tabSales Invoice` si on si.name = g.voucher_no and g.voucher_type = 'Sales Invoice'"
			" join `tabCustomer` c on c.name = si.customer"
		)
	ledger = frappe.db.sql(LEDGER.format(join=join, conditions=conditions), values, as_dict=True)
	rows = merge(invoiced, ledger)
	return columns(), rows, None, chart(rows), summary(rows)


def tax_accounts(company: str, account: str | None) -> list[str]:
	filters = {"company": company, "account_type": "Tax", "is_group": 0}
	if account:
		filters["name"] = account
	return frappe.get_all("Account", filters=filters, pluck="name", order_by="name")


def merge(invoiced, ledger) -> list[dict]:
	rows: dict[tuple, frappe._dict] = {}
	for row in invoiced:
		rows[(row.month, row.account)] = frappe._dict(
			month=row.month, account=row.account, invoiced=float(row.invoiced or 0), invoices=row.invoices
		)
	for row in ledger:
		out = rows.setdefault(
			(row.month, row.account),
			frappe._dict(month=row.month, account=row.account, invoiced=0.0, invoices=0),
		)
		out.ledger, out.other = float(row.ledger or 0), float(row.other or 0)
	result = []
	for key in sorted(rows):
		row = rows[key]
		row.setdefault("ledger", 0.0)
		row.setdefault("other", 0.0)
		row.difference = round(row.invoiced - row.ledger, 2)
		row.status = _("Differs") if abs(row.difference) >= 0.01 else _("Matches")
		result.append(row)
	return result


def columns() -> list[dict]:
	money = {"fieldtype": "Currency", "width": 130}
	return [
		{"fieldname": "month", "label": _("Month"), "fieldtype": "Date", "width": 100},
		{
			"fieldname": "account",
			"label": _("Tax Account"),
			"fieldtype": "Link",
			"options": "Account",
			"width": 200,
		},
		{"fieldname": "invoices", "label": _("Invoices"), "fieldtype": "Int", "width": 90},
		{"fieldname": "invoiced", "label": _("Invoiced Tax"), **money},
		{"fieldname": "ledger", "label": _("Tax in the GL"), **money},
		{"fieldname": "difference", "label": _("Difference"), **money},
		{"fieldname": "status", "label": _("Reconciliation"), "fieldtype": "Data", "width": 110},
		{"fieldname": "other", "label": _("Other GL Entries"), **money},
	]


def chart(rows) -> dict | None:
	months = sorted({r.month for r in rows})
	if not months:
		return None
	accounts = sorted({r.account for r in rows})
	by = {(r.month, r.account): r.invoiced for r in rows}
	return {
		"data": {
			"labels": months,
			"datasets": [{"name": a, "values": [by.get((m, a), 0) for m in months]} for a in accounts],
		},
		"type": "bar",
		"fieldtype": "Currency",
	}


def summary(rows) -> list[dict]:
	differs = sum(1 for r in rows if abs(r.difference) >= 0.01)
	return [
		{"label": _("Invoiced Tax"), "value": sum(r.invoiced for r in rows), "datatype": "Currency"},
		{"label": _("Tax in the GL"), "value": sum(r.ledger for r in rows), "datatype": "Currency"},
		{
			"label": _("Months and accounts that differ"),
			"value": differs,
			"datatype": "Int",
			"indicator": "Red" if differs else "Green",
		},
	]
