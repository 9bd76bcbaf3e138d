// The dispatch board: technicians by row, hours 7h–19h by column, the jobs nobody has yet on the left.
// Drag a card onto a technician's row to assign it at that hour; onto the left column to take it back.
// "Optimize" plans the day, shows the travel before and after, and applies on request.
// "Map" shows the day above the timeline (public/js/dispatch_map.js, from map_data): click a job
// for the ranked technicians and assign; technicians move as their positions arrive.

const DISPATCH_API = "gigafibre.api.dispatch.";
const FIRST_HOUR = 7;
const LAST_HOUR = 19;
const SPAN_MINUTES = (LAST_HOUR - FIRST_HOUR) * 60;
const LANE_PX = 46;
const MAP_SCRIPT = "/assets/gigafibre/js/dispatch_map.js";
const MAP_SHOWN_KEY = "gigafibre_dispatch_map";

frappe.pages["dispatch"].on_page_load = function (wrapper) {
	const page = frappe.ui.make_app_page({
		parent: wrapper,
		title: __("Dispatch"),
		single_column: true,
	});
	wrapper.dispatch_board = new GigafibreDispatchBoard(page, wrapper);
};

frappe.pages["dispatch"].on_page_show = function (wrapper) {
	// The technicians' positions and GPS arrivals are published to the Dispatch Job room; a list
	// view of Dispatch Job leaves it when it hides, so join again each time the page shows.
	frappe.realtime.doctype_subscribe("Dispatch Job");
	if (wrapper.dispatch_board) wrapper.dispatch_board.refresh();
};

class GigafibreDispatchBoard {
	constructor(page, wrapper) {
		this.page = page;
		this.wrapper = wrapper;
		this.date_field = page.add_field({
			fieldname: "date",
			label: __("Date"),
			fieldtype: "Date",
			default: frappe.datetime.get_today(),
			change: () => this.refresh(),
		});
		this.map_field = page.add_field({
			fieldname: "show_map",
			label: __("Map"),
			fieldtype: "Check",
			default: localStorage.getItem(MAP_SHOWN_KEY) === "0" ? 0 : 1,
			change: () => this.toggle_map(),
		});
		page.set_primary_action(__("Optimize"), () => this.optimize(), "es-line-reload");
		page.set_secondary_action(__("Refresh"), () => this.refresh());
		page.add_menu_item(__("Calendar link for a technician"), () => this.calendar_link());
		page.add_menu_item(__("Insert an urgent job"), () => this.insert_urgent());
		page.add_menu_item(__("A technician is absent"), () => this.technician_absent());
		this.add_styles();
		this.$map = $(`<div class="gf-map-wrap"><div class="gf-map"></div></div>`).appendTo(page.main);
		this.$map.toggle(this.map_shown());
		this.$body = $(`<div class="gf-dispatch"></div>`).appendTo(page.main);
		this.refresh_soon = frappe.utils.debounce(() => this.refresh(), 400);
		frappe.realtime.on("gigafibre_dispatch", (message) => {
			if (!message || !message.date || message.date === this.date()) this.refresh_soon();
		});
		frappe.realtime.on("gigafibre_technician_position", (message) => {
			if (this.map && this.date() === frappe.datetime.get_today()) this.map.queue_position(message);
		});
		frappe.realtime.on("gigafibre_job_on_site_gps", (message) => {
			if (this.map) this.map.mark_on_site(message);
			this.refresh_soon();
		});
	}

	date() {
		return this.date_field.get_value() || frappe.datetime.get_today();
	}

	refresh() {
		const board = frappe
			.call({ method: DISPATCH_API + "board", type: "GET", args: { date: this.date() } })
			.then((r) => this.render(r.message));
		return Promise.all([board, this.refresh_map()]);
	}

	// ------------------------------------------------------------ map

	map_shown() {
		return !!this.map_field.get_value();
	}

	toggle_map() {
		const shown = this.map_shown();
		localStorage.setItem(MAP_SHOWN_KEY, shown ? "1" : "0");
		this.$map.toggle(shown);
		if (shown) this.refresh_map().then(() => this.map && this.map.resize());
	}

	ensure_map() {
		if (!this.map_ready) {
			// Leaflet is in Frappe's desk bundle; load Frappe's own copy only if it is not there.
			const libs =
				window.L && window.L.canvas
					? []
					: ["assets/frappe/js/lib/leaflet/leaflet.css", "assets/frappe/js/lib/leaflet/leaflet.js"];
			this.map_ready = frappe.require([...libs, MAP_SCRIPT]).then(() => {
				if (!document.getElementById("gf-dispatch-map-style")) {
					$(`<style id="gf-dispatch-map-style">${GigafibreDispatchMap.STYLES}</style>`).appendTo(
						document.head
					);
				}
				const element = this.$map.find(".gf-map")[0];
				this.map = new GigafibreDispatchMap(element, { on_job_click: (name) => this.suggest(name) });
				element.gf_map = this.map; // for the browser tests
			});
		}
		return this.map_ready;
	}

	refresh_map() {
		if (!this.map_shown()) return Promise.resolve();
		const date = this.date();
		return this.ensure_map()
			.then(() => frappe.call({ method: DISPATCH_API + "map_data", type: "GET", args: { date } }))
			.then((r) => {
				if (date !== this.date()) return;
				this.map.resize();
				this.map.render(r.message);
			});
	}

	// ------------------------------------------------------------ drawing

	render(board) {
		this.board = board;
		const hours = [];
		for (let h = FIRST_HOUR; h < LAST_HOUR; h++) {
			hours.push(`<div class="gf-hour">${__("{0}h", [h])}</div>`);
		}
		this.$body.html(`
			<div class="gf-layout">
				<div class="gf-unassigned gf-drop" data-technician="">
					<div class="gf-col-title">${__("Unassigned")} (${board.unassigned.length})</div>
					<div class="gf-unassigned-list"></div>
				</div>
				<div class="gf-grid">
					<div class="gf-row gf-head">
						<div class="gf-tech">${__("Technician")}</div>
						<div class="gf-hours">${hours.join("")}</div>
					</div>
					<div class="gf-rows"></div>
				</div>
			</div>`);
		const $list = this.$body.find(".gf-unassigned-list");
		if (!board.unassigned.length) {
			$list.append(`<div class="text-muted small">${__("Every job has a technician.")}</div>`);
		}
		board.unassigned.forEach((job) => $list.append(this.card(job, false)));
		const $rows = this.$body.find(".gf-rows");
		if (!board.technicians.length) {
			$rows.append(`<div class="text-muted p-3">${__("No active technician.")}</div>`);
		}
		board.technicians.forEach((tech) => $rows.append(this.row(tech)));
		this.bind();
	}

	row(tech) {
		const off = !tech.shift_start;
		const shift = off
			? __("Day off")
			: `${tech.shift_start}–${tech.shift_end}` +
			  (tech.break_start ? ` · ${__("break {0}", [tech.break_start])}` : "");
		const $row = $(`
			<div class="gf-row ${off ? "gf-off" : ""}">
				<div class="gf-tech">
					<div class="gf-tech-name">${frappe.utils.escape_html(tech.full_name || tech.name)}</div>
					<div class="text-muted small">${shift} · ${__("{0} jobs", [tech.jobs.length])}</div>
				</div>
				<div class="gf-timeline gf-drop" data-technician="${frappe.utils.escape_html(tech.name)}"></div>
			</div>`);
		const $line = $row.find(".gf-timeline");
		if (!off) {
			$line.append(this.band("gf-shift", tech.shift_start, tech.shift_end));
			if (tech.break_start) {
				const end = this.minutes(tech.break_start) + (tech.break_minutes || 0);
				$line.append(this.band("gf-break", tech.break_start, this.clock(end)));
			}
		}
		const lanes = [];
		tech.jobs.forEach((job) => {
			const [start, length] = this.span(job);
			let lane = lanes.findIndex((last) => last <= start);
			if (lane === -1) {
				lane = lanes.length;
				lanes.push(0);
			}
			lanes[lane] = start + length;
			const $card = this.card(job, true);
			$card.css({
				left: `${(100 * Math.max(start, 0)) / SPAN_MINUTES}%`,
				width: `${(100 * Math.max(length, 20)) / SPAN_MINUTES}%`,
				top: `${lane * LANE_PX + 2}px`,
			});
			$line.append($card);
		});
		$line.css("height", `${Math.max(lanes.length, 1) * LANE_PX + 4}px`);
		return $row;
	}

	card(job, placed) {
		const when = job.scheduled_start || job.window_start;
		const time = when ? frappe.datetime.str_to_user(when).split(" ").pop().slice(0, 5) : "";
		const window =
			job.window_start && job.window_end
				? __("Window {0}–{1}", [job.window_start.slice(11, 16), job.window_end.slice(11, 16)])
				: "";
		const title = [job.name, job.customer_name, job.address, window, __(job.status)]
			.filter(Boolean)
			.join("\n");
		const $card = $(`
			<div class="gf-card gf-priority-${(job.priority || "Normal").toLowerCase()} ${
			placed ? "gf-placed" : ""
		}" draggable="true" data-job="${frappe.utils.escape_html(job.name)}"
				title="${frappe.utils.escape_html(title)}">
				<div class="gf-card-title">${frappe.utils.escape_html(job.subject || job.name)}</div>
				<div class="gf-card-meta">${time} · ${__(job.status)}${job.gps_on_site_at ? ` · ${__("On site (GPS)")}` : ""}
					<a class="gf-suggest" title="${__("Suggest a technician")}">★</a></div>
			</div>`);
		return $card;
	}

	band(cls, from, to) {
		const start = this.minutes(from) - FIRST_HOUR * 60;
		const end = this.minutes(to) - FIRST_HOUR * 60;
		return $(`<div class="${cls}"></div>`).css({
			left: `${(100 * Math.max(start, 0)) / SPAN_MINUTES}%`,
			width: `${(100 * Math.max(Math.min(end, SPAN_MINUTES) - Math.max(start, 0), 0)) / SPAN_MINUTES}%`,
		});
	}

	span(job) {
		const when = job.scheduled_start || job.window_start;
		const start = when ? this.minutes(when.slice(11, 16)) - FIRST_HOUR * 60 : 0;
		return [start, job.expected_duration || 60];
	}

	minutes(hhmm) {
		const [h, m] = hhmm.split(":").map(Number);
		return h * 60 + (m || 0);
	}

	clock(minutes) {
		return `${String(Math.floor(minutes / 60)).padStart(2, "0")}:${String(minutes % 60).padStart(2, "0")}`;
	}

	// ------------------------------------------------------------ drag and drop

	bind() {
		const me = this;
		this.$body.find(".gf-card").on("dragstart", function (e) {
			e.originalEvent.dataTransfer.setData("text/plain", $(this).attr("data-job"));
			e.originalEvent.dataTransfer.effectAllowed = "move";
		});
		this.$body.find(".gf-card").on("click", function (e) {
			if ($(e.target).hasClass("gf-suggest")) return;
			frappe.set_route("Form", "Dispatch Job", $(this).attr("data-job"));
		});
		this.$body.find(".gf-suggest").on("click", function (e) {
			e.stopPropagation();
			me.suggest($(this).closest(".gf-card").attr("data-job"));
		});
		this.$body
			.find(".gf-drop")
			.on("dragover", function (e) {
				e.preventDefault();
				$(this).addClass("gf-over");
			})
			.on("dragleave", function () {
				$(this).removeClass("gf-over");
			})
			.on("drop", function (e) {
				e.preventDefault();
				$(this).removeClass("gf-over");
				const job = e.originalEvent.dataTransfer.getData("text/plain");
				const technician = $(this).attr("data-technician");
				let start = null;
				if (technician) {
					const rect = this.getBoundingClientRect();
					const ratio = Math.min(Math.max((e.originalEvent.clientX - rect.left) / rect.width, 0), 1);
					const minutes = FIRST_HOUR * 60 + Math.round((ratio * SPAN_MINUTES) / 15) * 15;
					start = `${me.date()} ${me.clock(Math.min(minutes, LAST_HOUR * 60 - 15))}:00`;
				}
				if (job) me.assign(job, technician, start);
			});
	}

	assign(job, technician, scheduled_start) {
		return frappe
			.call({
				method: DISPATCH_API + "assign",
				args: { job, technician: technician || "", scheduled_start },
				freeze: true,
			})
			.then(() => {
				frappe.show_alert({
					message: technician ? __("Job {0} assigned.", [job]) : __("Job {0} unassigned.", [job]),
					indicator: "green",
				});
				this.refresh();
			});
	}

	// ------------------------------------------------------------ suggestions

	suggest(job) {
		frappe.call({ method: DISPATCH_API + "suggest", args: { job }, freeze: true }).then((r) => {
			const rows = r.message.candidates
				.map(
					(c) => `<tr class="${c.eligible ? "" : "text-muted"}">
						<td>${frappe.utils.escape_html(c.technician_name || c.technician)}</td>
						<td>${c.eligible ? c.score : "—"}</td>
						<td>${c.reasons.map((x) => frappe.utils.escape_html(x)).join("<br>")}</td>
						<td>${
							c.eligible
								? `<button class="btn btn-xs btn-default" data-technician="${frappe.utils.escape_html(
										c.technician
								  )}" data-start="${c.start || ""}">${__("Assign")}</button>`
								: ""
						}</td></tr>`
				)
				.join("");
			const dialog = new frappe.ui.Dialog({
				title: __("Technicians for {0}", [job]),
				size: "large",
				fields: [{ fieldtype: "HTML", fieldname: "list" }],
			});
			dialog.fields_dict.list.$wrapper.html(`
				<table class="table table-sm">
					<thead><tr><th>${__("Technician")}</th><th>${__("Score")}</th>
					<th>${__("Why")}</th><th></th></tr></thead>
					<tbody>${rows || `<tr><td colspan="4">${__("No technician works that day.")}</td></tr>`}</tbody>
				</table>`);
			dialog.fields_dict.list.$wrapper.find("button[data-technician]").on("click", (e) => {
				const $b = $(e.currentTarget);
				dialog.hide();
				this.assign(job, $b.attr("data-technician"), $b.attr("data-start") || null);
			});
			dialog.show();
		});
	}

	// ------------------------------------------------------------ calendar feed

	calendar_link() {
		const dialog = new frappe.ui.Dialog({
			title: __("Calendar link for a technician"),
			fields: [
				{ fieldtype: "Link", fieldname: "technician", label: __("Technician"), options: "Technician", reqd: 1 },
				{ fieldtype: "HTML", fieldname: "result" },
			],
			primary_action_label: __("Create link"),
			primary_action: (values) => {
				frappe
					.call({ method: DISPATCH_API + "calendar_link", args: { technician: values.technician } })
					.then((r) => {
						const url = frappe.utils.escape_html(r.message.url);
						dialog.fields_dict.result.$wrapper.html(`
							<p>${__("Subscribe to this address in the technician's calendar app. Revoke it from its Calendar Token.")}</p>
							<input class="form-control" readonly value="${url}" onclick="this.select()">`);
						frappe.utils.copy_to_clipboard(r.message.url);
					});
			},
		});
		dialog.show();
	}

	// ------------------------------------------------------------ replanning

	insert_urgent() {
		frappe.prompt(
			{ fieldtype: "Link", fieldname: "job", label: __("Dispatch Job"), options: "Dispatch Job", reqd: 1 },
			({ job }) =>
				frappe
					.call({ method: DISPATCH_API + "insert_urgent", args: { job }, freeze: true })
					.then((r) => this.show_plan(r.message)),
			__("Insert an urgent job")
		);
	}

	technician_absent() {
		frappe.prompt(
			{ fieldtype: "Link", fieldname: "technician", label: __("Technician"), options: "Technician", reqd: 1 },
			({ technician }) =>
				frappe
					.call({
						method: DISPATCH_API + "technician_absent",
						args: { technician, date: this.date() },
						freeze: true,
					})
					.then((r) => this.show_plan(r.message)),
			__("A technician is absent")
		);
	}

	// ------------------------------------------------------------ optimisation

	optimize() {
		frappe
			.call({
				method: DISPATCH_API + "plan",
				args: { date: this.date() },
				freeze: true,
				freeze_message: __("Optimizing the day…"),
			})
			.then((r) => this.show_plan(r.message));
	}

	show_plan(plan) {
		const totals = (t) => `<td>${__("{0} min", [t.travel_minutes])}</td>
			<td>${__("{0} km", [t.distance_km])}</td><td>${t.jobs}</td>`;
		const routes = plan.routes
			.filter((r) => r.stops.length)
			.map(
				(r) => `<tr><td>${frappe.utils.escape_html(r.technician_name || r.technician)}</td>
					<td>${r.stops.map((s) => s.start.slice(11, 16) + " " + frappe.utils.escape_html(s.subject || s.job)).join("<br>")}</td>
					<td>${__("{0} min", [r.travel_minutes])}</td></tr>`
			)
			.join("");
		const unassigned = plan.unassigned
			.map(
				(u) => `<li><b>${frappe.utils.escape_html(u.subject || u.job)}</b> (${u.job}):
					${frappe.utils.escape_html(u.reason)}</li>`
			)
			.join("");
		const dialog = new frappe.ui.Dialog({
			title: __("Optimized plan for {0}", [frappe.datetime.str_to_user(plan.date)]),
			size: "extra-large",
			fields: [{ fieldtype: "HTML", fieldname: "summary" }],
			primary_action_label: __("Apply"),
			primary_action: () => {
				frappe
					.call({
						method: DISPATCH_API + "apply",
						args: { plan: JSON.stringify(plan) },
						freeze: true,
					})
					.then((r) => {
						dialog.hide();
						const result = r.message;
						frappe.show_alert({
							message: __("{0} jobs updated.", [result.updated.length]),
							indicator: "green",
						});
						if (result.skipped.length) {
							frappe.msgprint({
								title: __("Jobs left as they were"),
								message: result.skipped
									.map((s) => `${s.job}: ${frappe.utils.escape_html(s.reason)}`)
									.join("<br>"),
								indicator: "orange",
							});
						}
						this.refresh();
					});
			},
		});
		const routing = plan.routing_error
			? `<div class="alert alert-warning">${__(
					"The routing service did not answer; travel times are straight-line estimates."
			  )} ${frappe.utils.escape_html(plan.routing_error)}</div>`
			: "";
		dialog.fields_dict.summary.$wrapper.html(`${routing}
			<table class="table table-sm">
				<thead><tr><th></th><th>${__("Travel")}</th><th>${__("Distance")}</th>
				<th>${__("Jobs")}</th></tr></thead>
				<tbody>
					<tr><td>${__("Before")}</td>${totals(plan.before)}</tr>
					<tr><td><b>${__("After")}</b></td>${totals(plan.after)}</tr>
				</tbody>
			</table>
			<h5>${__("Routes")}</h5>
			<table class="table table-sm"><tbody>${
				routes || `<tr><td>${__("No job to plan.")}</td></tr>`
			}</tbody></table>
			<h5>${__("Unassigned")} (${plan.unassigned.length})</h5>
			<ul>${unassigned || `<li>${__("None.")}</li>`}</ul>`);
		dialog.show();
	}

	add_styles() {
		if (document.getElementById("gf-dispatch-style")) return;
		$(`<style id="gf-dispatch-style">
			.gf-layout { display: flex; gap: 12px; align-items: flex-start; }
			.gf-unassigned { width: 230px; flex: none; background: var(--subtle-fg); border-radius: 8px;
				padding: 8px; min-height: 200px; }
			.gf-unassigned .gf-card { position: relative; margin-bottom: 6px; }
			.gf-col-title { font-weight: 600; margin-bottom: 8px; }
			.gf-grid { flex: 1; overflow-x: auto; min-width: 600px; }
			.gf-row { display: flex; border-bottom: 1px solid var(--border-color); }
			.gf-head { position: sticky; top: 0; background: var(--card-bg); z-index: 2; font-weight: 600; }
			.gf-tech { width: 180px; flex: none; padding: 6px; }
			.gf-tech-name { font-weight: 600; }
			.gf-hours { flex: 1; display: flex; }
			.gf-hour { flex: 1; border-left: 1px solid var(--border-color); padding: 6px 4px; font-size: 11px; }
			.gf-timeline { flex: 1; position: relative; min-height: 48px;
				background-image: linear-gradient(to right, var(--border-color) 1px, transparent 1px);
				background-size: calc(100% / ${LAST_HOUR - FIRST_HOUR}) 100%; }
			.gf-off .gf-timeline { background-color: var(--subtle-fg); opacity: .7; }
			.gf-shift { position: absolute; top: 0; bottom: 0; background: rgba(72, 187, 120, .08); }
			.gf-break { position: absolute; top: 0; bottom: 0;
				background: repeating-linear-gradient(45deg, rgba(0,0,0,.05) 0 6px, transparent 6px 12px); }
			.gf-over { outline: 2px dashed var(--primary); outline-offset: -2px; }
			.gf-card { background: var(--card-bg); border: 1px solid var(--border-color); border-left: 4px solid #718096;
				border-radius: 6px; padding: 3px 6px; font-size: 11px; cursor: grab; overflow: hidden;
				white-space: nowrap; text-overflow: ellipsis; box-shadow: var(--shadow-xs); }
			.gf-placed { position: absolute; height: ${LANE_PX - 6}px; z-index: 1; }
			.gf-card-title { font-weight: 600; overflow: hidden; text-overflow: ellipsis; }
			.gf-card-meta { color: var(--text-muted); }
			.gf-suggest { margin-left: 4px; cursor: pointer; }
			.gf-priority-low { border-left-color: #a0aec0; }
			.gf-priority-normal { border-left-color: #4299e1; }
			.gf-priority-high { border-left-color: #ed8936; }
			.gf-priority-urgent { border-left-color: #e53e3e; }
		</style>`).appendTo(document.head);
	}
}
