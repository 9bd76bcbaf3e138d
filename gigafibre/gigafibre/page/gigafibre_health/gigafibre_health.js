// Gigafibre Health: one line per check (integrations, email, scheduler, workers, PDFs, stuck rows),
// red when it fails, with the one-line fix. The same report as `bench --site S gigafibre-doctor`.

frappe.pages["gigafibre-health"].on_page_load = function (wrapper) {
	const page = frappe.ui.make_app_page({
		parent: wrapper,
		title: __("Gigafibre Health"),
		single_column: true,
	});
	wrapper.gigafibre_health = new GigafibreHealth(page);
};

frappe.pages["gigafibre-health"].on_page_show = function (wrapper) {
	if (wrapper.gigafibre_health) wrapper.gigafibre_health.refresh();
};

class GigafibreHealth {
	constructor(page) {
		this.page = page;
		this.page.set_primary_action(__("Check again"), () => this.refresh(), "refresh");
		this.page.add_inner_button(__("Gigafibre Settings"), () =>
			frappe.set_route("Form", "Gigafibre Settings")
		);
		this.body = $('<div class="gigafibre-health"></div>').appendTo(this.page.main);
	}

	refresh() {
		if (this.loading) return;
		this.loading = true;
		this.body.html(`<p class="text-muted">${__("Checking…")}</p>`);
		frappe
			.call({ method: "gigafibre.api.health.report", type: "GET" })
			.then((r) => this.render(r.message))
			.catch(() => this.body.html(`<p class="text-danger">${__("The report could not be made.")}</p>`))
			// frappe.call answers a jQuery promise: always, it has no finally
			.always(() => {
				this.loading = false;
			});
	}

	render(report) {
		const colors = { ok: "green", warn: "orange", fail: "red" };
		const labels = { ok: __("OK"), warn: __("Warning"), fail: __("To fix") };
		const e = frappe.utils.escape_html;
		const failed = report.lines.filter((l) => l.status === "fail").length;
		const summary = failed
			? __("{0} checks to fix", [failed])
			: __("Everything is set up and answering.");
		const rows = report.lines
			.map(
				(l) => `<tr data-key="${e(l.key)}" class="health-${l.status}">
					<td><span class="indicator-pill ${colors[l.status]}">${labels[l.status]}</span></td>
					<td><b>${e(l.title)}</b><div class="text-muted">${e(l.detail)}</div></td>
					<td>${l.status === "ok" ? "" : e(l.fix)}</td>
				</tr>`
			)
			.join("");
		this.body.html(`
			<p><span class="indicator-pill ${colors[report.status]}">${e(summary)}</span>
				<span class="text-muted small">${__("Checked at {0}", [e(report.checked_at)])}</span></p>
			<table class="table table-bordered">
				<thead><tr><th style="width:110px">${__("Status")}</th><th>${__("Component")}</th><th>${__("Fix")}</th></tr></thead>
				<tbody>${rows}</tbody>
			</table>`);
	}
}
