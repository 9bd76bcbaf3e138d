// Issue form: "Reply" on a conversation thread sends by the thread's channel (SMS, Email, Portal).
frappe.ui.form.on("Issue", {
	refresh(frm) {
		gigafibre_assistant_buttons(frm);
		const channel = frm.doc.gigafibre_channel;
		if (frm.is_new() || !channel || channel === "Phone" || !frm.perm[0]?.write) {
			return;
		}
		frm.add_custom_button(__("Reply by {0}", [__(channel)]), () => gigafibre_reply_dialog(frm));
	},
});

// The assistant (gigafibre/api/support.py): a summary of the thread, and a reply draft that staff
// edit and send themselves with the usual reply; nothing leaves without the click on Send.
function gigafibre_assistant_buttons(frm) {
	if (frm.is_new()) {
		return;
	}
	const group = __("Assistant");
	frm.add_custom_button(
		__("Summarize"),
		() =>
			frappe
				.call({
					method: "gigafibre.api.support.summarize",
					args: { issue: frm.doc.name },
					freeze: true,
					freeze_message: __("Reading the conversation…"),
				})
				.then(({ message }) => {
					const questions = (message.open_questions || [])
						.map((q) => `<li>${frappe.utils.escape_html(q)}</li>`)
						.join("");
					frappe.msgprint({
						title: __("Summary of {0}", [frm.doc.name]),
						message:
							`<p>${frappe.utils.escape_html(message.summary)}</p>` +
							(questions ? `<p><b>${__("Still waiting for")}</b></p><ul>${questions}</ul>` : ""),
						wide: true,
					});
				}),
		group,
	);
	const channel = frm.doc.gigafibre_channel;
	if (!frm.perm[0]?.write || channel === "Phone") {
		return;
	}
	frm.add_custom_button(
		__("Suggest a reply"),
		() =>
			frappe
				.call({
					method: "gigafibre.api.support.suggest_reply",
					args: { issue: frm.doc.name },
					freeze: true,
					freeze_message: __("Drafting a reply…"),
				})
				.then(({ message }) =>
					gigafibre_reply_dialog(frm, {
						title: __("Suggested reply"),
						text: message.draft,
						note: __(
							"A draft from the assistant: read it and edit it. Nothing is sent until you click Send.",
						),
					}),
				),
		group,
	);
}

// The reply by the thread's channel (gigafibre.api.conversations.reply), sent only on Send:
// empty, or with the assistant's draft and a note saying it is one.
function gigafibre_reply_dialog(frm, { title, text, note } = {}) {
	const fields = [];
	if (note) {
		fields.push({
			fieldname: "note",
			fieldtype: "HTML",
			options: `<p class="text-muted">${frappe.utils.escape_html(note)}</p>`,
		});
	}
	fields.push({ fieldname: "text", fieldtype: "Small Text", label: __("Message"), reqd: 1, default: text });
	const dialog = new frappe.ui.Dialog({
		title: title || __("Reply to {0}", [frm.doc.gigafibre_contact || frm.doc.customer || frm.doc.name]),
		fields,
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
				// frappe.call answers a jQuery promise: always, it has no finally
				.always(() => dialog.enable_primary_action());
		},
	});
	dialog.show();
}
