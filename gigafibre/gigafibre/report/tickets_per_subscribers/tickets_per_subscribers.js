frappe.query_reports["Tickets per Subscribers"] = {
	filters: [
		{ fieldname: "company", label: __("Company"), fieldtype: "Link", options: "Company", default: frappe.defaults.get_user_default("Company"), reqd: 1 },
		{ fieldname: "from_date", label: __("From Date"), fieldtype: "Date", default: frappe.datetime.month_start() },
		{ fieldname: "to_date", label: __("To Date"), fieldtype: "Date", default: frappe.datetime.get_today() },
		{ fieldname: "area", label: __("Area"), fieldtype: "Select", options: [{ value: "Postal Prefix", label: __("Postal Prefix") }, { value: "City", label: __("City") }], default: "Postal Prefix" },
		{ fieldname: "issue_type", label: __("Category"), fieldtype: "Link", options: "Issue Type" },
		{ fieldname: "customer_group", label: __("Customer Group"), fieldtype: "Link", options: "Customer Group" },
	],
};
