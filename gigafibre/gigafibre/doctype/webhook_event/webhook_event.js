// Copyright (c) 2026, Gigafibre and contributors
// For license information, please see license.txt

frappe.ui.form.on("Webhook Event", {
	refresh(frm) {
		const lapsed =
			frm.doc.status === "Processing" &&
			(!frm.doc.leased_until || frappe.datetime.str_to_obj(frm.doc.leased_until) < new Date());
		if (["Failed", "Received"].includes(frm.doc.status) || lapsed) {
			frm.add_custom_button(__("Retry"), () => frm.call("retry").then(() => frm.reload_doc()));
		}
	},
});
