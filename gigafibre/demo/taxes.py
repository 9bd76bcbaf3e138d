"""Québec's sales taxes as a Sales Taxes and Charges Template, for sites that have none yet
(demo data, tests, benchmarks): GST 5 % + QST 9.975 % on the net total, on the company's tax
accounts (created under its tax group when missing)."""

import frappe

RATES = (("GST", 5.0), ("QST", 9.975))


def quebec_sales_taxes(company_name: str, title: str) -> str:
	"""The template `<title> - <abbr>` of `company_name`, made once; its name."""
	abbr = frappe.get_cached_value("Company", company_name, "abbr")
	name = f"{title} - {abbr}"
	if frappe.db.exists("Sales Taxes and Charges Template", name):
		return name
	parent = frappe.db.get_value(
		"Account", {"company": company_name, "account_type": "Tax", "is_group": 1}, "name"
	) or frappe.db.get_value("Account", {"company": company_name, "account_name": "Duties and Taxes"}, "name")
	taxes = []
	for label, rate in RATES:
		account = frappe.db.get_value(
			"Account", {"company": company_name, "account_name": label, "is_group": 0}, "name"
		) or (
			frappe.get_doc(
				{
					"doctype": "Account",
					"account_name": label,
					"company": company_name,
					"parent_account": parent,
					"account_type": "Tax",
					"tax_rate": rate,
				}
			)
			.insert()
			.name
		)
		taxes.append(
			{
				"charge_type": "On Net Total",
				"account_head": account,
				"description": f"{label} {rate:g} %",
				"rate": rate,
			}
		)
	frappe.get_doc(
		{
			"doctype": "Sales Taxes and Charges Template",
			"title": title,
			"company": company_name,
			"taxes": taxes,
		}
	).insert()
	return name
