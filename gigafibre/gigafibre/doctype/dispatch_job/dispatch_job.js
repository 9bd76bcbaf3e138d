// Copyright (c) 2026, Gigafibre and contributors
// For license information, please see license.txt

frappe.ui.form.on("Dispatch Job", {
	setup(frm) {
		frm.set_query("job_template", () => ({ filters: { disabled: 0 } }));
	},
	refresh(frm) {
		if (frm.is_new()) return;
		if (frm.doc.technician) {
			frm.add_custom_button(__("Send the link"), () =>
				frappe
					.call("gigafibre.api.tech_links.send", { dispatch_job: frm.doc.name })
					.then(() => frappe.show_alert({ message: __("Link queued for SMS."), indicator: "green" }))
			);
		}
		// One button per status the job may move to; the server owns the transition rules.
		frm.call("next_statuses").then(({ message: statuses }) => {
			(statuses || []).forEach((status) => {
				frm.add_custom_button(__(status), () => set_status(frm, status), __("Status"));
			});
		});
	},
	job_template(frm) {
		// The server copies the template (one function for the desk, flows and onboarding).
		if (frm.doc.job_template) frm.call("pick_template").then(() => frm.refresh_fields());
	},
	service_location(frm) {
		if (!frm.doc.service_location) return;
		frappe.db.get_value("Service Location", frm.doc.service_location, "customer").then(({ message }) => {
			if (message && message.customer && !frm.doc.customer) frm.set_value("customer", message.customer);
		});
	},
});

function set_status(frm, status) {
	if (status === "Cancelled") {
		frappe.prompt(
			{ fieldname: "reason", fieldtype: "Small Text", label: __("Cancellation Reason"), reqd: 1 },
			({ reason }) => {
				frm.set_value("cancellation_reason", reason);
				frm.set_value("status", status);
				frm.save();
			},
			__("Cancel the job")
		);
		return;
	}
	frm.set_value("status", status);
	frm.save();
}
