// The technician page: today's jobs, status with GPS check-in, and the equipment flow.
// No framework and no barcode library: the camera is the phone's own (<input capture>), the
// reading is the server's (Gemini). Writes go through a queue kept in localStorage, replayed in
// order when the network returns; each carries an id the server uses to ignore a replay.
(() => {
	"use strict";
	const T = window.TECH_MESSAGES || {};
	const token = decodeURIComponent((location.pathname.split("/j/")[1] || "").split("/")[0]);
	const API = "/api/method/gigafibre.api.tech.";
	const VISION = "/api/method/gigafibre.api.vision.";
	const key = (name) => `gf-tech-${name}-${token.slice(-24)}`;
	const $ = (sel) => document.querySelector(sel);
	const esc = (v) =>
		String(v ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
	const fmt = (s, ...args) => String(s).replace(/\{(\d+)\}/g, (_, i) => args[i]);
	const hhmm = (v) => (v ? String(v).slice(11, 16) : "");
	const store = {
		get: (name, fallback) => {
			try {
				return JSON.parse(localStorage.getItem(key(name))) ?? fallback;
			} catch (e) {
				return fallback;
			}
		},
		set: (name, value) => localStorage.setItem(key(name), JSON.stringify(value)),
	};
	const state = { view: "list", jobs: store.get("jobs", []), job: null, queue: store.get("queue", []), flushing: false };
	const uuid = () =>
		(crypto.randomUUID && crypto.randomUUID()) || `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;

	class ApiError extends Error {
		constructor(message, type, status) {
			super(message);
			this.type = type;
			this.status = status;
		}
	}

	async function call(method, args = {}, { get = false, body = null, base = API } = {}) {
		const headers = { "X-Gigafibre-Token": token, Accept: "application/json", "Accept-Language": document.documentElement.lang || "fr" };
		let url = base + method;
		const init = { method: get ? "GET" : "POST", headers, credentials: "omit" };
		if (get) url += "?" + new URLSearchParams(args);
		else if (body) init.body = body;
		else {
			headers["Content-Type"] = "application/json";
			init.body = JSON.stringify(args);
		}
		let response;
		try {
			response = await fetch(url, init);
		} catch (e) {
			throw new ApiError(T.offline, "Network", 0);
		}
		const data = await response.json().catch(() => ({}));
		if (!response.ok) {
			let message = T.error;
			try {
				message = JSON.parse(JSON.parse(data._server_messages)[0]).message || message;
			} catch (e) {
				message = data.message || message;
			}
			throw new ApiError(message.replace(/<[^>]+>/g, ""), data.exc_type || "", response.status);
		}
		return data.message;
	}

	// ------------------------------------------------------------- the write queue
	function enqueue(method, args, label) {
		state.queue.push({ id: uuid(), method, args, label, at: Date.now() });
		store.set("queue", state.queue);
		renderPending();
		return flush();
	}

	async function flush() {
		if (state.flushing) return;
		state.flushing = true;
		try {
			while (state.queue.length) {
				const op = state.queue[0];
				let result;
				try {
					result = await call(op.method, { ...op.args, client_id: op.id });
				} catch (e) {
					if (e.type === "Network") break; // keep it, in order, for when the network returns
					state.queue.shift();
					store.set("queue", state.queue);
					onRefused(op, e);
					continue;
				}
				state.queue.shift();
				store.set("queue", state.queue);
				onDone(op, result);
			}
		} finally {
			state.flushing = false;
			renderPending();
		}
	}

	function onDone(op, result) {
		if (result && result.name && result.equipment) {
			state.job = result;
			if (state.view === "job" && state.job.name === result.name) renderJob();
		}
		if (op.method === "set_status") refreshList();
	}

	function onRefused(op, error) {
		if (error.type === "CheckInTooFar") {
			const reason = prompt(`${error.message}\n\n${T.reason_far}`);
			if (reason && reason.trim()) enqueue(op.method, { ...op.args, reason: reason.trim() }, op.label);
			else reloadJob(op.args.name);
			return;
		}
		toast(error.message, true);
		if (op.args && op.args.name) reloadJob(op.args.name);
	}

	function renderPending() {
		const chip = $("#pending");
		chip.hidden = !state.queue.length;
		chip.textContent = fmt(T.pending, state.queue.length);
		$("#offline").hidden = navigator.onLine;
		$("#offline").textContent = T.offline;
	}

	// ------------------------------------------------------------- screens
	async function refreshList() {
		try {
			const data = await call("today", {}, { get: true });
			state.jobs = data.jobs;
			state.technician = data.technician.full_name;
			store.set("jobs", state.jobs);
		} catch (e) {
			if (e.type !== "Network") return fail(e);
		}
		if (state.view === "list") renderList();
	}

	function renderList() {
		state.view = "list";
		$("#back").hidden = true;
		$("#title").textContent = state.technician ? `${T.today} — ${state.technician}` : T.today;
		const pendingFor = new Set(state.queue.map((op) => op.args.name));
		$("#app").innerHTML = state.jobs.length
			? `<ul class="jobs">${state.jobs
					.map(
						(job) => `<li><button class="job" data-job="${esc(job.name)}">
				<span class="time">${esc(hhmm(job.scheduled_start))}</span>
				<span class="what"><b>${esc(job.subject)}</b><small>${esc(job.customer_name || "")} · ${esc(job.address || "")}</small></span>
				<span class="chip s-${esc(job.status.replace(" ", "-").toLowerCase())}">${esc(T.status[job.status] || job.status)}</span>
				${pendingFor.has(job.name) ? `<span class="chip warn">…</span>` : ""}</button></li>`
					)
					.join("")}</ul>`
			: `<p class="muted">${esc(T.no_jobs)}</p>`;
	}

	async function openJob(name) {
		state.view = "job";
		$("#back").hidden = false;
		const cached = store.get(`job-${name}`, null);
		if (cached) {
			state.job = cached;
			renderJob();
		} else $("#app").innerHTML = `<p class="muted">${esc(T.loading)}</p>`;
		await reloadJob(name);
	}

	async function reloadJob(name) {
		try {
			state.job = await call("job", { name }, { get: true });
			store.set(`job-${name}`, state.job);
			if (state.view === "job" && state.job.name === name) renderJob();
		} catch (e) {
			if (e.type !== "Network") fail(e);
		}
	}

	const statusButton = {
		"En Route": () => `<button class="primary" data-status="En Route">${esc(T.en_route)}</button>`,
		"On Site": () => `<button class="primary" data-status="On Site">${esc(T.on_site)}</button>`,
		Completed: () => `<button class="primary" data-status="Completed">${esc(T.complete)}</button>`,
	};

	// Traccar saw the technician stay at the location while En route: offer "Arrived" (the normal
	// check-in); the status never changes by itself. While En route, the job is re-read every 30 s.
	const gpsArrived = (j) => j.status === "En Route" && !!j.gps_on_site_at && j.next_statuses.includes("On Site");
	function gpsPrompt(j) {
		if (!gpsArrived(j)) return "";
		return `<div class="note gps-arrived"><p>${esc(T.gps_arrived)}</p>${statusButton["On Site"]()}</div>`;
	}
	setInterval(async () => {
		const j = state.job;
		if (state.view !== "job" || !j || j.status !== "En Route" || j.gps_on_site_at || !navigator.onLine) return;
		try {
			const fresh = await call("job", { name: j.name }, { get: true });
			// re-drawn only when the GPS arrival is new: nothing the technician is typing is lost otherwise
			if (fresh.gps_on_site_at && state.job && state.job.name === fresh.name && state.job.status === "En Route") {
				state.job = fresh;
				store.set(`job-${fresh.name}`, fresh);
				if (state.view === "job") renderJob();
			}
		} catch (e) {
			/* the next tick tries again */
		}
	}, 30000);

	function options(list, labels, current) {
		return list.map((v) => `<option value="${esc(v)}" ${v === current ? "selected" : ""}>${esc(labels[v] || v)}</option>`).join("");
	}

	function renderJob() {
		const j = state.job;
		const loc = j.location;
		$("#title").textContent = j.subject;
		$("#app").innerHTML = `
		<section class="card">
			<div class="row"><span class="chip s-${esc(j.status.replace(" ", "-").toLowerCase())}">${esc(T.status[j.status] || j.status)}</span>
			<span class="muted">${esc(hhmm(j.window_start))}–${esc(hhmm(j.window_end))}</span></div>
			<label>${esc(T.type)}<select id="job-type">${options(j.job_types, T.types, j.job_type)}</select></label>
			<label>${esc(T.priority)}<select id="job-priority">${options(j.priorities, T.priorities, j.priority)}</select></label>
			${gpsPrompt(j)}
			<div class="actions">${j.next_statuses.filter((s) => !(s === "On Site" && gpsArrived(j))).map((s) => statusButton[s]()).join("")}</div>
		</section>
		${renderChecklist(j)}
		<section class="card">
			<h2>${esc(j.customer.customer_name || j.customer.name || "")}</h2>
			<p>${esc(loc.address_line1)}${loc.address_line2 ? ", " + esc(loc.address_line2) : ""}<br>${esc(loc.city)} ${esc(loc.postal_code)}</p>
			${loc.access_notes ? `<p class="note">${esc(loc.access_notes)}</p>` : ""}
			${
				loc.contacts.length
					? `<details id="contacts"><summary>${esc(T.contacts)} (${loc.contacts.length})</summary>${loc.contacts
							.map(
								(c) => `<div class="contact"><b>${esc(c.contact_name)}</b> <small>${esc(c.contact_role || "")}</small>
							${c.phone ? `<a class="btn" href="tel:${esc(c.phone)}">${esc(T.call)}</a><a class="btn" href="sms:${esc(c.phone)}">${esc(T.text)}</a>` : ""}
							${c.email ? `<a class="btn" href="mailto:${esc(c.email)}">@</a>` : ""}</div>`
							)
							.join("")}</details>`
					: ""
			}
		</section>
		<section class="card">
			<div class="row"><h2>${esc(T.equipment)}</h2><button id="add" class="primary">${esc(T.add)}</button></div>
			${
				j.equipment.length
					? `<ul class="equipment">${j.equipment
							.map(
								(e) => `<li><span><b>${esc(T.equipment_types[e.equipment_type] || e.equipment_type)}</b> ${esc(e.brand || "")} ${esc(e.model || "")}
							<small>${esc(e.serial_number)}${e.mac_address ? " · " + esc(e.mac_address) : ""}</small></span>
							<button class="link" data-unlink="${esc(e.name)}">${esc(T.unlink)}</button></li>`
							)
							.join("")}</ul>`
					: `<p class="muted">${esc(T.no_equipment)}</p>`
			}
		</section>`;
	}

	// ------------------------------------------------------------- the checklist (from the job's template)
	// Shown as the server last said, with the technician's changes applied at once (the queue sends them).
	const parseNumber = (v) => {
		const text = String(v ?? "").trim().replace(/[\u2212\u2013]/g, "-").replace(",", ".").replace(/[\s\u00a0\u202f]/g, "");
		return text === "" || !/^[-+]?(\d+\.?\d*|\.\d+)$/.test(text) ? NaN : Number(text);
	};
	const inRange = (r, v) => (r.min === null || v >= r.min) && (r.max === null || v <= r.max);
	function rowOk(r) {
		if (r.kind === "Photo") return r.has_photo;
		if (r.kind === "Equipment Scan") return !!r.scanned_equipment;
		if (r.kind === "Measurement") return r.done && r.value !== null && inRange(r, r.value);
		return r.done;
	}
	const missingRows = (j) => (j.checklist || []).filter((r) => r.required && !rowOk(r));

	function renderChecklist(j) {
		const rows = j.checklist || [];
		const bring = j.equipment_to_bring || [];
		if (!rows.length && !bring.length) return "";
		const left = missingRows(j).length;
		const item = (r) => {
			const ok = rowOk(r);
			const req = r.required ? `<small>${esc(T.ck_required)}</small>` : `<small>${esc(T.ck_optional)}</small>`;
			let body = "";
			if (r.kind === "Check")
				body = `<label class="tick"><input type="checkbox" data-ck-check="${esc(r.name)}" ${r.done ? "checked" : ""}><span>${esc(r.label)} ${req}</span></label>`;
			else {
				let control = "";
				if (r.kind === "Measurement")
					control = `<div class="measure"><input inputmode="decimal" data-ck-input="${esc(r.name)}" value="${r.done && r.value !== null ? esc(String(r.value).replace(".", ",")) : ""}" placeholder="${esc(r.range)}"><span>${esc(r.unit || "")}</span><button data-ck-measure="${esc(r.name)}">${esc(T.ck_record)}</button></div>
						${r.range ? `<small>${esc(fmt(T.ck_expected, r.range))}</small>` : ""}
						${r.done && r.value !== null && !inRange(r, r.value) ? `<small class="error">${esc(T.ck_out_of_range)}</small>` : ""}`;
				if (r.kind === "Photo")
					control = `<label class="btn" for="ck-photo-${esc(r.name)}">${esc(r.has_photo ? T.ck_photo_again : T.ck_photo)}</label>
						<input id="ck-photo-${esc(r.name)}" data-ck-photo="${esc(r.name)}" type="file" accept="image/*" capture="environment" hidden>`;
				if (r.kind === "Equipment Scan") {
					const dev = (j.equipment || []).find((e) => e.name === r.scanned_equipment);
					control = `${r.scanned_equipment ? `<small>${esc(dev ? dev.serial_number : r.scanned_equipment)}</small>` : ""}
						<button data-ck-scan="${esc(r.name)}">${esc(r.scanned_equipment ? T.ck_scan_again : T.scan)}</button>
						${r.equipment_type ? `<small>${esc(T.equipment_types[r.equipment_type] || r.equipment_type)}</small>` : ""}`;
				}
				body = `<div><b>${esc(r.label)}</b> ${req}</div>${control}`;
			}
			return `<li class="ck ${ok ? "ok" : "todo"}" data-row="${esc(r.name)}"><span class="mark">${ok ? "✓" : ""}</span><div class="ck-body">${body}</div></li>`;
		};
		return `<section class="card" id="checklist">
			<div class="row"><h2>${esc(T.checklist)}</h2><span class="chip ${left ? "warn" : "s-completed"}">${esc(left ? fmt(T.ck_left, left) : T.ck_complete)}</span></div>
			${rows.length ? `<ul class="checklist">${rows.map(item).join("")}</ul>` : ""}
			${bring.length ? `<details id="bring" open><summary>${esc(T.bring)} (${bring.length})</summary><ul class="bring">${bring.map((b) => `<li>${esc(b.qty)} × ${esc(b.item_name || T.equipment_types[b.equipment_type] || b.equipment_type || "")}</li>`).join("")}</ul></details>` : ""}
		</section>`;
	}

	function checklistRow(name) {
		return (state.job.checklist || []).find((r) => r.name === name);
	}

	function tick(rowName, done) {
		const r = checklistRow(rowName);
		if (!r) return;
		r.done = done;
		renderJob();
		enqueue("checklist_item", { name: state.job.name, row: rowName, done: done ? 1 : 0 }, "checklist");
	}

	function measure(rowName) {
		const r = checklistRow(rowName);
		const input = document.querySelector(`[data-ck-input="${CSS.escape(rowName)}"]`);
		const value = parseNumber(input && input.value);
		if (!r || Number.isNaN(value)) return toast(T.ck_not_number, true);
		r.done = true;
		r.value = value;
		renderJob();
		if (!inRange(r, value)) toast(`${r.label} : ${T.ck_out_of_range} (${r.range})`, true);
		enqueue("checklist_item", { name: state.job.name, row: rowName, value }, "checklist");
	}

	async function checklistPhoto(rowName, file) {
		const name = state.job.name;
		const body = new FormData();
		body.append("photo", file);
		body.append("name", name);
		body.append("row", rowName);
		toast(T.ck_sending);
		try {
			const result = await call("upload_photo", {}, { body });
			if (result && result.name === name) {
				state.job = result;
				store.set(`job-${name}`, state.job);
				if (state.view === "job") renderJob();
			}
			toast(T.sent);
		} catch (e) {
			toast(e.message, true);
		}
	}

	// ------------------------------------------------------------- status
	function position() {
		return new Promise((resolve) => {
			if (!navigator.geolocation) return resolve({});
			toast(T.gps_wait);
			navigator.geolocation.getCurrentPosition(
				(p) => resolve({ latitude: p.coords.latitude, longitude: p.coords.longitude }),
				() => resolve({}),
				{ enableHighAccuracy: true, timeout: 10000, maximumAge: 60000 }
			);
		});
	}

	async function setStatus(status) {
		const name = state.job.name;
		if (status === "Completed") {
			const left = missingRows(state.job);
			if (left.length) {
				toast(fmt(T.ck_first, left.map((r) => r.label).join(", ")), true);
				const card = $("#checklist");
				if (card) card.scrollIntoView({ behavior: "smooth" });
				return;
			}
			return completeSheet();
		}
		const args = { name, status };
		if (status === "On Site") Object.assign(args, await position());
		state.job.status = status; // shown at once; the queue sends it
		state.job.next_statuses = [];
		renderJob();
		enqueue("set_status", args, status);
	}

	function completeSheet() {
		openSheet(`<h2>${esc(T.complete)}</h2>
			<label>${esc(T.notes)}<textarea id="notes" rows="4"></textarea></label>
			<label>${esc(T.photos)}<input id="photos" type="file" accept="image/*" capture="environment" multiple></label>
			<div class="actions"><button id="sheet-cancel">${esc(T.cancel)}</button><button id="complete-go" class="primary">${esc(T.save)}</button></div>`);
		$("#complete-go").onclick = async () => {
			const name = state.job.name;
			const notes = $("#notes").value;
			for (const file of $("#photos").files) {
				const body = new FormData();
				body.append("photo", file);
				body.append("name", name);
				try {
					await call("upload_photo", {}, { body });
				} catch (e) {
					toast(e.message, true);
				}
			}
			closeSheet();
			state.job.status = "Completed";
			state.job.next_statuses = [];
			renderJob();
			enqueue("set_status", { name, status: "Completed", notes, ...(await position()) }, "Completed");
		};
	}

	// ------------------------------------------------------------- the "Ajouter" sheet
	function addSheet() {
		openSheet(`<h2>${esc(T.add)}</h2>
			<div class="choices">
				<label class="choice" for="scan-input">${esc(T.scan)}</label>
				<button class="choice" id="choice-search">${esc(T.search)}</button>
				<button class="choice" id="choice-create">${esc(T.create)}</button>
			</div>
			<input id="scan-input" type="file" accept="image/*" capture="environment" hidden>
			<div id="sheet-body"></div>
			<div class="actions"><button id="sheet-cancel">${esc(T.cancel)}</button></div>`);
		$("#scan-input").onchange = (ev) => ev.target.files[0] && scan(ev.target.files[0]);
		$("#choice-search").onclick = searchView;
		$("#choice-create").onclick = () => createView({});
	}

	function searchView() {
		$("#sheet-body").innerHTML = `<input id="q" type="search" autocomplete="off" placeholder="${esc(T.search_hint)}"><ul id="results" class="results"></ul>`;
		let timer = null;
		let asked = 0;
		$("#q").oninput = (ev) => {
			clearTimeout(timer);
			const q = ev.target.value.trim();
			timer = setTimeout(async () => {
				const mine = ++asked;
				if (q.length < 2) return ($("#results").innerHTML = "");
				try {
					const rows = await call("search_equipment", { q }, { get: true });
					if (mine === asked) showResults(rows);
				} catch (e) {
					toast(e.message, true);
				}
			}, 300);
		};
		$("#q").focus();
	}

	function showResults(rows) {
		$("#results").innerHTML = rows.length
			? rows
					.map(
						(r) => `<li><button class="result" data-pick="${esc(r.name)}"><b>${esc(r.serial_number)}</b>
						<small>${esc(r.mac_address || "")} · ${esc(T.equipment_types[r.equipment_type] || r.equipment_type)} · ${esc(T.equipment_statuses[r.status] || r.status)}${r.address ? " · " + esc(r.address) : ""}</small>
						<span class="chip">${esc(r.matched_on === "mac" ? T.mac : T.serial)}</span></button></li>`
					)
					.join("")
			: `<li class="muted">${esc(T.no_results)}</li>`;
	}

	function link(equipment, summary) {
		const name = state.job.name;
		const row = state.scanRow; // a checklist scan item, when the sheet was opened from one
		state.job.equipment.push({ name: equipment, ...summary });
		if (row && checklistRow(row)) checklistRow(row).scanned_equipment = equipment;
		renderJob();
		closeSheet();
		enqueue("link_equipment", row ? { name, equipment, row } : { name, equipment }, "link");
	}

	async function scan(file) {
		$("#sheet-body").innerHTML = `<p class="muted">${esc(T.reading)}</p>`;
		const body = new FormData();
		body.append("image", file);
		try {
			const { codes } = await call("barcodes", {}, { body, base: VISION });
			$("#sheet-body").innerHTML = `<p>${esc(T.pick)}</p><ul class="results">${codes
				.map(
					(c, i) => `<li><button class="result" data-code="${i}"><b>${esc(c.value)}</b><small>${esc(c.symbology)}</small>
					<span class="chip">${esc(c.kind === "mac" ? T.mac : T.serial)}</span></button></li>`
				)
				.join("")}</ul>`;
			document.querySelectorAll("[data-code]").forEach((btn) => {
				btn.onclick = () => useCode(codes[+btn.dataset.code]);
			});
		} catch (e) {
			$("#sheet-body").innerHTML = `<p class="error">${esc(e.message)}</p>${
				e.type === "NothingRead" ? `<button id="read-label" class="primary">${esc(T.read_label)}</button>` : ""
			}`;
			if (e.type === "NothingRead") $("#read-label").onclick = () => readLabel(file);
		}
	}

	async function readLabel(file) {
		$("#sheet-body").innerHTML = `<p class="muted">${esc(T.reading)}</p>`;
		const body = new FormData();
		body.append("image", file);
		try {
			const { labels } = await call("equipment", {}, { body, base: VISION });
			$("#sheet-body").innerHTML = `<p>${esc(T.pick)}</p><ul class="results">${labels
				.map(
					(l, i) => `<li><button class="result" data-label="${i}"><b>${esc(l.serial_number || l.mac_address)}</b>
					<small>${esc(l.brand || "")} ${esc(l.model || "")}</small>
					<span class="chip">${esc(l.match.status === "existing" ? T.existing : T.new)}</span></button></li>`
				)
				.join("")}</ul>`;
			document.querySelectorAll("[data-label]").forEach((btn) => {
				const label = labels[+btn.dataset.label];
				btn.onclick = () =>
					label.match.status === "existing"
						? link(label.match.name, { serial_number: label.match.serial_number, equipment_type: label.match.equipment_type })
						: createView(label);
			});
		} catch (e) {
			$("#sheet-body").innerHTML = `<p class="error">${esc(e.message)}</p>`;
		}
	}

	async function useCode(code) {
		// Serial first, then MAC: the search answers in that order.
		const rows = await call("search_equipment", { q: code.value }, { get: true }).catch(() => []);
		const exact = rows.find((r) => r.serial_number === code.value || r.mac_address === code.value);
		if (exact) return link(exact.name, exact);
		createView(code.kind === "mac" ? { mac_address: code.value } : { serial_number: code.value });
	}

	function createView(values) {
		const types = Object.keys(T.equipment_types);
		$("#sheet-body").innerHTML = `<form id="create-form" novalidate>
			<label>${esc(T.type)}<select name="equipment_type">${options(types, T.equipment_types, values.equipment_type || scanType() || "ONT")}</select></label>
			<label>${esc(T.brand)}<input name="brand" value="${esc(values.brand || "")}"></label>
			<label>${esc(T.model)}<input name="model" value="${esc(values.model || "")}"></label>
			<label>${esc(T.serial)}<input name="serial_number" value="${esc(values.serial_number || "")}" autocapitalize="characters"></label>
			<label>${esc(T.mac)}<input name="mac_address" value="${esc(values.mac_address || "")}" autocapitalize="characters"></label>
			<p id="create-error" class="error" hidden></p>
			<button class="primary" type="submit">${esc(T.create)}</button></form>`;
		$("#create-form").onsubmit = async (ev) => {
			ev.preventDefault();
			const data = Object.fromEntries(new FormData(ev.target).entries());
			const error = validate(data);
			if (error) return showCreateError(error);
			// An existing serial or MAC is picked, not created twice.
			for (const q of [data.serial_number, data.mac_address].filter(Boolean)) {
				const rows = await call("search_equipment", { q }, { get: true }).catch(() => []);
				const same = rows.find((r) => r.serial_number === normalizeSerial(q) || r.mac_address === normalizeMac(q));
				if (same) return showCreateError(`${T.existing}: ${same.serial_number}`, same);
			}
			const name = state.job.name;
			const row = state.scanRow;
			if (row && checklistRow(row)) checklistRow(row).scanned_equipment = "…";
			state.job.equipment.push({ name: "…", serial_number: normalizeSerial(data.serial_number), mac_address: normalizeMac(data.mac_address), equipment_type: data.equipment_type, brand: data.brand, model: data.model });
			renderJob();
			closeSheet();
			enqueue("create_equipment", row ? { name, ...data, row } : { name, ...data }, "create");
		};
	}

	function showCreateError(message, existing) {
		const el = $("#create-error");
		el.hidden = false;
		el.innerHTML = esc(message) + (existing ? ` <button class="link" id="use-existing">${esc(T.add)}</button>` : "");
		if (existing) $("#use-existing").onclick = () => link(existing.name, existing);
	}

	const normalizeSerial = (v) => String(v || "").replace(/\s+/g, "").toUpperCase();
	function normalizeMac(v) {
		const hex = String(v || "").replace(/[\s:.\-]/g, "").toUpperCase();
		return hex ? hex.match(/.{1,2}/g).join(":") : "";
	}
	function validate(data) {
		if (!normalizeSerial(data.serial_number)) return T.serial_required;
		const mac = String(data.mac_address || "").replace(/[\s:.\-]/g, "");
		if (mac && !/^[0-9a-fA-F]{12}$/.test(mac)) return T.mac_invalid;
		return null;
	}

	// ------------------------------------------------------------- plumbing
	function openSheet(html) {
		const sheet = $("#sheet");
		sheet.innerHTML = `<div class="panel">${html}</div>`;
		sheet.hidden = false;
		$("#sheet-cancel").onclick = closeSheet;
	}
	function closeSheet() {
		$("#sheet").hidden = true;
		$("#sheet").innerHTML = "";
		state.scanRow = null;
	}
	const scanType = () => (state.scanRow && checklistRow(state.scanRow) ? checklistRow(state.scanRow).equipment_type : null);
	function toast(message, bad) {
		const el = $("#toast");
		el.textContent = message;
		el.className = "toast" + (bad ? " bad" : "");
		el.hidden = false;
		clearTimeout(toast.timer);
		toast.timer = setTimeout(() => (el.hidden = true), 4000);
	}
	function fail(e) {
		if (e.status === 401) {
			$("#app").innerHTML = `<section class="refused"><p>${esc(e.message)}</p></section>`;
			return;
		}
		toast(e.message, true);
	}

	document.addEventListener("click", (ev) => {
		const t = ev.target.closest("button");
		if (!t) return;
		if (t.dataset.job) openJob(t.dataset.job);
		else if (t.id === "back") {
			renderList();
			refreshList();
		} else if (t.dataset.status) setStatus(t.dataset.status);
		else if (t.id === "add") {
			state.scanRow = null;
			addSheet();
		}
		else if (t.dataset.ckScan) {
			addSheet();
			state.scanRow = t.dataset.ckScan; // after addSheet: opening a sheet starts without one
		} else if (t.dataset.ckMeasure) measure(t.dataset.ckMeasure);
		else if (t.dataset.pick) {
			const row = t.closest("li");
			link(t.dataset.pick, { serial_number: row.querySelector("b").textContent });
		} else if (t.dataset.unlink) {
			const name = state.job.name;
			const equipment = t.dataset.unlink;
			state.job.equipment = state.job.equipment.filter((e) => e.name !== equipment);
			renderJob();
			enqueue("unlink_equipment", { name, equipment }, "unlink");
		}
	});
	document.addEventListener("change", (ev) => {
		if (ev.target.id === "job-type") enqueue("update_job", { name: state.job.name, job_type: ev.target.value }, "type");
		if (ev.target.id === "job-priority") enqueue("update_job", { name: state.job.name, priority: ev.target.value }, "priority");
		if (ev.target.dataset.ckCheck) tick(ev.target.dataset.ckCheck, ev.target.checked);
		if (ev.target.dataset.ckPhoto && ev.target.files[0]) checklistPhoto(ev.target.dataset.ckPhoto, ev.target.files[0]);
	});
	document.addEventListener("keydown", (ev) => {
		if (ev.key === "Enter" && ev.target.dataset && ev.target.dataset.ckInput) measure(ev.target.dataset.ckInput);
	});
	window.addEventListener("online", () => {
		renderPending();
		flush();
	});
	window.addEventListener("offline", renderPending);

	renderList();
	renderPending();
	refreshList();
	flush();
	window.__tech = { state, flush }; // for tests and support
})();
