frappe.query_reports["Sales Tax Reconciliation"] = {
	filters: [
		{ fieldname: "company", label: __("Company"), fieldtype: "Link", options: "Company", default: frappe.defaults.get_user_default("Company"), reqd: 1 },
		{ fieldname: "from_date", label: __("From Date"), fieldtype: "Date", default: frappe.datetime.add_months(frappe.datetime.month_start(), -2) },
		{ fieldname: "to_date", label: __("To Date"), fieldtype: "Date", default: frappe.datetime.month_end() },
		{
			fieldname: "account", label: __("Tax Account"), fieldtype: "Link", options: "Account",
			get_query: () => ({ filters: { account_type: "Tax", is_group: 0, company: frappe.query_report.get_filter_value("company") } }),
		},
		{ fieldname: "customer_group", label: __("Customer Group"), fieldtype: "Link", options: "Customer Group" },
	],
	formatter(value, row, column, data, default_formatter) {
		value = default_formatter(value, row, column, data);
		if (column.fieldname === "status" && data && Math.abs(data.difference || 0) >= 0.01) {
			value = `<span class="text-danger">${value}</span>`;
		}
		return value;
	},
};
