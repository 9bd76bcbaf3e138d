"""Dispatch map: time to first render of 500 jobs + 100 technicians in Chromium, and how it keeps up.

	python benchmarks/dispatch_map.py [--runs 7] [--jobs 500] [--technicians 100] [--no-tiles]

A standalone harness loads the very same module the Dispatch page loads
(gigafibre/public/js/dispatch_map.js) with Frappe's own Leaflet (--leaflet, default the bench's
frappe/public/js/lib/leaflet) and a payload built by the same pure code as
`gigafibre.api.dispatch.map_data` (`dispatch.map_model.build`) from generated rows around Montréal:
every technician with a home, 60 % with a live position, 80 % of the jobs assigned (scheduled), the
rest unassigned, a tenth High or Urgent. Tiles come from a loopback tile server (or none with
--no-tiles). Each run is a fresh page; it times, in the page:

- first render: `new GigafibreDispatchMap(...)` + `render(payload)` until two animation frames later
  (Leaflet's canvas draws in the next frame), with every job and technician marker counted on the map;
- 100 positions: one position for every technician through `queue_position`, drawn in one frame;
- re-render: `render()` again with every job's status changed (what a realtime refresh does);
- zoom: one zoom level in, without animation, until drawn.

Medians of the runs, with min and max. Needs Playwright and Chromium (/usr/bin/chromium).
"""

import argparse
import json
import random
import statistics
import sys
from datetime import datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from gigafibre.dispatch import map_model
from gigafibre.tests.peers import LoopbackPeer, Reply
from gigafibre.tests.tile_peer import TILE, tile_png

LEAFLET = Path("/work/frappe-bench/apps/frappe/frappe/public/js/lib/leaflet")
MODULE = REPO / "gigafibre" / "public" / "js" / "dispatch_map.js"
STATUSES = ["Planned", "Assigned", "Assigned", "En Route", "On Site", "Completed"]

HARNESS = """<!doctype html><html><head><meta charset="utf-8">
<link rel="stylesheet" href="/leaflet.css">
<style>html, body { margin: 0; height: 100%; } #map { position: absolute; inset: 0; height: auto; }</style>
<script>window.__ = (s, a) => (a ? String(s).replace(/\\{(\\d+)\\}/g, (m, i) => a[i]) : s);</script>
<script src="/leaflet.js"></script><script src="/dispatch_map.js"></script>
<script>document.write(`<style>${GigafibreDispatchMap.STYLES}</style>`);</script>
</head><body><div id="map" class="gf-map"></div></body></html>"""

FIRST_RENDER = """async (payload) => {
	const frames = () => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
	const t0 = performance.now();
	const map = new GigafibreDispatchMap(document.getElementById("map"), {});
	map.render(payload);
	await frames();
	const first = performance.now() - t0;
	window.gf_map = map;
	const jobs = map.count("job"), technicians = map.count("technician"), routes = map.count("route");

	let t = performance.now();
	payload.technicians.forEach((tech, i) =>
		map.queue_position({ technician: tech.name, lat: 45.5 + (i % 10) / 100, lon: -73.6 + i / 1000,
			at: payload.now, speed_kmh: 40 }));
	await frames();
	const positions = performance.now() - t;

	const changed = JSON.parse(JSON.stringify(payload));
	changed.jobs.forEach((job) => (job.status = job.status === "Assigned" ? "En Route" : "Assigned"));
	t = performance.now();
	map.render(changed);
	await frames();
	const rerender = performance.now() - t;

	t = performance.now();
	map.map.setZoom(map.map.getZoom() + 1, { animate: false });
	await frames();
	const zoom = performance.now() - t;
	return { first, positions, rerender, zoom, jobs, technicians, routes, tiles: map.tiles_loaded };
}"""


def payload(n_jobs: int, n_techs: int, seed: int = 16) -> dict:
	rng = random.Random(seed)
	now = datetime(2026, 12, 2, 10, 30)
	day = now.replace(hour=0, minute=0)

	def spot():
		return round(45.40 + rng.random() * 0.30, 6), round(-73.95 + rng.random() * 0.50, 6)

	technicians = []
	for i in range(n_techs):
		home = spot()
		row = {"name": f"TECH-{i:04d}", "full_name": f"Technicien {i}", "home_latitude": home[0]}
		row["home_longitude"] = home[1]
		if rng.random() < 0.6:
			last = spot()
			row.update(last_latitude=last[0], last_longitude=last[1], last_speed_kmh=rng.choice([0, 30, 50]))
			row["last_position_at"] = now - timedelta(minutes=rng.choice([1, 2, 5, 45]))
		technicians.append(row)
	jobs = []
	assigned = int(n_jobs * 0.8)
	for i in range(n_jobs):
		lat, lon = spot()
		row = {
			"name": f"DJ-{i:05d}",
			"subject": f"Installation {i}",
			"priority": rng.choices(["Low", "Normal", "High", "Urgent"], [10, 80, 7, 3])[0],
			"customer_name": f"Client {i}",
			"address": f"{100 + i} rue Saint-Denis, Montréal",
			"latitude": lat,
			"longitude": lon,
			"expected_duration": 60,
		}
		if i < assigned:
			slot = i // n_techs
			row.update(
				technician=technicians[i % n_techs]["name"],
				status=STATUSES[min(slot, len(STATUSES) - 1)] if slot < 2 else rng.choice(STATUSES[:3]),
				scheduled_start=day + timedelta(hours=8 + 2 * slot),
			)
		else:
			row.update(status="New", window_start=day + timedelta(hours=rng.choice([8, 12])))
		jobs.append(row)
	result = map_model.build(jobs, technicians, now=now, today=True, stale_after=timedelta(minutes=30))
	result.update(date="2026-12-02", now="2026-12-02 10:30:00", tiles={"url": "", "attribution": "bench"})
	return result


def serve(leaflet: Path, tiles: bool):
	files = {
		"/": (HARNESS.encode(), "text/html; charset=utf-8"),
		"/leaflet.js": ((leaflet / "leaflet.js").read_bytes(), "application/javascript"),
		"/leaflet.css": ((leaflet / "leaflet.css").read_bytes(), "text/css"),
		"/dispatch_map.js": (MODULE.read_bytes(), "application/javascript"),
	}

	def handler(request):
		if request.path in files:
			body, kind = files[request.path]
			return Reply(200, body, {"Content-Type": kind})
		if tiles and TILE.match(request.path.removeprefix("/tiles")):
			return Reply(200, tile_png(), {"Content-Type": "image/png"})
		return Reply(404, "no")

	return LoopbackPeer(handler)


def main() -> int:
	parser = argparse.ArgumentParser()
	parser.add_argument("--runs", type=int, default=7)
	parser.add_argument("--jobs", type=int, default=500)
	parser.add_argument("--technicians", type=int, default=100)
	parser.add_argument("--no-tiles", action="store_true")
	parser.add_argument("--leaflet", type=Path, default=LEAFLET)
	parser.add_argument("--chromium", default="/usr/bin/chromium")
	parser.add_argument("--screenshot", type=Path, help="a PNG of the last run")
	args = parser.parse_args()
	from playwright.sync_api import sync_playwright

	data = payload(args.jobs, args.technicians)
	drawn_jobs = len(data["jobs"])
	results = []
	with serve(args.leaflet, not args.no_tiles) as peer, sync_playwright() as p:
		data["tiles"]["url"] = "" if args.no_tiles else peer.url + "/tiles/{z}/{x}/{y}.png"
		browser = p.chromium.launch(executable_path=args.chromium, args=["--no-sandbox"])
		for run in range(args.runs):
			page = browser.new_page(viewport={"width": 1400, "height": 900})
			page.goto(peer.url + "/")
			page.wait_for_function("() => window.GigafibreDispatchMap && window.L")
			result = page.evaluate(FIRST_RENDER, data)
			if (result["jobs"], result["technicians"]) != (drawn_jobs, args.technicians):
				print(f"FAIL run {run}: drew {result['jobs']} jobs, {result['technicians']} technicians")
				return 1
			results.append(result)
			if args.screenshot and run == args.runs - 1:
				page.wait_for_timeout(500)
				page.screenshot(path=str(args.screenshot))
			page.close()
		browser.close()
	print(
		f"Dispatch map in Chromium ({args.runs} runs, fresh page each): {drawn_jobs} jobs, {args.technicians} "
		f"technicians, {results[-1]['routes']} routes, tiles {'off' if args.no_tiles else 'loopback'}"
	)
	for key, label in (
		("first", "first render (construct + render + 2 frames)"),
		("positions", "100 live positions drawn"),
		("rerender", "re-render, every job's status changed"),
		("zoom", "zoom one level, redrawn"),
	):
		values = [r[key] for r in results]
		print(
			f"  {label:<46} median {statistics.median(values):7.1f} ms"
			f"  (min {min(values):.1f}, max {max(values):.1f})"
		)
	return 0


if __name__ == "__main__":
	sys.exit(main())
