// Assign to a person (provisioned into Routr) or free back to the pool.
frappe.ui.form.on("Phone Number", {
	refresh(frm) {
		if (frm.is_new()) return;
		if (frm.doc.status === "Available") {
			frm.add_custom_button(__("Assign"), () => {
				frappe.prompt(
					[
						{ fieldname: "user", fieldtype: "Link", options: "User", label: __("User"), reqd: 1 },
						{ fieldname: "device", fieldtype: "Data", label: __("Device") },
					],
					(values) =>
						frappe
							.call("gigafibre.api.voice.assign_number", { number: frm.doc.name, ...values })
							.then(() => frm.reload_doc()),
					__("Assign"),
					__("Assign")
				);
			});
		} else if (frm.doc.status === "Assigned") {
			frm.add_custom_button(__("Return to the pool"), () => {
				frappe.confirm(__("Free {0} and return it to the pool?", [frm.doc.name]), () =>
					frappe.call("gigafibre.api.voice.free_number", { number: frm.doc.name }).then(() => frm.reload_doc())
				);
			});
		}
	},
});
