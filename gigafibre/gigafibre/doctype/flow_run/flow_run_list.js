frappe.listview_settings["Flow Run"] = {
	add_fields: ["status"],
	get_indicator(doc) {
		const colours = {
			Pending: "gray",
			Running: "blue",
			Waiting: "orange",
			Completed: "green",
			Failed: "red",
			Cancelled: "gray",
		};
		return [__(doc.status), colours[doc.status] || "gray", "status,=," + doc.status];
	},
};
