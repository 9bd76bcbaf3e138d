"""The Network Intel page end to end, in Chromium against a served site, with a real influxd and a
loopback Gemini; a bench-side script (it needs a site).

	cd <bench> && bench serve --port 8015 &
	cd sites && ../env/bin/python <repo>/scripts/e2e_network_intel.py --site <site> \\
		--url http://<site>:8015 --shots /work/notes/screens

It signs in as its own Dispatcher user (made and removed here), writes two hours of OLT polls for its own OLT and Service Location ("E2E Intel"), points Gigafibre
Settings at its influxd and Gemini peer, opens the location's form, clicks Network → Network history,
and checks the page draws both charts, the flapping list and the summary. Settings are put back
and its records removed at the end.
"""

import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import frappe
from browser_session import chromium, connect, desk_user, sign_in

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

SUMMARY = "Le signal de l'ONU 5 s'est dégradé depuis deux heures; l'ONU 6 oscille à chaque relevé."


# Frappe Charts first draws every line at 0, then moves to the data: the rx axis (negative dBm)
# says the real chart is there.
rx_drawn = (
	"() => [...document.querySelectorAll('.intel-rx .y.axis text')]"
	".some((t) => t.textContent.trim().startsWith('-'))"
)


def gemini(request):
	from gigafibre.tests.peers import gemini_json

	answer = {
		"summary_fr": SUMMARY,
		"findings": [
			{
				"kind": "flapping",
				"severity": "warning",
				"subject": "0/1/1 #6",
				"detail_fr": "L'ONU 6 change d'état à chaque relevé.",
			}
		],
	}
	return gemini_json(answer, usage=(1, 1))


def main():
	args = connect()

	from playwright.sync_api import sync_playwright

	from gigafibre.network import intel_service
	from gigafibre.network.olt_snmp import OFFLINE, ONLINE, OltPoll, OnuSnapshot
	from gigafibre.tests.influx_server import InfluxServer
	from gigafibre.tests.peers import LoopbackPeer
	from gigafibre.tests.utils import make_location

	shots = args.shots
	settings = frappe.get_single("Gigafibre Settings")
	keys = ("influxdb_url", "influxdb_database", "gemini_api_base", "ai_calls_per_hour", "ai_tokens_per_day")
	saved = {k: settings.get(k) for k in keys}
	saved_key = settings.get_password("gemini_api_key", raise_exception=False)
	olt = f"E2E-INTEL-{frappe.generate_hash(length=4)}"
	with InfluxServer() as influx, LoopbackPeer(gemini) as peer:
		settings.influxdb_url = influx.url
		settings.influxdb_database = "e2e_intel"
		settings.gemini_api_key = "e2e"
		settings.gemini_api_base = peer.url
		settings.ai_calls_per_hour = 0
		settings.ai_tokens_per_day = 0
		settings.save()
		user, password = desk_user("e2e-intel", "Dispatcher")
		location = make_location(address_line1="1 rue E2E Intel", olt=olt, pon_port="0/1/1", onu_id="5").name
		frappe.db.commit()
		now = datetime.now(timezone.utc)
		for i in range(24):
			onus = [
				OnuSnapshot(olt, "0/1/1", 5, ONLINE, round(-20 - 9 * i / 23, 2), 2.0),
				OnuSnapshot(olt, "0/1/1", 6, ONLINE if i % 2 else OFFLINE, -21.0 if i % 2 else None),
				OnuSnapshot(olt, "0/1/2", 7, ONLINE, -18.5, 1.0),
			]
			intel_service.write_readings(
				[OltPoll(olt=olt, onus=onus)], -27, at=now - timedelta(minutes=5 * (24 - i))
			)
		try:
			with sync_playwright() as p:
				browser = chromium(p)
				page = browser.new_page(viewport={"width": 1280, "height": 1600})
				sign_in(page, args.url, user, password)
				page.goto(f"{args.url}/app/service-location/{location}")
				page.click("button:has-text('Network')", timeout=30000)
				page.click("a:has-text('Network history')", timeout=10000)
				errors = []
				page.on("console", lambda m: m.type == "error" and errors.append(m.text))
				page.on("pageerror", lambda e: errors.append(str(e)))
				try:
					page.wait_for_selector(".intel-summary", timeout=60000)
				except Exception:
					page.screenshot(path=str(shots / "network-intel-failure.png"), full_page=True)
					print("page errors:", errors, page.url)
					raise
				page.wait_for_selector(".intel-rx svg", timeout=30000)
				page.wait_for_selector(".intel-online svg", timeout=30000)
				assert SUMMARY in page.inner_text(".intel-summary")
				page.wait_for_function(rx_drawn, timeout=15000)
				page.wait_for_timeout(1500)  # the lines' own move to the data
				page.screenshot(path=str(shots / "network-intel-location.png"), full_page=True)
				page.locator("input[data-fieldname='service_location']:visible").fill("")
				page.locator("input[data-fieldname='olt']:visible").fill(olt)
				page.keyboard.press("Tab")
				page.wait_for_selector(".network-intel td:has-text('6 ')", timeout=60000)
				page.wait_for_selector(".intel-rx svg", timeout=30000)
				page.wait_for_function(rx_drawn, timeout=15000)
				page.mouse.click(5, 400)  # away from the fields: their suggestions close
				page.wait_for_timeout(1500)
				page.screenshot(path=str(shots / "network-intel-olt.png"), full_page=True)
				browser.close()
			print("OK: location and OLT views drawn; screenshots in", shots)
		finally:
			settings = frappe.get_single("Gigafibre Settings")
			settings.update(saved)
			settings.gemini_api_key = saved_key
			settings.save()
			frappe.delete_doc("Service Location", location, force=True)
			frappe.delete_doc("User", user, force=True)
			frappe.db.commit()


if __name__ == "__main__":
	main()
