frappe.query_reports["Technician Performance"] = {
	filters: [
		{ fieldname: "from_date", label: __("From Date"), fieldtype: "Date", default: frappe.datetime.month_start() },
		{ fieldname: "to_date", label: __("To Date"), fieldtype: "Date", default: frappe.datetime.get_today() },
		{ fieldname: "technician", label: __("Technician"), fieldtype: "Link", options: "Technician" },
		{
			fieldname: "group_by", label: __("Group By"), fieldtype: "Select", default: "Technician",
			options: [{ value: "Technician", label: __("Technician") }, { value: "Technician and Day", label: __("Technician and Day") }],
		},
	],
};
