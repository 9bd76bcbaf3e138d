// Status colours in the list view: the day's proposals and what failed stand out.
frappe.listview_settings["Service Suspension"] = {
	add_fields: ["status", "action"],
	get_indicator(doc) {
		const colours = {
			Proposed: "orange",
			Pending: "blue",
			Running: "purple",
			Done: "green",
			Failed: "red",
			Skipped: "gray",
		};
		return [__(doc.status), colours[doc.status] || "gray", "status,=," + doc.status];
	},
};
