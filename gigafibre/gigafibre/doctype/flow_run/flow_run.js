// Copyright (c) 2026, Gigafibre and contributors
// For license information, please see license.txt

frappe.ui.form.on("Flow Run", {
	refresh(frm) {
		if (["Running", "Waiting", "Pending", "Failed"].includes(frm.doc.status)) {
			frm.add_custom_button(__("Cancel Run"), () =>
				frappe.confirm(__("Cancel this run? Its remaining steps will not be performed."), () =>
					frm.call("cancel_run").then(() => frm.reload_doc())
				)
			);
		}
		// Running past its lease: the worker performing the step was lost.
		const lost =
			frm.doc.status === "Running" &&
			frm.doc.leased_until &&
			frappe.datetime.str_to_obj(frm.doc.leased_until) <= new Date();
		if (frm.doc.status === "Failed" || lost) {
			frm.add_custom_button(__("Retry"), () => frm.call("retry_run").then(() => frm.reload_doc()));
		}
		if (frm.doc.last_error) {
			frm.dashboard.set_headline_alert(
				`<div class="text-danger">${frappe.utils.escape_html(frm.doc.last_error)}</div>`
			);
		}
	},
});
