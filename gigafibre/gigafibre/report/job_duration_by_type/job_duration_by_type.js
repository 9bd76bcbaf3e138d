frappe.query_reports["Job Duration by Type"] = {
	filters: [
		{ fieldname: "from_date", label: __("From Date"), fieldtype: "Date", default: frappe.datetime.month_start() },
		{ fieldname: "to_date", label: __("To Date"), fieldtype: "Date", default: frappe.datetime.get_today() },
		{ fieldname: "technician", label: __("Technician"), fieldtype: "Link", options: "Technician" },
	],
};
