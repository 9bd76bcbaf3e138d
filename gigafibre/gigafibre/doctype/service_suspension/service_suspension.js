// Copyright (c) 2026, Gigafibre and contributors
// For license information, please see license.txt

// A manager approves a proposed suspension (it runs now), skips it with a reason, or retries a
// failed one (gigafibre/api/suspension.py, reached as gigafibre.api.billing.*).
frappe.ui.form.on("Service Suspension", {
	refresh(frm) {
		const manager = frappe.user.has_role("Gigafibre Manager") || frappe.user.has_role("System Manager");
		if (!manager || frm.is_new()) return;
		const call = (method, args) =>
			frappe
				.call({ method: `gigafibre.api.billing.${method}`, args: { name: frm.doc.name, ...args } })
				.then(() => frm.reload_doc());
		const status = frm.doc.status;
		if (status === "Proposed") {
			frm.add_custom_button(__("Approve and Run Now"), () =>
				frappe.confirm(__("Suspend this location's service now?"), () => call("approve_suspension"))
			);
		}
		if (["Proposed", "Pending", "Failed"].includes(status)) {
			frm.add_custom_button(__("Skip"), () =>
				frappe.prompt(
					{ fieldname: "reason", fieldtype: "Small Text", label: __("Why Skipped"), reqd: 1 },
					(values) => call("skip_suspension", { reason: values.reason }),
					__("Skip"),
					__("Skip")
				)
			);
		}
		if (status === "Failed") {
			frm.add_custom_button(__("Retry"), () => call("retry_suspension"));
		}
		if (["Pending", "Running"].includes(status) && frm.doc.next_attempt_at) {
			frm.dashboard.set_headline(
				__("A device has not answered yet: next attempt at {0}.", [
					frappe.datetime.str_to_user(frm.doc.next_attempt_at),
				])
			);
		} else if (status === "Failed") {
			frm.dashboard.set_headline(__("Failed after every attempt: see each device's answer below."), "red");
		}
	},
});
