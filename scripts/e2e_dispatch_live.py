"""The Dispatch page refreshes itself when another dispatcher assigns a job (realtime through
Frappe's socket.io service). Needs the site served with its realtime service running:

	cd <bench> && node apps/frappe/socketio.js &           # the realtime service (socketio_port)
	DEV_SERVER=1 bench serve --port 8000 &                  # or production behind nginx's /socket.io
	env/bin/python <repo>/scripts/e2e_dispatch_live.py --url http://<site>:8000 --password <admin password>

It opens /app/dispatch in Chromium as Administrator, re-assigns one open job to its own technician
from a second session (the assign endpoint publishes `gigafibre_dispatch`), and checks that the page
asked for the board again. Nothing changes but the job's modified time.
"""

import argparse
import json
import sys

import requests
from playwright.sync_api import sync_playwright


def main() -> int:
	parser = argparse.ArgumentParser()
	parser.add_argument("--url", required=True)
	parser.add_argument("--user", default="Administrator")
	parser.add_argument("--password", required=True)
	args = parser.parse_args()
	api = requests.Session()
	api.post(f"{args.url}/api/method/login", data={"usr": args.user, "pwd": args.password}).raise_for_status()
	jobs = api.get(
		f"{args.url}/api/resource/Dispatch Job",
		params={
			"filters": json.dumps([["status", "in", ["Planned", "Assigned"]], ["technician", "is", "set"]]),
			"fields": json.dumps(["name", "technician"]),
			"limit_page_length": 1,
		},
	).json()["data"]
	if not jobs:
		print("no open assigned job to re-assign (load the demo data first)")
		return 1
	with sync_playwright() as p:
		browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
		page = browser.new_page(viewport={"width": 1400, "height": 900})
		page.goto(f"{args.url}/login")
		page.fill("#login_email", args.user)
		page.fill("#login_password", args.password)
		page.click(".btn-login")
		page.wait_for_url("**/app**", timeout=60000)
		board_calls: list[str] = []
		page.on("request", lambda r: board_calls.append(r.url) if "dispatch.board" in r.url else None)
		page.goto(f"{args.url}/app/dispatch")
		page.wait_for_selector(".gf-dispatch", timeout=60000)
		page.wait_for_function(
			"() => frappe.realtime.socket && frappe.realtime.socket.connected", timeout=20000
		)
		page.wait_for_timeout(1500)
		before = len(board_calls)
		api.post(
			f"{args.url}/api/method/gigafibre.api.dispatch.assign",
			data={"job": jobs[0]["name"], "technician": jobs[0]["technician"]},
		).raise_for_status()
		page.wait_for_timeout(3000)
		refreshed = len(board_calls) > before
		browser.close()
	print(f"{'ok  ' if refreshed else 'FAIL'} the page refreshed its board after another session's assign")
	return 0 if refreshed else 1


if __name__ == "__main__":
	sys.exit(main())
