// Phone Number and SIP Extension forms: assign one to a person (provisioned into Routr) or free it
// back to the pool. Loaded by both forms (hooks.doctype_js); the handlers are registered once.
frappe.provide("gigafibre.voice");

if (!gigafibre.voice.pool_registered) {
	gigafibre.voice.pool_registered = true;

	const pool_buttons = (frm, param, assign_method, free_method) => {
		if (frm.is_new()) return;
		const call = (method, values) =>
			frappe
				.call(`gigafibre.api.voice.${method}`, { [param]: frm.doc.name, ...values })
				.then(() => frm.reload_doc());
		if (frm.doc.status === "Available") {
			frm.add_custom_button(__("Assign"), () => {
				frappe.prompt(
					[
						{ fieldname: "user", fieldtype: "Link", options: "User", label: __("User"), reqd: 1 },
						{ fieldname: "device", fieldtype: "Data", label: __("Device") },
					],
					(values) => call(assign_method, values),
					__("Assign"),
					__("Assign"),
				);
			});
		} else if (frm.doc.status === "Assigned") {
			frm.add_custom_button(__("Return to the pool"), () => {
				frappe.confirm(__("Free {0} and return it to the pool?", [frm.doc.name]), () =>
					call(free_method, {}),
				);
			});
		}
	};

	frappe.ui.form.on("Phone Number", {
		refresh: (frm) => pool_buttons(frm, "number", "assign_number", "free_number"),
	});
	frappe.ui.form.on("SIP Extension", {
		refresh: (frm) => pool_buttons(frm, "extension", "assign_extension", "free_extension"),
	});
}
