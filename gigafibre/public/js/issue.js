// Issue form: "Reply" on a conversation thread sends by the thread's channel (SMS, Email, Portal).
frappe.ui.form.on("Issue", {
	refresh(frm) {
		const channel = frm.doc.gigafibre_channel;
		if (frm.is_new() || !channel || channel === "Phone" || !frm.perm[0]?.write) {
			return;
		}
		frm.add_custom_button(__("Reply by {0}", [__(channel)]), () => {
			const dialog = new frappe.ui.Dialog({
				title: __("Reply to {0}", [frm.doc.gigafibre_contact || frm.doc.customer || frm.doc.name]),
				fields: [
					{
						fieldname: "text",
						fieldtype: "Small Text",
						label: __("Message"),
						reqd: 1,
					},
				],
				primary_action_label: __("Send"),
				primary_action({ text }) {
					dialog.disable_primary_action();
					frappe
						.call({
							method: "gigafibre.api.conversations.reply",
							args: { issue: frm.doc.name, text },
							freeze: true,
						})
						.then(() => {
							dialog.hide();
							frappe.show_alert({ message: __("Reply sent"), indicator: "green" });
							frm.reload_doc();
						})
						.finally(() => dialog.enable_primary_action());
				},
			});
			dialog.show();
		});
	},
});
