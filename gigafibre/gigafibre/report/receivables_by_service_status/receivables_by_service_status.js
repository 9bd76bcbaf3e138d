frappe.query_reports["Receivables by Service Status"] = {
	filters: [
		{ fieldname: "company", label: __("Company"), fieldtype: "Link", options: "Company", default: frappe.defaults.get_user_default("Company"), reqd: 1 },
		{ fieldname: "date", label: __("Date"), fieldtype: "Date", default: frappe.datetime.get_today() },
		{
			fieldname: "service_status", label: __("Service Status"), fieldtype: "Select",
			options: [{ value: "", label: "" }, { value: "Active", label: __("Active") }, { value: "Suspended", label: __("Suspended") }, { value: "Inactive", label: __("Inactive") }],
		},
		{ fieldname: "customer_group", label: __("Customer Group"), fieldtype: "Link", options: "Customer Group" },
		{ fieldname: "customer", label: __("Customer"), fieldtype: "Link", options: "Customer" },
	],
};
