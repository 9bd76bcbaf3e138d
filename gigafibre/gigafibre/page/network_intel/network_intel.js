// Network Intel: the OLT poll's history (InfluxDB) for an OLT or a Service Location over a period —
// rx and online charts (Frappe Charts), flapping and degraded ONUs, the outages and OLT alarms of the
// period, and Gemini's French summary (or why it is unavailable). Route options: olt,
// service_location, period (the Service Location form's "Network history" button sets them).

frappe.pages["network-intel"].on_page_load = function (wrapper) {
	const page = frappe.ui.make_app_page({
		parent: wrapper,
		title: __("Network Intel"),
		single_column: true,
	});
	wrapper.network_intel = new NetworkIntel(page);
};

frappe.pages["network-intel"].on_page_show = function (wrapper) {
	const intel = wrapper.network_intel;
	if (!intel) return;
	const options = frappe.route_options || {};
	frappe.route_options = null;
	intel.apply_route(options);
};

// The buckets are UTC (InfluxDB's): shown in the user's time zone.
function local_label(iso) {
	const tz = (frappe.boot.time_zone && frappe.boot.time_zone.user) || moment.tz.guess();
	return moment.utc(iso).tz(tz).format("DD MMM HH:mm");
}

class NetworkIntel {
	constructor(page) {
		this.page = page;
		this.fields = {
			olt: page.add_field({
				fieldname: "olt",
				label: __("OLT"),
				fieldtype: "Data",
				change: () => this.changed("olt"),
			}),
			service_location: page.add_field({
				fieldname: "service_location",
				label: __("Service Location"),
				fieldtype: "Link",
				options: "Service Location",
				change: () => this.changed("service_location"),
			}),
			period: page.add_field({
				fieldname: "period",
				label: __("Period"),
				fieldtype: "Select",
				options: [
					{ value: "1h", label: __("Last hour") },
					{ value: "6h", label: __("Last 6 hours") },
					{ value: "24h", label: __("Last 24 hours") },
					{ value: "7d", label: __("Last 7 days") },
					{ value: "30d", label: __("Last 30 days") },
				],
				default: "24h",
				change: () => this.refresh(),
			}),
		};
		this.page.set_primary_action(__("Refresh"), () => this.refresh(), "refresh");
		this.body = $('<div class="network-intel"></div>').appendTo(this.page.main);
		this.body.html(`<p class="text-muted">${__("Choose an OLT or a Service Location.")}</p>`);
	}

	apply_route(options) {
		if (!options.olt && !options.service_location) return;
		const args = { period: options.period || this.fields.period.get_value() || "24h" };
		if (options.service_location) args.service_location = options.service_location;
		else args.olt = options.olt;
		// the fields show the choice; the call does not wait for them (a Link validates asynchronously)
		this.silent = true;
		Promise.resolve(
			this.fields.olt.set_value(args.olt || "")
		).then(() => this.fields.service_location.set_value(args.service_location || ""))
			.finally(() => (this.silent = false));
		this.load(args);
	}

	changed(which) {
		if (this.silent) return;
		// exactly one of OLT / Service Location: choosing one clears the other
		const other = which === "olt" ? "service_location" : "olt";
		if (this.fields[which].get_value() && this.fields[other].get_value()) {
			this.silent = true;
			this.fields[other].set_value("");
			this.silent = false;
		}
		this.refresh();
	}

	refresh() {
		if (this.silent) return;
		const olt = this.fields.olt.get_value();
		const service_location = this.fields.service_location.get_value();
		if (!olt && !service_location) return;
		const args = { period: this.fields.period.get_value() || "24h" };
		if (service_location) args.service_location = service_location;
		else args.olt = olt;
		this.load(args);
	}

	load(args) {
		const token = (this.token = (this.token || 0) + 1);
		this.body.html(`<p class="text-muted">${__("Reading the network history…")}</p>`);
		frappe
			.call({ method: "gigafibre.api.network.intel", type: "GET", args, error_msg: false })
			.then((r) => token === this.token && this.render(r.message))
			.catch((err) => {
				if (token !== this.token) return;
				const message =
					(err && err.message) || __("The network history could not be read.");
				this.body.html(`<div class="alert alert-danger">${frappe.utils.escape_html(String(message))}</div>`);
			});
	}

	render(data) {
		const e = frappe.utils.escape_html;
		const summary = data.summary
			? `<div class="intel-summary"><p>${e(data.summary)}</p>${this.findings(data.findings)}</div>`
			: `<div class="alert alert-warning intel-summary-error">${e(data.summary_error || "")}</div>`;
		this.body.html(`
			<div class="frappe-card p-3 mb-3"><h5>${__("Summary")}</h5>${summary}</div>
			<div class="frappe-card p-3 mb-3"><h5>${__("Optical levels (dBm)")}</h5><div class="intel-rx"></div></div>
			<div class="frappe-card p-3 mb-3"><h5>${__("Online")}</h5><div class="intel-online"></div></div>
			<div class="row">
				<div class="col-md-6"><div class="frappe-card p-3 mb-3"><h5>${__("Flapping ONUs")}</h5>${this.onus(
					data.flapping,
					(f) => __("{0} status changes", [f.changes])
				)}</div></div>
				<div class="col-md-6"><div class="frappe-card p-3 mb-3"><h5>${__("Degraded ONUs")}</h5>${this.onus(
					data.degraded,
					(d) => __("weakest {0} dBm, last {1} dBm", [d.rx_min, d.rx_last])
				)}</div></div>
			</div>
			<div class="frappe-card p-3 mb-3"><h5>${__("Outages of the period")}</h5>${this.outages(data.outages)}</div>
			<div class="frappe-card p-3 mb-3"><h5>${__("OLT alarms")}</h5>${this.alarms(data)}</div>`);
		this.chart(".intel-rx", data.series, data.series.rx);
		this.chart(".intel-online", data.series, data.series.online);
	}

	chart(selector, series, datasets) {
		const target = this.body.find(selector);
		// keep the buckets that have a reading; a gap between two is drawn from the last value
		const keep = series.labels.map((_, i) => datasets.some((d) => d.values[i] !== null));
		const labels = series.labels
			.filter((_, i) => keep[i])
			.map((iso) => local_label(iso));
		if (!labels.length) {
			target.html(`<p class="text-muted">${__("No readings in this period.")}</p>`);
			return;
		}
		const sets = datasets.map((d) => {
			let last = null;
			const values = d.values
				.filter((_, i) => keep[i])
				.map((v) => {
					if (v !== null) last = v;
					return last === null ? 0 : last;
				});
			return { name: d.name, values };
		});
		new frappe.Chart(target[0], {
			type: "line",
			height: 240,
			data: { labels, datasets: sets },
			lineOptions: { hideDots: labels.length > 40 ? 1 : 0, regionFill: 0 },
			axisOptions: { xIsSeries: 1, xAxisMode: "tick" },
		});
	}

	findings(findings) {
		if (!findings || !findings.length) return "";
		const e = frappe.utils.escape_html;
		const colors = { info: "blue", warning: "orange", critical: "red" };
		return `<ul class="list-unstyled">${findings
			.map(
				(f) => `<li class="mb-1"><span class="indicator-pill ${colors[f.severity] || "gray"}">${e(
					f.subject
				)}</span> ${e(f.detail_fr)}</li>`
			)
			.join("")}</ul>`;
	}

	onus(rows, detail) {
		if (!rows || !rows.length) return `<p class="text-muted">${__("None")}</p>`;
		const e = frappe.utils.escape_html;
		return `<table class="table table-sm"><tbody>${rows
			.map((r) => {
				const where = r.service_location
					? `<a href="/app/service-location/${encodeURIComponent(r.service_location)}">${e(r.service_location)}</a>`
					: "";
				return `<tr><td>${e(r.olt)} ${e(r.pon_port)} #${e(String(r.onu_id))}</td><td>${where}</td><td>${e(detail(r))}</td></tr>`;
			})
			.join("")}</tbody></table>`;
	}

	outages(rows) {
		if (!rows || !rows.length) return `<p class="text-muted">${__("None")}</p>`;
		const e = frappe.utils.escape_html;
		return `<table class="table table-sm"><tbody>${rows
			.map(
				(o) => `<tr><td><a href="/app/outage/${encodeURIComponent(o.name)}">${e(o.name)}</a></td>
					<td>${e(__(o.status))}</td>
					<td>${e(o.started_at ? frappe.datetime.str_to_user(o.started_at) : "")} → ${e(
					o.resolved_at ? frappe.datetime.str_to_user(o.resolved_at) : __("ongoing")
				)}</td>
					<td>${e(o.olt || "")} ${e(o.pon_port || "")}</td>
					<td>${e(__("{0} affected", [o.affected_count]))}</td></tr>`
			)
			.join("")}</tbody></table>`;
	}

	alarms(data) {
		const e = frappe.utils.escape_html;
		const lines = [];
		if (data.olt_polls && data.olt_polls.unanswered) {
			lines.push(__("The OLT did not answer {0} of {1} polls.", [data.olt_polls.unanswered, data.olt_polls.polls]));
		}
		const labels = {
			olt_unreachable: __("OLT poll failed"),
			on_optical_alarm: __("Optical alarm"),
			on_device_offline: __("Device offline"),
			on_device_online: __("Device back online"),
			ont_offline_now: __("ONT offline now"),
		};
		for (const a of data.alarms || []) {
			const at = a.at || a.last_seen_at;
			lines.push(
				`${labels[a.kind] || a.kind}${at ? " — " + frappe.datetime.str_to_user(at) : ""}${
					a.reference || a.equipment ? " — " + (a.reference || a.equipment) : ""
				}${a.detail ? " — " + a.detail : ""}`
			);
		}
		if (!lines.length) return `<p class="text-muted">${__("None")}</p>`;
		return `<ul>${lines.map((l) => `<li>${e(l)}</li>`).join("")}</ul>`;
	}
}
