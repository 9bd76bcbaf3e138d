// The Dispatch page's map: the day's jobs, the technicians where they are and each one's planned
// route, drawn with Leaflet as Frappe ships it (window.L) on one canvas renderer — circle markers and
// polylines, no DOM marker — so 500 jobs and 100 technicians stay quick to draw and to move.
//
// Loaded by the Dispatch page (frappe.require) and by benchmarks/dispatch_map.py's harness, which
// gives it Leaflet, a `__` and a payload: it needs nothing else of the desk.
//
//   const map = new GigafibreDispatchMap(element, { on_job_click: (name, job) => … });
//   map.render(payload, { fit: true });   // gigafibre.api.dispatch.map_data's answer; again on changes
//   map.queue_position({ technician, lat, lon, at, speed_kmh });   // realtime, drawn once per frame
//   map.mark_on_site({ job, technician, at });
//
// Jobs: fill colour by status, a ring for High (orange) and Urgent (red) priority, a yellow halo
// when no technician has them, a white dot once the technician's GPS has been on site. Technicians:
// their route's colour; hollow at their home base while no position is known, faded when the
// position is old. Tiles come from settings; when they do not load, a note says so and everything
// else still works.

(function () {
	const STATUS_COLOURS = {
		New: "#a0aec0",
		Planned: "#805ad5",
		Assigned: "#3182ce",
		"En Route": "#319795",
		"On Site": "#38a169",
		Completed: "#4a5568",
	};
	const PRIORITY_RINGS = { High: { color: "#ed8936", weight: 3 }, Urgent: { color: "#e53e3e", weight: 4 } };
	const PALETTE = [
		"#2b6cb0",
		"#c05621",
		"#2f855a",
		"#9b2c2c",
		"#6b46c1",
		"#b7791f",
		"#2c7a7b",
		"#97266d",
		"#4c51bf",
		"#276749",
		"#744210",
		"#1a365d",
	];
	const DEFAULT_CENTER = [45.52, -73.6]; // Montréal, when the day has nothing to show
	const JOB_RADIUS = 7;
	const JOB_SLOTS = ["halo", "ring", "marker", "dot"]; // bottom to top

	function escape_html(text) {
		return String(text == null ? "" : text).replace(
			/[&<>"']/g,
			(c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c])
		);
	}

	function hhmm(iso) {
		return iso ? String(iso).slice(11, 16) : "";
	}

	class GigafibreDispatchMap {
		constructor(element, options = {}) {
			this.element = element;
			this.options = options;
			this.jobs = new Map(); // name → {data, marker, ring, halo, dot}
			this.technicians = new Map(); // name → {data, marker, route, colour}
			this.pending = new Map(); // technician → latest position not drawn yet
			this.frame = null;
			this.tiles_loaded = 0;
			this.tiles_failed = 0;
			this.tile_url = null;
			this.data = null;
			this.renderer = L.canvas({ padding: 0.3 });
			this.map = L.map(element, { preferCanvas: true, renderer: this.renderer, zoomControl: true });
			this.map.setView(DEFAULT_CENTER, 11);
			this.note = L.DomUtil.create("div", "gf-map-note", element);
			this.note.style.display = "none";
			this.add_legend();
		}

		// ------------------------------------------------------------ tiles

		set_tiles(tiles) {
			const url = (tiles && tiles.url) || "";
			if (url === this.tile_url) return;
			if (this.tile_layer) this.map.removeLayer(this.tile_layer);
			this.tile_url = url;
			this.tiles_loaded = this.tiles_failed = 0;
			this.tile_layer = null;
			this.show_note();
			if (!url) return;
			this.tile_layer = L.tileLayer(url, {
				attribution: escape_html((tiles && tiles.attribution) || ""),
				maxZoom: 19,
			});
			this.tile_layer.on("tileload", () => {
				this.tiles_loaded++;
				this.show_note();
			});
			this.tile_layer.on("tileerror", () => {
				this.tiles_failed++;
				this.show_note();
			});
			this.tile_layer.addTo(this.map);
		}

		tiles_unavailable() {
			return !this.tile_url || (this.tiles_failed > 0 && this.tiles_loaded === 0);
		}

		show_note() {
			const lines = [];
			if (this.tiles_unavailable()) {
				lines.push(
					__("Map tiles unavailable: jobs and technicians are drawn without the background.")
				);
			}
			const missing = (this.data && this.data.missing_coordinates) || [];
			if (missing.length === 1) {
				lines.push(__("One job has no coordinates and is not on the map."));
			} else if (missing.length) {
				lines.push(__("{0} jobs have no coordinates and are not on the map.", [missing.length]));
			}
			this.note.innerHTML = lines.map(escape_html).join("<br>");
			this.note.style.display = lines.length ? "" : "none";
		}

		// ------------------------------------------------------------ drawing

		render(data, { fit = false } = {}) {
			const first = !this.data;
			const new_day = this.data && this.data.date !== data.date;
			this.data = data;
			this.set_tiles(data.tiles);
			const technicians = data.technicians || [];
			this.colours = {};
			technicians.forEach((tech, i) => (this.colours[tech.name] = PALETTE[i % PALETTE.length]));
			// Drawn in this order, so that the canvas paints routes under jobs under technicians.
			const seen = new Set();
			technicians.forEach((tech) => {
				seen.add(tech.name);
				const entry = this.technicians.get(tech.name) || {};
				entry.data = tech;
				this.technicians.set(tech.name, entry);
				if (tech.route && tech.route.length) this.draw_route(tech, entry);
				else if (entry.route) {
					this.map.removeLayer(entry.route);
					entry.route = null;
				}
			});
			this.technicians.forEach((entry, name) => {
				if (seen.has(name)) return;
				if (entry.marker) this.map.removeLayer(entry.marker);
				if (entry.route) this.map.removeLayer(entry.route);
				this.technicians.delete(name);
			});
			this.sync_jobs(data.jobs || []);
			this.technicians.forEach((entry) => this.draw_technician(entry));
			this.show_note();
			if (fit || first || new_day) this.fit();
		}

		draw_route(tech, entry) {
			const colour = this.colours[tech.name];
			if (entry.route) {
				entry.route.setLatLngs(tech.route);
				entry.route.setStyle({ color: colour });
			} else {
				entry.route = L.polyline(tech.route, {
					renderer: this.renderer,
					color: colour,
					weight: 3,
					opacity: 0.7,
					interactive: false,
					gf_kind: "route",
				}).addTo(this.map);
			}
		}

		sync_jobs(jobs) {
			const seen = new Set();
			const entries = [];
			jobs.forEach((job) => {
				if (job.lat == null || job.lon == null) return;
				seen.add(job.name);
				const entry = this.jobs.get(job.name) || {};
				entry.data = job;
				this.jobs.set(job.name, entry);
				entries.push(entry);
			});
			this.jobs.forEach((entry, name) => {
				if (seen.has(name)) return;
				JOB_SLOTS.forEach((slot) => entry[slot] && this.map.removeLayer(entry[slot]));
				this.jobs.delete(name);
			});
			JOB_SLOTS.forEach((slot) => entries.forEach((entry) => this.draw_job(entry, slot)));
		}

		draw_job(entry, only = null) {
			const job = entry.data;
			const at = [job.lat, job.lon];
			const layer = (slot, wanted, options) => {
				if (only && slot !== only) return;
				if (!wanted) {
					if (entry[slot]) this.map.removeLayer(entry[slot]);
					entry[slot] = null;
					return;
				}
				if (entry[slot]) {
					entry[slot].setLatLng(at);
					entry[slot].setStyle(options);
					if (options.radius) entry[slot].setRadius(options.radius);
				} else {
					entry[slot] = L.circleMarker(at, { renderer: this.renderer, ...options }).addTo(this.map);
					if (slot === "marker") {
						entry[slot].bindTooltip(() => this.job_tooltip(entry.data), { direction: "top" });
						entry[slot].on("click", () => this.job_clicked(entry.data.name));
					}
				}
			};
			layer("halo", job.unassigned, {
				radius: JOB_RADIUS + 7,
				stroke: true,
				color: "#b7791f",
				weight: 1,
				fillColor: "#ecc94b",
				fillOpacity: 0.45,
				interactive: false,
				gf_kind: "unassigned",
			});
			const ring = PRIORITY_RINGS[job.priority];
			layer("ring", !!ring, {
				radius: JOB_RADIUS + 3,
				fill: false,
				color: ring ? ring.color : "#000",
				weight: ring ? ring.weight : 1,
				opacity: 1,
				interactive: false,
				gf_kind: "priority",
			});
			layer("marker", true, {
				radius: JOB_RADIUS,
				color: "#ffffff",
				weight: 1.5,
				opacity: 1,
				fillColor: STATUS_COLOURS[job.status] || "#718096",
				fillOpacity: 0.95,
				gf_kind: "job",
				gf_name: job.name,
			});
			layer("dot", !!job.gps_on_site_at, {
				radius: 2.5,
				stroke: false,
				fillColor: "#ffffff",
				fillOpacity: 1,
				interactive: false,
				gf_kind: "on_site_gps",
			});
		}

		technician_style(tech) {
			const colour = this.colours[tech.name] || PALETTE[0];
			if (tech.where === "home") {
				return {
					radius: 8,
					color: colour,
					weight: 3,
					fillColor: "#ffffff",
					fillOpacity: 1,
					opacity: 1,
				};
			}
			return {
				radius: 9,
				color: "#1a202c",
				weight: 2,
				fillColor: colour,
				fillOpacity: tech.where === "stale" ? 0.35 : 1,
				opacity: tech.where === "stale" ? 0.5 : 1,
			};
		}

		draw_technician(entry) {
			const tech = entry.data;
			if (tech.lat == null || tech.lon == null) {
				if (entry.marker) this.map.removeLayer(entry.marker);
				entry.marker = null;
				return;
			}
			const style = this.technician_style(tech);
			if (entry.marker) {
				entry.marker.setLatLng([tech.lat, tech.lon]);
				entry.marker.setStyle(style);
				entry.marker.setRadius(style.radius);
			} else {
				entry.marker = L.circleMarker([tech.lat, tech.lon], {
					renderer: this.renderer,
					...style,
					gf_kind: "technician",
					gf_name: tech.name,
				}).addTo(this.map);
				entry.marker.bindTooltip(() => this.technician_tooltip(entry.data), { direction: "top" });
				entry.marker.on("click", () => this.highlight_route(entry.data.name));
			}
		}

		highlight_route(name) {
			this.technicians.forEach((entry, key) => {
				if (entry.route)
					entry.route.setStyle({ weight: key === name ? 6 : 3, opacity: key === name ? 1 : 0.7 });
			});
		}

		fit() {
			const points = [];
			this.jobs.forEach((entry) => points.push([entry.data.lat, entry.data.lon]));
			this.technicians.forEach((entry) => {
				if (entry.data.lat != null) points.push([entry.data.lat, entry.data.lon]);
			});
			if (points.length) this.map.fitBounds(L.latLngBounds(points), { padding: [30, 30], maxZoom: 15 });
			else this.map.setView(DEFAULT_CENTER, 11);
		}

		// ------------------------------------------------------------ tooltips and clicks

		job_tooltip(job) {
			const tech = job.technician && this.technicians.get(job.technician);
			const lines = [
				`<b>${escape_html(job.subject || job.name)}</b> (${escape_html(job.name)})`,
				escape_html([job.customer_name, job.address].filter(Boolean).join(" · ")),
				escape_html(
					[__(job.status), __(job.priority), job.scheduled_start ? hhmm(job.scheduled_start) : ""]
						.filter(Boolean)
						.join(" · ")
				),
			];
			if (job.window_start && job.window_end) {
				lines.push(escape_html(__("Window {0}–{1}", [hhmm(job.window_start), hhmm(job.window_end)])));
			}
			if (job.unassigned) lines.push(`<b>${escape_html(__("Unassigned"))}</b>`);
			else if (tech) {
				lines.push(
					escape_html(
						__("{0}, stop {1}", [tech.data.full_name || job.technician, job.order || "?"])
					)
				);
			}
			if (job.gps_on_site_at) {
				lines.push(
					`<b>${escape_html(__("On site (GPS) since {0}", [hhmm(job.gps_on_site_at)]))}</b>`
				);
			}
			return lines.filter(Boolean).join("<br>");
		}

		technician_tooltip(tech) {
			const lines = [`<b>${escape_html(tech.full_name || tech.name)}</b>`];
			if (tech.where === "home") lines.push(escape_html(__("At home base (no position yet)")));
			else if (tech.where) {
				const when = hhmm(tech.position_at);
				lines.push(
					escape_html(
						tech.where === "stale"
							? __("Last position at {0} (old)", [when])
							: __("Position at {0}", [when])
					)
				);
				if (tech.speed_kmh) lines.push(escape_html(__("{0} km/h", [Math.round(tech.speed_kmh)])));
			}
			lines.push(escape_html(__("{0} jobs", [(tech.jobs || []).length])));
			return lines.join("<br>");
		}

		job_clicked(name) {
			const entry = this.jobs.get(name);
			if (this.selected && this.selected !== entry && this.selected.marker) {
				this.selected.marker.setRadius(JOB_RADIUS);
			}
			this.selected = entry;
			if (entry && entry.marker) entry.marker.setRadius(JOB_RADIUS + 2);
			if (this.options.on_job_click) this.options.on_job_click(name, entry && entry.data);
		}

		// ------------------------------------------------------------ live updates

		queue_position(message) {
			if (!message || !message.technician || !this.technicians.has(message.technician)) return;
			this.pending.set(message.technician, message);
			if (!this.frame) this.frame = window.requestAnimationFrame(() => this.flush_positions());
		}

		flush_positions() {
			this.frame = null;
			const today = this.data && this.data.now && this.data.now.slice(0, 10) === this.data.date;
			this.pending.forEach((message, name) => {
				const entry = this.technicians.get(name);
				const lat = Number(message.lat);
				const lon = Number(message.lon);
				if (!entry || !isFinite(lat) || !isFinite(lon)) return;
				Object.assign(entry.data, {
					lat,
					lon,
					where: "live",
					position_at: message.at || entry.data.position_at,
					speed_kmh: message.speed_kmh,
				});
				this.draw_technician(entry);
				if (today) this.update_route(entry);
			});
			this.pending.clear();
		}

		update_route(entry) {
			// Today with a live position, the route runs from it through the jobs not completed yet.
			const stops = (entry.data.jobs || [])
				.map((name) => this.jobs.get(name))
				.filter((job) => job && job.data.status !== "Completed")
				.map((job) => [job.data.lat, job.data.lon]);
			const route = [[entry.data.lat, entry.data.lon], ...stops];
			entry.data.route = route.length > 1 ? route : [];
			if (entry.data.route.length) this.draw_route(entry.data, entry);
			else if (entry.route) {
				this.map.removeLayer(entry.route);
				entry.route = null;
			}
		}

		mark_on_site(message) {
			const entry = message && this.jobs.get(message.job);
			if (!entry) return;
			entry.data.gps_on_site_at = message.at || entry.data.gps_on_site_at || this.data.now;
			this.draw_job(entry);
		}

		// ------------------------------------------------------------ for tests and benchmarks

		count(kind) {
			let n = 0;
			this.map.eachLayer((layer) => {
				if (layer.options && layer.options.gf_kind === kind) n++;
			});
			return n;
		}

		point_of_job(name) {
			const entry = this.jobs.get(name);
			if (!entry) return null;
			const p = this.map.latLngToContainerPoint(entry.marker.getLatLng());
			const box = this.element.getBoundingClientRect();
			return { x: box.left + p.x, y: box.top + p.y };
		}

		resize() {
			this.map.invalidateSize();
		}

		add_legend() {
			const legend = L.control({ position: "bottomleft" });
			legend.onAdd = () => {
				const div = L.DomUtil.create("div", "gf-map-legend");
				const dot = (colour, label, extra = "") =>
					`<span class="gf-map-key"><i style="background:${colour};${extra}"></i>${escape_html(
						label
					)}</span>`;
				div.innerHTML = [
					...Object.keys(STATUS_COLOURS).map((s) => dot(STATUS_COLOURS[s], __(s))),
					dot("#ecc94b", __("Unassigned"), "box-shadow:0 0 0 3px rgba(236,201,75,.5)"),
					dot("transparent", __("High"), `border:3px solid ${PRIORITY_RINGS.High.color}`),
					dot("transparent", __("Urgent"), `border:3px solid ${PRIORITY_RINGS.Urgent.color}`),
					dot(
						"#4a5568",
						__("On site (GPS)"),
						"box-shadow:inset 0 0 0 3px #4a5568,inset 0 0 0 5px #fff"
					),
					dot("#fff", __("Technician at home base"), `border:3px solid ${PALETTE[0]}`),
				].join("");
				L.DomEvent.disableClickPropagation(div);
				return div;
			};
			legend.addTo(this.map);
		}

		destroy() {
			if (this.frame) window.cancelAnimationFrame(this.frame);
			this.map.remove();
		}
	}

	GigafibreDispatchMap.STYLES = `
		.gf-map-wrap { position: relative; margin-bottom: 12px; }
		.gf-map { height: 62vh; min-height: 420px; border: 1px solid var(--border-color, #d1d8dd);
			border-radius: 8px; z-index: 0; background: #e9eef2; }
		.gf-map-note { position: absolute; top: 8px; right: 8px; z-index: 1000; max-width: 340px;
			background: rgba(255, 255, 255, .92); border: 1px solid #d69e2e; border-radius: 6px;
			padding: 4px 8px; font-size: 11px; color: #744210; pointer-events: none; }
		.gf-map-legend { background: rgba(255, 255, 255, .92); border-radius: 6px; padding: 4px 8px;
			font-size: 11px; max-width: 520px; line-height: 18px; }
		.gf-map-key { display: inline-block; margin-right: 10px; white-space: nowrap; }
		.gf-map-key i { display: inline-block; width: 11px; height: 11px; border-radius: 50%;
			vertical-align: -1px; margin-right: 4px; box-sizing: border-box; }
	`;

	window.GigafibreDispatchMap = GigafibreDispatchMap;
})();
