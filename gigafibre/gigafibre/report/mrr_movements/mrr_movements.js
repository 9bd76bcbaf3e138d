frappe.query_reports["MRR Movements"] = {
	filters: [
		{ fieldname: "company", label: __("Company"), fieldtype: "Link", options: "Company", default: frappe.defaults.get_user_default("Company"), reqd: 1 },
		{ fieldname: "from_date", label: __("From Date"), fieldtype: "Date", default: frappe.datetime.add_months(frappe.datetime.month_start(), -11) },
		{ fieldname: "to_date", label: __("To Date"), fieldtype: "Date", default: frappe.datetime.month_end() },
		{ fieldname: "plan", label: __("Plan"), fieldtype: "Link", options: "Subscription Plan" },
		{ fieldname: "customer_group", label: __("Customer Group"), fieldtype: "Link", options: "Customer Group" },
		{ fieldname: "customer", label: __("Customer"), fieldtype: "Link", options: "Customer" },
		{
			fieldname: "group_by", label: __("Group By"), fieldtype: "Select", default: "Month",
			options: [{ value: "Month", label: __("Month") }, { value: "Plan and Month", label: __("Plan and Month") }],
		},
	],
};
