// Copyright (c) 2026, Gigafibre and contributors
// For license information, please see license.txt

frappe.ui.form.on("Technician", {
	refresh(frm) {
		if (frm.is_new()) return;
		frm.add_custom_button(__("Send the link"), () =>
			frappe
				.call("gigafibre.api.tech_links.send", { technician: frm.doc.name })
				.then(() => frappe.show_alert({ message: __("Link queued for SMS."), indicator: "green" }))
		);
		frm.add_custom_button(__("Calendar link"), () =>
			frappe.call("gigafibre.api.dispatch.calendar_link", { technician: frm.doc.name }).then(({ message }) =>
				frappe.msgprint({
					title: __("Calendar link"),
					message: `<p>${__("Subscribe to this address in the technician's calendar app. Revoke it from its Calendar Token.")}</p><pre style="white-space: pre-wrap">${frappe.utils.escape_html(message.url)}</pre>`,
				})
			)
		);
		frm.add_custom_button(__("Revoke all links"), () =>
			frappe.confirm(__("Revoke every link this technician holds? They will need a new one."), () =>
				frappe
					.call("gigafibre.api.tech_links.revoke_all", { technician: frm.doc.name })
					.then(({ message }) => frappe.show_alert(__("{0} link(s) revoked.", [message.revoked])))
			)
		);
	},
});
