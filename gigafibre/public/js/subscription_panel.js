// Customer and Service Location forms: the subscriptions (status, plan, balance, next invoice),
// with "Change plan", "Cancel subscription" and, on a location without one, "Begin subscription".
// Loaded by both forms (hooks.doctype_js); the handlers are registered once.
frappe.provide("gigafibre.billing");

if (!gigafibre.billing.panel_registered) {
	gigafibre.billing.panel_registered = true;

	const BILLING_ROLES = ["Accounts User", "Accounts Manager", "Gigafibre Manager", "System Manager"];
	const INDICATOR = { Active: "green", Suspended: "orange", Cancelled: "gray" };

	const can_change = () => BILLING_ROLES.some((role) => frappe.user.has_role(role));
	const money = (value) => format_currency(value || 0);

	const render = (frm, subscriptions) => {
		const rows = subscriptions.map((sub) => {
			const lines = sub.lines
				.map((line) => `${frappe.utils.escape_html(line.name)} — ${money(line.monthly_rate)}`)
				.join("<br>");
			const next = sub.next_invoice
				? __("{0}: {1} before taxes", [
						frappe.datetime.str_to_user(sub.next_invoice.date),
						money(sub.next_invoice.amount_before_taxes),
				  ])
				: "—";
			const reason = sub.suspension_reason
				? `<div class="text-muted small">${frappe.utils.escape_html(sub.suspension_reason)}</div>`
				: "";
			return `<tr>
				<td><a href="/app/subscription/${encodeURIComponent(sub.name)}">${frappe.utils.escape_html(sub.name)}</a>
					<div class="text-muted small">${frappe.utils.escape_html(sub.address || "")}</div></td>
				<td><span class="indicator-pill ${INDICATOR[sub.status] || "gray"}">${__(sub.status)}</span>${reason}</td>
				<td>${lines}<div class="small">${__("Monthly")}: ${money(sub.monthly_total)}</div></td>
				<td>${money(sub.balance)}</td>
				<td>${next}</td>
			</tr>`;
		});
		const html = subscriptions.length
			? `<table class="table table-sm"><thead><tr>
				<th>${__("Subscription")}</th><th>${__("Status")}</th><th>${__("Plan")}</th>
				<th>${__("Balance")}</th><th>${__("Next Invoice")}</th></tr></thead>
				<tbody>${rows.join("")}</tbody></table>`
			: `<p class="text-muted">${__("No subscription yet.")}</p>`;
		frm.dashboard.add_section(html, __("Subscriptions"));
		frm.dashboard.show();
	};

	const catalog = () =>
		frappe.call({ method: "gigafibre.api.checkout.catalog", type: "GET" }).then((r) => r.message);

	const plan_dialog = (title, catalog_items, current, action) => {
		const dialog = new frappe.ui.Dialog({
			title,
			fields: [
				{
					fieldname: "plan",
					fieldtype: "Select",
					label: __("Plan"),
					reqd: 1,
					options: catalog_items.plans.map((p) => ({ value: p.item_code, label: `${p.name} — ${money(p.rate)}` })),
					default: current?.plan,
				},
				...catalog_items.add_ons.map((a) => ({
					fieldname: `add_on_${a.item_code}`,
					fieldtype: "Check",
					label: `${a.name} — ${money(a.rate)}`,
					default: current?.add_ons?.includes(a.item_code) ? 1 : 0,
				})),
				{ fieldname: "reason", fieldtype: "Small Text", label: __("Reason") },
			],
			primary_action_label: __("Save"),
			primary_action(values) {
				const add_ons = catalog_items.add_ons
					.filter((a) => values[`add_on_${a.item_code}`])
					.map((a) => a.item_code);
				dialog.disable_primary_action();
				action(values.plan, add_ons, values.reason)
					.then(() => dialog.hide())
					.always(() => dialog.enable_primary_action());
			},
		});
		dialog.show();
	};

	const add_buttons = (frm, subscriptions) => {
		if (!can_change() || frm.is_new()) return;
		const group = __("Subscription");
		subscriptions
			.filter((sub) => sub.status !== "Cancelled")
			.forEach((sub) => {
				frm.add_custom_button(
					__("Change plan ({0})", [sub.name]),
					() =>
						catalog().then((items) =>
							plan_dialog(
								__("Change plan"),
								items,
								{
									plan: sub.lines.find((l) => l.kind === "Plan")?.item_code,
									add_ons: sub.lines.filter((l) => l.kind === "Add-on").map((l) => l.item_code),
								},
								(plan, add_ons, reason) =>
									frappe
										.call({
											method: "gigafibre.api.billing.change_plan",
											args: { subscription: sub.name, plan, add_ons: JSON.stringify(add_ons), reason },
											freeze: true,
										})
										.then((r) => {
											frappe.show_alert({
												message: __("Plan changed: {0} on the next invoice", [money(r.message.prorated_amount)]),
												indicator: "green",
											});
											frm.reload_doc();
										})
							)
						),
					group
				);
				frm.add_custom_button(
					__("Cancel subscription ({0})", [sub.name]),
					() => {
						const dialog = new frappe.ui.Dialog({
							title: __("Cancel subscription"),
							fields: [
								{ fieldname: "end_date", fieldtype: "Date", label: __("End Date"), reqd: 1, default: frappe.datetime.get_today() },
								{ fieldname: "reason", fieldtype: "Small Text", label: __("Reason") },
							],
							primary_action_label: __("Cancel subscription"),
							primary_action(values) {
								dialog.disable_primary_action();
								frappe
									.call({
										method: "gigafibre.api.billing.cancel",
										args: { subscription: sub.name, ...values },
										freeze: true,
									})
									.then(() => {
										dialog.hide();
										frm.reload_doc();
									})
									.always(() => dialog.enable_primary_action());
							},
						});
						dialog.show();
					},
					group
				);
			});
		const live = subscriptions.some((sub) => sub.status !== "Cancelled");
		if (frm.doctype === "Service Location" && !live) {
			frm.add_custom_button(
				__("Begin subscription"),
				() =>
					catalog().then((items) =>
						plan_dialog(__("Begin subscription"), items, null, (plan, add_ons) =>
							frappe
								.call({
									method: "gigafibre.api.billing.activate",
									args: { service_location: frm.doc.name, plan, add_ons: JSON.stringify(add_ons) },
									freeze: true,
								})
								.then(() => frm.reload_doc())
						)
					),
				group
			);
		}
	};

	const show = (frm, args) => {
		if (frm.is_new() || !frappe.model.can_read("Subscription")) return;
		frappe
			.call({ method: "gigafibre.api.billing.summary", type: "GET", args })
			.then((r) => {
				const subscriptions = r.message || [];
				render(frm, subscriptions);
				add_buttons(frm, subscriptions);
			});
	};

	frappe.ui.form.on("Customer", {
		refresh(frm) {
			show(frm, { customer: frm.doc.name });
		},
	});
	frappe.ui.form.on("Service Location", {
		refresh(frm) {
			show(frm, { service_location: frm.doc.name });
		},
	});
}
