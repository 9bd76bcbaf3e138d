// Copyright (c) 2026, Gigafibre and contributors
// For license information, please see license.txt

frappe.ui.form.on("Web Order", {
	refresh(frm) {
		if (frm.doc.status !== "Quoted" || frm.doc.contract_status === "Signed") return;
		// A phone order: staff accept for the customer, saying how the customer agreed.
		frm.add_custom_button(__("Accept for the Customer"), () => {
			frappe.prompt(
				{
					fieldname: "how_agreed",
					fieldtype: "Small Text",
					label: __("How did the customer agree?"),
					description: __("For example: verbal consent on the phone, call of 10:42."),
					reqd: 1,
				},
				(values) =>
					frappe
						.call({
							method: "gigafibre.api.checkout.accept_for_client",
							args: { order: frm.doc.name, how_agreed: values.how_agreed },
							freeze: true,
						})
						.then(() => frm.reload_doc()),
				__("Accept the contract for the customer"),
				__("Accept")
			);
		});
	},
});
