// Copyright (c) 2026, Gigafibre and contributors
// For license information, please see license.txt

frappe.ui.form.on("Webhook Event", {
	refresh(frm) {
		if (["Failed", "Received"].includes(frm.doc.status)) {
			frm.add_custom_button(__("Retry"), () => frm.call("retry").then(() => frm.reload_doc()));
		}
	},
});
