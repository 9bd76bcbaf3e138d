// Service Location: "Network history" opens the Network Intel page on this location; "Grafana" opens
// the dashboard template of Gigafibre Settings filled with this location's placement (when one is set).

frappe.ui.form.on("Service Location", {
	refresh(frm) {
		if (frm.is_new()) return;
		// staff only (gigafibre/roles.py STAFF_ROLES): the endpoints refuse anyone else
		if (!["Dispatcher", "Gigafibre Manager", "System Manager"].some((r) => frappe.user.has_role(r))) return;
		frm.add_custom_button(
			__("Network history"),
			() => {
				frappe.route_options = { service_location: frm.doc.name };
				frappe.set_route("network-intel");
			},
			__("Network")
		);
		frappe
			.call({
				method: "gigafibre.api.network.grafana_link",
				type: "GET",
				args: { service_location: frm.doc.name },
				error_msg: false,
			})
			.then((r) => {
				const url = r.message && r.message.url;
				if (!url || frm.doc.name !== r.message.for) return;
				frm.add_custom_button(__("Grafana"), () => window.open(url, "_blank", "noopener"), __("Network"));
			})
			.catch(() => {});
	},
});
