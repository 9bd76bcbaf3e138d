"""The Dispatch page's map end to end, in Chromium against a served site (`bench serve` or production),
with a loopback tile server; a bench-side script (it needs a site: no Frappe in pytest's CI).

	cd <bench> && node apps/frappe/socketio.js &       # optional: the live position check needs it
	bench serve --port 8014 &
	cd sites && ../env/bin/python <repo>/scripts/e2e_dispatch_map.py --site <site> --url http://<site>:8014 \\
		--password <admin password> --shots /work/notes/screens

It makes its own records (technicians, locations and jobs for tomorrow, prefixed "E2E Carte"), points
Gigafibre Settings → Map Tile URL at its loopback tile server, and then:

1. logs in to the desk, opens /app/dispatch on tomorrow: the map draws every job and technician of
   `map_data` (counted from Leaflet's layers), tiles load, no note;
2. clicks the unassigned job's marker: the suggest ranking opens; assigns the first eligible
   technician: the job has them in the database and its marker is no longer unassigned;
3. with the realtime service running, a position published to the Dispatch Job room moves that
   technician's marker on today's map (skipped, and said so, without it);
4. stops the tile server and reloads: every marker is drawn again, with the "tiles unavailable" note.

Screenshots of each step go to --shots. Settings and records are put back / removed at the end.
"""

import argparse
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

import frappe

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from gigafibre.tests.tile_peer import tile_server

PREFIX = "E2E Carte"
HOMES = [(45.5600, -73.6500), (45.4700, -73.6200), (45.5100, -73.5300)]
PLACES = [
	(45.5350, -73.6150),
	(45.5200, -73.5800),
	(45.4950, -73.5950),
	(45.5480, -73.5600),
	(45.5050, -73.6300),
]


def make_fixtures(day) -> dict:
	from gigafibre.tests.test_dispatch import _shifts
	from gigafibre.tests.utils import make_location, make_technician

	midnight = datetime.combine(day, datetime.min.time())
	techs = [
		make_technician(
			full_name=f"{PREFIX} {i + 1}", home_latitude=lat, home_longitude=lon, working_hours=_shifts()
		).name
		for i, (lat, lon) in enumerate(HOMES)
	]
	locations = [
		make_location(address_line1=f"{200 + i} rue {PREFIX}", latitude=lat, longitude=lon).name
		for i, (lat, lon) in enumerate(PLACES)
	]
	jobs = []
	for i, location in enumerate(locations):
		fields = {
			"doctype": "Dispatch Job",
			"subject": f"{PREFIX} {i + 1}",
			"job_type": "Install",
			"priority": ["Normal", "High", "Urgent", "Normal", "Normal"][i],
			"service_location": location,
			"expected_duration": 60,
		}
		if i < 4:
			fields.update(technician=techs[i % 2], scheduled_start=midnight + timedelta(hours=9 + 2 * i))
		else:  # the one waiting for a technician
			fields.update(
				window_start=midnight + timedelta(hours=10), window_end=midnight + timedelta(hours=15)
			)
		jobs.append(frappe.get_doc(fields).insert().name)
	frappe.db.commit()
	return {"technicians": techs, "locations": locations, "jobs": jobs, "waiting": jobs[-1]}


def remove_fixtures(made: dict) -> None:
	frappe.set_user("Administrator")
	for doctype, key in (
		("Dispatch Job", "jobs"),
		("Service Location", "locations"),
		("Technician", "technicians"),
	):
		for name in made.get(key, []):
			frappe.delete_doc(doctype, name, force=True, ignore_permissions=True)
	frappe.db.commit()


def main() -> int:
	parser = argparse.ArgumentParser()
	parser.add_argument("--site", required=True)
	parser.add_argument("--url", required=True)
	parser.add_argument("--user", default="Administrator")
	parser.add_argument("--password", default="admin")
	parser.add_argument("--shots", default="/tmp")
	args = parser.parse_args()
	shots = Path(args.shots)
	shots.mkdir(parents=True, exist_ok=True)
	frappe.init(site=args.site, sites_path=".")
	frappe.connect()
	frappe.set_user("Administrator")
	from playwright.sync_api import sync_playwright

	from gigafibre.dispatch import day_map

	tomorrow = frappe.utils.getdate(frappe.utils.add_days(frappe.utils.getdate(), 1))
	today = frappe.utils.getdate()
	saved = {
		f: frappe.db.get_single_value("Gigafibre Settings", f)
		for f in ("map_tile_url", "map_tile_attribution")
	}
	results: list[tuple[bool, str]] = []

	def check(ok: bool, what: str) -> None:
		results.append((bool(ok), what))
		print(f"{'ok  ' if ok else 'FAIL'} {what}", flush=True)

	made: dict = {}
	peer = tile_server()
	peer.__enter__()
	try:
		made = make_fixtures(tomorrow)
		frappe.db.set_single_value("Gigafibre Settings", "map_tile_url", peer.url + "/{z}/{x}/{y}.png")
		frappe.db.set_single_value("Gigafibre Settings", "map_tile_attribution", "Tuiles E2E")
		frappe.db.commit()
		expected = day_map.map_data(tomorrow)
		n_jobs, n_techs = (
			len(expected["jobs"]),
			sum(1 for t in expected["technicians"] if t["lat"] is not None),
		)
		waiting = made["waiting"]

		with sync_playwright() as p:
			browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
			page = browser.new_page(viewport={"width": 1400, "height": 1000})
			page.goto(f"{args.url}/login")
			page.fill("#login_email", args.user)
			page.fill("#login_password", args.password)
			page.click(".btn-login")
			page.wait_for_url("**/app**", timeout=60000)
			page.evaluate("() => localStorage.setItem('gigafibre_dispatch_map', '1')")

			def open_day(day) -> float:
				started = time.monotonic()
				page.goto(f"{args.url}/app/dispatch")
				page.wait_for_function("() => document.querySelector('.gf-map')?.gf_map?.data", timeout=60000)
				page.evaluate("(d) => frappe.pages.dispatch.dispatch_board.date_field.set_value(d)", str(day))
				page.wait_for_function(
					"(d) => document.querySelector('.gf-map').gf_map.data.date === d",
					arg=str(day),
					timeout=30000,
				)
				return time.monotonic() - started

			count = "(kind) => document.querySelector('.gf-map').gf_map.count(kind)"

			# 1. drawn with tiles
			seconds = open_day(tomorrow)
			page.wait_for_function(
				"() => document.querySelector('.gf-map').gf_map.tiles_loaded > 0", timeout=20000
			)
			page.wait_for_timeout(800)
			drawn = (page.evaluate(count, "job"), page.evaluate(count, "technician"))
			check(
				drawn == (n_jobs, n_techs),
				f"map drew {drawn[0]}/{n_jobs} jobs, {drawn[1]}/{n_techs} technicians",
			)
			mine = page.evaluate(
				"(names) => names.filter((n) => document.querySelector('.gf-map').gf_map.jobs.get(n)?.marker)",
				made["jobs"],
			)
			check(len(mine) == len(made["jobs"]), f"the test's {len(made['jobs'])} jobs are on the map")
			check(page.evaluate(count, "unassigned") >= 1, "the unassigned job has its halo")
			check(page.evaluate(count, "priority") >= 2, "High and Urgent jobs have their ring")
			check(page.evaluate(count, "route") >= 2, "the technicians' routes are drawn")
			note = page.inner_text(".gf-map-note") if page.is_visible(".gf-map-note") else ""
			check("unavailable" not in note and "indisponibles" not in note, "tiles loaded: no tiles note")
			print(f"     /app/dispatch opened and the day drawn in {seconds:.2f} s (navigation included)")
			page.screenshot(path=str(shots / "d-dispatch-map.png"))

			# 2. click → suggest → assign
			point = page.evaluate("(n) => document.querySelector('.gf-map').gf_map.point_of_job(n)", waiting)
			page.mouse.move(point["x"], point["y"])
			page.wait_for_timeout(300)
			page.screenshot(path=str(shots / "d-dispatch-map-tooltip.png"))
			page.mouse.click(point["x"], point["y"])
			page.wait_for_selector(".modal.show button[data-technician]", timeout=30000)
			title = page.inner_text(".modal.show .modal-title")
			check(waiting in title, f"clicking the job opened the ranking ({title})")
			page.screenshot(path=str(shots / "d-dispatch-map-suggest.png"))
			chosen = page.get_attribute(".modal.show button[data-technician]", "data-technician")
			page.click(".modal.show button[data-technician]")
			page.wait_for_function(
				"(n) => document.querySelector('.gf-map').gf_map.jobs.get(n)?.data.unassigned === false",
				arg=waiting,
				timeout=30000,
			)
			frappe.db.rollback()  # see the web worker's commit
			check(
				frappe.db.get_value("Dispatch Job", waiting, "technician") == chosen,
				f"assigned to {chosen}; the marker lost its unassigned halo",
			)
			page.wait_for_timeout(500)
			page.screenshot(path=str(shots / "d-dispatch-map-assigned.png"))

			# 3. a live position through the realtime room moves the technician
			connected = page.evaluate("() => !!(frappe.realtime.socket && frappe.realtime.socket.connected)")
			if connected:
				open_day(today)
				page.wait_for_timeout(1500)  # the page joined the Dispatch Job room on show
				tech = made["technicians"][2]
				message = {
					"technician": tech,
					"technician_name": f"{PREFIX} 3",
					"lat": 45.5011,
					"lon": -73.5677,
					"at": frappe.utils.now_datetime().strftime("%Y-%m-%d %H:%M:%S"),
					"speed_kmh": 42,
				}
				fetched: list[str] = []
				page.on("request", lambda r: fetched.append(r.url) if "dispatch.map_data" in r.url else None)
				frappe.publish_realtime(
					"gigafibre_technician_position",
					message,
					room=frappe.realtime.get_doctype_room("Dispatch Job"),
				)
				frappe.db.commit()
				moved = page.wait_for_function(
					"""(t) => { const e = document.querySelector('.gf-map').gf_map.technicians.get(t);
						const p = e && e.marker && e.marker.getLatLng();
						return p && Math.abs(p.lat - 45.5011) < 1e-6 && Math.abs(p.lng + 73.5677) < 1e-6; }""",
					arg=tech,
					timeout=15000,
				)
				check(
					bool(moved) and not fetched,
					"a realtime position moved the technician's marker, no refetch",
				)
				page.wait_for_timeout(300)
				page.screenshot(path=str(shots / "d-dispatch-map-live.png"))
			else:
				print(
					"skip the realtime position check: the page has no realtime connection (socketio not running)"
				)

			# 4. no tiles: everything else still drawn
			peer.__exit__(None, None, None)
			peer = None
			open_day(tomorrow)
			page.wait_for_function(
				"() => document.querySelector('.gf-map').gf_map.tiles_failed > 0", timeout=20000
			)
			page.wait_for_timeout(800)
			drawn = (page.evaluate(count, "job"), page.evaluate(count, "technician"))
			check(
				drawn == (n_jobs, n_techs),
				f"without tiles the map still drew {drawn[0]} jobs, {drawn[1]} technicians",
			)
			note = page.inner_text(".gf-map-note") if page.is_visible(".gf-map-note") else ""
			check("unavailable" in note or "indisponibles" in note, f"the note says so: {note!r}")
			page.screenshot(path=str(shots / "d-dispatch-map-no-tiles.png"))
			browser.close()
	finally:
		if peer is not None:
			peer.__exit__(None, None, None)
		frappe.db.rollback()
		for field, value in saved.items():
			frappe.db.set_single_value("Gigafibre Settings", field, value)
		remove_fixtures(made)
		frappe.destroy()
	failed = [what for ok, what in results if not ok]
	print(f"{len(results) - len(failed)}/{len(results)} checks passed; screenshots in {shots}")
	return 1 if failed else 0


if __name__ == "__main__":
	sys.exit(main())
