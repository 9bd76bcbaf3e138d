frappe.query_reports["Subscribers by Plan and Area"] = {
	filters: [
		{ fieldname: "company", label: __("Company"), fieldtype: "Link", options: "Company", default: frappe.defaults.get_user_default("Company"), reqd: 1 },
		{ fieldname: "date", label: __("Date"), fieldtype: "Date", default: frappe.datetime.get_today() },
		{ fieldname: "area", label: __("Area"), fieldtype: "Select", options: [{ value: "Postal Prefix", label: __("Postal Prefix") }, { value: "City", label: __("City") }], default: "Postal Prefix" },
		{ fieldname: "customer_group", label: __("Customer Group"), fieldtype: "Link", options: "Customer Group" },
	],
};
