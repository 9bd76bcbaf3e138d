// Copyright (c) 2026, Gigafibre and contributors
// For license information, please see license.txt

frappe.ui.form.on("Flow Template", {
	refresh(frm) {
		if (frm.is_new()) return;
		frm.add_custom_button(__("Dry Run"), () => dry_run(frm));
		frm.add_custom_button(__("Runs"), () => frappe.set_route("List", "Flow Run", { flow_template: frm.doc.name }));
	},
});

function dry_run(frm) {
	const run = () =>
		frappe.prompt(
			[
				{
					fieldname: "reference_doctype",
					fieldtype: "Link",
					options: "DocType",
					label: __("Document Type"),
					reqd: 1,
					default: frm.doc.reference_doctype,
				},
				{
					fieldname: "reference_name",
					fieldtype: "Dynamic Link",
					options: "reference_doctype",
					label: __("Document"),
					reqd: 1,
				},
			],
			(values) =>
				frappe
					.call("gigafibre.api.flows.dry_run", { template: frm.doc.name, ...values })
					.then(({ message }) => show_dry_run(message)),
			__("Dry Run"),
			__("Run")
		);
	// The dry run reads the saved template.
	if (frm.is_dirty()) frm.save().then(run);
	else run();
}

function show_dry_run(result) {
	const esc = frappe.utils.escape_html;
	const start = result.would_start
		? `<p class="text-success">${__("The condition holds: this document would start the flow.")}</p>`
		: `<p class="text-warning">${__("The condition does not hold: this document would not start the flow.")}</p>`;
	const path = `<p><b>${__("Path")}</b>: ${result.path.map(esc).join(" → ") || "—"}</p>`;
	const effects = result.effects.length
		? `<table class="table table-bordered"><tr><th>${__("Step")}</th><th>${__("Action")}</th><th>${__(
				"Parameters"
		  )}</th></tr>${result.effects
				.map(
					(e) =>
						`<tr><td>${esc(e.step_id)}</td><td>${esc(e.action)}</td><td><pre>${esc(
							JSON.stringify(e.params, null, 2)
						)}</pre></td></tr>`
				)
				.join("")}</table>`
		: `<p>${__("No action would be performed.")}</p>`;
	const end = `<p><b>${__("Status")}</b>: ${esc(__(result.status))}${
		result.last_error ? " — " + esc(result.last_error) : ""
	}</p>`;
	frappe.msgprint({ title: __("Dry Run"), message: start + path + effects + end, wide: true });
}
