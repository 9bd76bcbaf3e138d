// Status colours in the list view: what still needs a dispatcher stands out.
frappe.listview_settings["Dispatch Job"] = {
	add_fields: ["status", "priority"],
	get_indicator(doc) {
		const colours = {
			New: "red",
			Planned: "orange",
			Assigned: "blue",
			"En Route": "purple",
			"On Site": "cyan",
			Completed: "green",
			Cancelled: "gray",
		};
		return [__(doc.status), colours[doc.status] || "gray", "status,=," + doc.status];
	},
};
