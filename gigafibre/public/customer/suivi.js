/* The customer's tracking page (/suivi/<token>): shows the state the server gave, then polls
   gigafibre.api.customer_tracking.tracking_state. Works without Leaflet or tiles: the position is
   also written out as coordinates. */
(function () {
	var cfg = window.GF_TRACKING, t = cfg.t, map = null, marker = null, timer = null;
	var $ = function (id) { return document.getElementById(id); };
	function fill(text, a, b, c) { return text.replace("{0}", a).replace("{1}", b).replace("{2}", c); }
	function clock(iso) { return iso ? String(Number(iso.slice(11, 13))) + " h " + iso.slice(14, 16) : ""; }

	function showMap(pos) {
		var box = $("map");
		if (!window.L) { box.hidden = true; return; }
		box.hidden = false;
		try {
			if (!map) {
				map = L.map(box, {zoomControl: false, attributionControl: true}).setView([pos.lat, pos.lon], 14);
				L.tileLayer(cfg.tiles, {maxZoom: 18, attribution: cfg.attribution}).addTo(map);
				marker = L.circleMarker([pos.lat, pos.lon], {radius: 9, color: "#0b3d91", fillColor: "#2f6fe0", fillOpacity: 0.9}).addTo(map);
			} else {
				marker.setLatLng([pos.lat, pos.lon]);
				map.panTo([pos.lat, pos.lon]);
			}
		} catch (err) { box.hidden = true; }
	}

	function render(s) {
		var name = s.first_name || "";
		$("eta").hidden = true; $("coords").hidden = true; $("map").hidden = true;
		if (s.status === "en_route") {
			$("headline").textContent = name ? fill(t.en_route, name) : t.en_route_nameless;
			if (s.eta) { $("eta").textContent = fill(t.eta, clock(s.eta)); $("eta").hidden = false; $("detail").textContent = ""; }
			else { $("detail").textContent = t.no_eta; }
			if (s.position) {
				showMap(s.position);
				$("coords").textContent = fill(t.position, clock(s.position.at), s.position.lat.toFixed(4), s.position.lon.toFixed(4));
				$("coords").hidden = false;
			} else {
				$("detail").textContent = ($("detail").textContent ? $("detail").textContent + " " : "") + t.no_position;
			}
		} else if (s.status === "arrived") {
			$("headline").textContent = fill(t.arrived, name);
			$("detail").textContent = t.arrived_detail;
		} else if (s.status === "scheduled") {
			$("headline").textContent = t.scheduled;
			$("detail").textContent = t.scheduled_detail;
		} else {
			$("headline").textContent = t.expired;
			$("detail").textContent = t.expired_detail;
		}
		if (s.status === "expired" && timer) { clearInterval(timer); timer = null; }
	}

	function poll() {
		var url = "/api/method/gigafibre.api.customer_tracking.tracking_state?token=" + encodeURIComponent(cfg.token);
		fetch(url, {headers: {"Accept": "application/json"}, credentials: "omit"})
			.then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
			.then(function (data) { render(data.message); })
			.catch(function () { $("detail").textContent = t.offline; });
	}

	render(cfg.state);
	if (cfg.state.status !== "expired") timer = setInterval(poll, cfg.poll * 1000);
})();
