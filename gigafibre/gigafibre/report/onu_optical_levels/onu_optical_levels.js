frappe.query_reports["ONU Optical Levels"] = {
	filters: [{ fieldname: "olt", label: __("OLT"), fieldtype: "Data" }],
};
