/* The customer's rebooking page (/rendez-vous/<token>): the free slots, grouped by day, and booking
   one through gigafibre.api.customer_tracking.book. A slot taken meanwhile: the server's message
   and the slots as they are now. */
(function () {
	var cfg = window.GF_REBOOKING, t = cfg.t;
	var $ = function (id) { return document.getElementById(id); };
	var API = "/api/method/gigafibre.api.customer_tracking.";

	function say(text, kind) { var m = $("message"); m.textContent = text || ""; m.className = kind || ""; }
	function serverMessage(data, fallback) {
		try { return JSON.parse(JSON.parse(data._server_messages)[0]).message; } catch (e) { /* none */ }
		return data.exception || fallback;
	}

	function showBooked(slot) {
		$("slots").innerHTML = "";
		say(t.booked.replace("{0}", slot.day_label).replace("{1}", slot.time_label), "ok");
	}

	function showSlots(slots) {
		var box = $("slots"); box.innerHTML = "";
		if (!slots.length) { var p = document.createElement("p"); p.textContent = t.none; box.appendChild(p); return; }
		var day = null;
		slots.forEach(function (slot) {
			if (slot.date !== day) {
				day = slot.date;
				var h = document.createElement("h3"); h.textContent = slot.day_label; box.appendChild(h);
			}
			var b = document.createElement("button");
			b.className = "slot"; b.type = "button"; b.textContent = slot.time_label; b.dataset.start = slot.start;
			b.addEventListener("click", function () { book(slot.start); });
			box.appendChild(b);
		});
	}

	function load() {
		fetch(API + "rebooking_slots?token=" + encodeURIComponent(cfg.token), {headers: {"Accept": "application/json"}, credentials: "omit"})
			.then(function (r) { return r.json().then(function (d) { return {ok: r.ok, data: d}; }); })
			.then(function (res) {
				if (!res.ok) { say(serverMessage(res.data, t.failed), "error"); $("slots").innerHTML = ""; return; }
				var page = res.data.message;
				if (page.booked) showBooked(page.booked); else showSlots(page.slots);
			})
			.catch(function () { say(t.offline, "error"); });
	}

	function book(start) {
		Array.prototype.forEach.call(document.querySelectorAll(".slot"), function (b) { b.disabled = true; });
		say("");
		var body = new URLSearchParams(); body.set("token", cfg.token); body.set("start", start);
		fetch(API + "book", {method: "POST", body: body, headers: {"Accept": "application/json"}, credentials: "omit"})
			.then(function (r) { return r.json().then(function (d) { return {ok: r.ok, data: d}; }); })
			.then(function (res) {
				if (!res.ok) { say(serverMessage(res.data, t.failed), "error"); load(); return; }
				var out = res.data.message;
				if (out.booked) { showBooked(out.slot); return; }
				say(out.message, "error"); showSlots(out.slots);
			})
			.catch(function () { say(t.offline, "error"); load(); });
	}

	load();
})();
