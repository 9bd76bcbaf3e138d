"""The technician page in headless Chromium (Playwright), its API answered from fixtures by a
loopback server: the page's own HTML, script and CSS, as the app ships them."""

import csv
import json
import os
import re
import shutil
import threading
from pathlib import Path

import jinja2
import pytest

from gigafibre.tech.page_messages import page_messages
from gigafibre.tests.peers import LoopbackPeer, Reply

APP = Path(__file__).resolve().parents[2] / "gigafibre"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
TOKEN = "test.token.value"

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed")


def french(text: str) -> str:
	return FRENCH.get(text, text)


with open(APP / "translations" / "fr.csv", encoding="utf-8", newline="") as f:
	FRENCH = {row[0]: row[1] for row in csv.reader(f) if row}


def render_page() -> str:
	env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(APP / "www")))
	env.globals["_"] = french
	return env.get_template("j.html").render(
		lang="fr",
		version="test",
		error=None,
		messages_json=json.dumps(page_messages(french), ensure_ascii=False),
	)


class FakeServer:
	"""Answers the page's API calls from an in-memory day, and records every call."""

	def __init__(self):
		self.lock = threading.Lock()
		self.calls: list[tuple[str, dict]] = []
		self.jobs = [
			{
				"name": "DJ-2",
				"subject": "Réparation — 12 rue B",
				"status": "Assigned",
				"scheduled_start": "2026-11-25 13:00:00",
				"customer_name": "Jean Roy",
				"address": "12 rue B",
			},
			{
				"name": "DJ-1",
				"subject": "Installation — 4 rue A",
				"status": "Assigned",
				"scheduled_start": "2026-11-25 09:00:00",
				"customer_name": "Marie Côté",
				"address": "4 rue A",
			},
		]
		self.equipment = []
		self.inventory = [
			{
				"name": "EQ-1",
				"serial_number": "ZTEG1A2B3C4D",
				"mac_address": None,
				"equipment_type": "ONT",
				"status": "In Stock",
				"address": None,
				"matched_on": "serial",
			},
			{
				"name": "EQ-2",
				"serial_number": "TP0001",
				"mac_address": "ZT:E0:00:00:00:01",
				"equipment_type": "Router",
				"status": "Installed",
				"address": "9 rue C",
				"matched_on": "mac",
			},
		]

	checklist: list = ()  # a job's checklist, set by the checklist test

	def checklist_state(self):
		rows = []
		for r in self.checklist:
			if r["kind"] == "Photo":
				ok = r["has_photo"]
			elif r["kind"] == "Equipment Scan":
				ok = bool(r["scanned_equipment"])
			elif r["kind"] == "Measurement":
				ok = r["done"] and r["min"] <= r["value"] <= r["max"]
			else:
				ok = r["done"]
			rows.append({**r, "ok": ok})
		return rows

	def detail(self, name="DJ-1"):
		job = next(j for j in self.jobs if j["name"] == name)
		nxt = {"Assigned": ["En Route"], "En Route": ["On Site"], "On Site": ["Completed"]}.get(
			job["status"], []
		)
		return {
			**job,
			"next_statuses": nxt,
			"job_type": "Install",
			"priority": "Normal",
			"job_types": ["Install", "Repair", "Upgrade", "Removal", "Survey", "Maintenance"],
			"priorities": ["Low", "Normal", "High", "Urgent"],
			"window_start": "2026-11-25 08:00:00",
			"window_end": "2026-11-25 12:00:00",
			"customer": {"name": "C-1", "customer_name": job["customer_name"]},
			"location": {
				"name": "LOC-1",
				"address_line1": job["address"],
				"address_line2": "",
				"city": "Montréal",
				"postal_code": "H2J 2L3",
				"access_notes": "Chien dans la cour.",
				"contacts": [
					{
						"contact_name": "Marie Côté",
						"contact_role": "Propriétaire",
						"phone": "+14385550101",
						"email": None,
					}
				],
			},
			"equipment": list(self.equipment),
			"checklist": self.checklist_state() if name == "DJ-1" else [],
			"equipment_to_bring": [{"equipment_type": "ONT", "item_name": None, "qty": 1}]
			if name == "DJ-1" and self.checklist
			else [],
		}

	def __call__(self, request) -> Reply:
		if request.path.startswith("/j/"):
			return Reply(200, render_page(), {"Content-Type": "text/html; charset=utf-8"})
		if request.path.startswith("/assets/gigafibre/"):
			path = APP / "public" / request.path.removeprefix("/assets/gigafibre/")
			kind = "text/css" if path.suffix == ".css" else "application/javascript"
			return Reply(200, path.read_bytes(), {"Content-Type": kind})
		method = request.path.rsplit(".", 1)[-1]
		if request.headers.get("x-gigafibre-token") != TOKEN:
			return Reply(
				401,
				{
					"exc_type": "AuthenticationError",
					"_server_messages": json.dumps([json.dumps({"message": "Ce lien n'est pas valide."})]),
				},
			)
		args = {k: v[0] for k, v in request.query.items()}
		if request.method == "POST" and request.headers.get("content-type", "").startswith(
			"application/json"
		):
			args.update(request.json())
		if request.headers.get("content-type", "").startswith("multipart/form-data"):
			# the photo upload: its text fields (name, row) and that a file came
			for field, value in re.findall(rb'name="(\w+)"\r\n\r\n([^\r]*)\r\n', request.body):
				args[field.decode()] = value.decode()
			args["has_file"] = b'filename="' in request.body
		with self.lock:
			self.calls.append((method, args))
			return Reply(200, {"message": self.answer(method, args)})

	def answer(self, method, args):
		if method == "today":
			return {
				"technician": {"name": "TECH-0001", "full_name": "Josée Gagnon"},
				"jobs": sorted(self.jobs, key=lambda j: j["scheduled_start"]),
			}
		if method == "job":
			return self.detail(args["name"])
		if method == "search_equipment":
			q = args["q"].upper()
			serial = [e for e in self.inventory if e["serial_number"].startswith(q)]
			mac = [
				e
				for e in self.inventory
				if (e["mac_address"] or "").replace(":", "").startswith(q.replace(":", ""))
				and e not in serial
			]
			return [{**e, "matched_on": "serial"} for e in serial] + [{**e, "matched_on": "mac"} for e in mac]
		if method == "barcodes":
			return {
				"codes": [
					{"value": "ZTEG1A2B3C4D", "symbology": "Code 128", "kind": "gpon_serial"},
					{"value": "001122334455", "symbology": "QR", "kind": "mac"},
				]
			}
		if method == "set_status":
			next(j for j in self.jobs if j["name"] == args["name"])["status"] = args["status"]
			return {**self.detail(args["name"]), "check_in": {}}
		if method == "link_equipment":
			self.equipment.append(next(e for e in self.inventory if e["name"] == args["equipment"]))
			for r in self.checklist:
				if r["name"] == args.get("row"):
					r["scanned_equipment"] = args["equipment"]
			return self.detail(args["name"])
		if method == "checklist_item":
			r = next(r for r in self.checklist if r["name"] == args["row"])
			if "value" in args:
				r.update(done=True, value=float(args["value"]))
			else:
				r["done"] = bool(int(args["done"]))
			return self.detail(args["name"])
		if method == "upload_photo":
			for r in self.checklist:
				if r["name"] == args.get("row"):
					r["has_photo"] = True
			return {"file": "FILE-1", **self.detail(args["name"])}
		if method == "create_equipment":
			self.equipment.append(
				{
					"name": "EQ-NEW",
					"serial_number": args["serial_number"].upper(),
					"equipment_type": args.get("equipment_type"),
				}
			)
			return {**self.detail(args["name"]), "created": "EQ-NEW"}
		return self.detail(args.get("name", "DJ-1"))


@pytest.fixture
def server():
	fake = FakeServer()
	with LoopbackPeer(fake) as peer:
		fake.url = peer.url
		yield fake


@pytest.fixture
def page(server):
	from playwright.sync_api import sync_playwright

	with sync_playwright() as p:
		browser = p.chromium.launch(
			executable_path=CHROMIUM,
			args=[
				"--no-sandbox",
				"--disable-gpu",
				"--disable-background-networking",
				"--disable-component-update",
				"--no-first-run",
			],
		)
		context = browser.new_context(viewport={"width": 390, "height": 844}, locale="fr-CA")
		tab = context.new_page()
		errors = []
		tab.on("pageerror", lambda e: errors.append(str(e)))
		tab.goto(f"{server.url}/j/{TOKEN}")
		tab.wait_for_selector("button.job")
		yield tab
		assert errors == []
		browser.close()


def calls(server, method):
	return [args for name, args in server.calls if name == method]


def open_first_job(page):
	page.click("button.job >> nth=0")
	page.wait_for_selector("#add")


def test_jobs_in_scheduled_order_with_french_chips(page):
	assert page.inner_text("#title") == "Interventions du jour — Josée Gagnon"
	jobs = page.locator("button.job")
	assert jobs.nth(0).inner_text().startswith("09:00")
	assert jobs.nth(1).inner_text().startswith("13:00")
	assert "Assignée" in jobs.nth(0).inner_text()


def test_contacts_expand_to_call_and_text(page):
	open_first_job(page)
	page.click("#contacts summary")
	assert page.get_attribute("#contacts a[href^='tel:']", "href") == "tel:+14385550101"
	assert page.get_attribute("#contacts a[href^='sms:']", "href") == "sms:+14385550101"


def test_type_and_priority_selects_save(page, server):
	open_first_job(page)
	page.select_option("#job-priority", "Urgent")
	page.wait_for_function("() => !window.__tech.state.queue.length")
	assert calls(server, "update_job")[-1]["priority"] == "Urgent"
	assert calls(server, "update_job")[-1]["client_id"]


def test_bottom_sheet_has_three_choices_and_no_barcode_library(page):
	open_first_job(page)
	page.click("#add")
	assert page.locator(".choices .choice").all_inner_texts() == ["Scanner", "Rechercher", "Créer"]
	scan_input = page.locator("#scan-input")
	assert (
		scan_input.get_attribute("accept") == "image/*"
		and scan_input.get_attribute("capture") == "environment"
	)
	scripts = page.evaluate("() => [...document.scripts].map(s => s.src).filter(Boolean)")
	assert len(scripts) == 1 and scripts[0].endswith("/assets/gigafibre/tech/tech.js?v=test")


def test_search_is_debounced_and_lists_serial_matches_before_mac(page, server):
	open_first_job(page)
	page.click("#add")
	page.click("#choice-search")
	page.type("#q", "ZTE", delay=60)  # three keystrokes inside the 300 ms window
	page.wait_for_selector("#results .result")
	page.wait_for_timeout(500)
	assert [c["q"] for c in calls(server, "search_equipment")] == ["ZTE"]
	rows = page.locator("#results .result")
	assert "ZTEG1A2B3C4D" in rows.nth(0).inner_text() and "Numéro de série" in rows.nth(0).inner_text()
	assert "TP0001" in rows.nth(1).inner_text() and "Adresse MAC" in rows.nth(1).inner_text()


def test_create_dialog_validates_and_catches_existing(page, server):
	open_first_job(page)
	page.click("#add")
	page.click("#choice-create")
	page.click("#create-form button[type=submit]")
	assert page.inner_text("#create-error") == "Le numéro de série est obligatoire."
	page.fill("input[name=serial_number]", "new-serial-9")
	page.fill("input[name=mac_address]", "12:34")
	page.click("#create-form button[type=submit]")
	assert page.inner_text("#create-error") == "Adresse MAC : 12 chiffres hexadécimaux."
	page.fill("input[name=serial_number]", "zteg1a2b3c4d")
	page.fill("input[name=mac_address]", "")
	page.click("#create-form button[type=submit]")
	page.wait_for_selector("#use-existing")
	assert "Déjà enregistré" in page.inner_text("#create-error")
	assert calls(server, "create_equipment") == []
	page.fill("input[name=serial_number]", "new-serial-9")
	page.click("#create-form button[type=submit]")
	page.wait_for_selector("ul.equipment")  # after the duplicate checks, the device is shown
	page.wait_for_function("() => !window.__tech.state.queue.length")
	assert calls(server, "create_equipment")[0]["serial_number"] == "new-serial-9"
	assert "NEW-SERIAL-9" in page.inner_text("ul.equipment")


def test_scan_reads_codes_then_links_the_existing_device(page, server):
	open_first_job(page)
	page.click("#add")
	page.set_input_files(
		"#scan-input",
		files=[{"name": "label.jpg", "mimeType": "image/jpeg", "buffer": b"\xff\xd8\xff\xe0fake"}],
	)
	page.wait_for_selector("[data-code]")
	page.click("[data-code='0']")
	page.wait_for_selector("ul.equipment")  # after the search by the code's value
	page.wait_for_function("() => !window.__tech.state.queue.length")
	assert calls(server, "link_equipment")[0]["equipment"] == "EQ-1"
	assert "ZTEG1A2B3C4D" in page.inner_text("ul.equipment")


def test_offline_actions_queue_then_replay_in_order_once(page, server):
	open_first_job(page)
	page.click("#add")
	page.click("#choice-search")
	page.type("#q", "ZTEG")  # the search itself needs the network
	page.wait_for_selector("#results .result")
	page.context.set_offline(True)
	page.click("#results .result >> nth=0")
	page.click("button[data-status='En Route']")
	page.wait_for_function("() => window.__tech.state.queue.length === 2")
	assert page.inner_text("#pending") == "2 action(s) en attente d'envoi"
	assert page.is_visible("#offline")
	assert calls(server, "set_status") == [] and calls(server, "link_equipment") == []
	kept = page.evaluate(
		"() => JSON.parse(localStorage.getItem(Object.keys(localStorage).find(k => k.startsWith('gf-tech-queue'))))"
	)
	assert [op["method"] for op in kept] == ["link_equipment", "set_status"]  # survives a closed tab
	page.context.set_offline(False)
	page.evaluate("() => window.dispatchEvent(new Event('online'))")
	page.wait_for_function("() => !window.__tech.state.queue.length")
	page.evaluate("() => window.__tech.flush()")  # a second flush sends nothing more
	sent = [name for name, _ in server.calls if name in ("set_status", "link_equipment")]
	assert sent == ["link_equipment", "set_status"]
	assert len({a["client_id"] for n, a in server.calls if n in ("set_status", "link_equipment")}) == 2
	assert page.is_hidden("#pending")


def test_gps_arrival_offers_arrived_and_never_changes_the_status_by_itself(page, server):
	job = next(j for j in server.jobs if j["name"] == "DJ-1")
	job["status"] = "En Route"
	job["gps_on_site_at"] = "2026-11-25 09:04:00"
	page.evaluate(
		"window.__tech.state.jobs.forEach((j) => { if (j.name === 'DJ-1') j.status = 'En Route'; })"
	)
	open_first_job(page)
	prompt = page.wait_for_selector(".gps-arrived")
	assert prompt.inner_text().startswith("Votre GPS vous situe au lieu de service.")
	assert page.locator("button[data-status='On Site']").count() == 1  # the prompt's, not a second one
	assert page.inner_text(".gps-arrived button") == "Arrivé"
	page.wait_for_timeout(300)
	assert calls(server, "set_status") == []  # nothing happens until the technician taps
	page.context.grant_permissions(["geolocation"])
	page.context.set_geolocation({"latitude": 45.5252, "longitude": -73.5823})
	page.click(".gps-arrived button")
	page.wait_for_function("document.querySelectorAll('.gps-arrived').length === 0")
	page.wait_for_timeout(500)
	sent = calls(server, "set_status")
	assert [(a["name"], a["status"]) for a in sent] == [("DJ-1", "On Site")]
	assert float(sent[0]["latitude"]) == 45.5252  # the usual GPS check-in


def test_checklist_ticks_measures_photographs_and_scans_before_completing(page, server):
	row = {"required": True, "unit": None, "min": None, "max": None, "range": "", "equipment_type": None}
	row.update(done=False, value=None, has_photo=False, scanned_equipment=None, problem=None)
	server.checklist = [
		{
			**row,
			"name": "r1",
			"label": "Puissance ONU",
			"kind": "Measurement",
			"unit": "dBm",
			"min": -27,
			"max": -8,
			"range": "-27 … -8 dBm",
		},
		{**row, "name": "r2", "label": "Photo de l'ONT", "kind": "Photo"},
		{**row, "name": "r3", "label": "Série de l'ONT", "kind": "Equipment Scan", "equipment_type": "ONT"},
		{**row, "name": "r4", "label": "Visite avec le client", "kind": "Check"},
		{**row, "name": "r5", "label": "Note", "kind": "Check", "required": False},
	]
	next(j for j in server.jobs if j["name"] == "DJ-1")["status"] = "On Site"
	open_first_job(page)
	page.wait_for_selector("#checklist")
	assert "4 élément(s) obligatoire(s) restant(s)" in page.inner_text("#checklist .row")
	assert "Attendu : -27 … -8 dBm" in page.inner_text("#checklist")
	assert "1 × ONT" in page.inner_text("#bring")
	# Terminer is refused on the phone while required items are missing (the server refuses too).
	page.click("button[data-status='Completed']")
	assert page.inner_text("#toast").startswith(
		"Terminez d'abord la liste de contrôle : Puissance ONU, Photo de l'ONT"
	)
	assert page.is_hidden("#sheet") and calls(server, "set_status") == []
	# A tick, through the queue.
	page.check("[data-ck-check='r4']")
	page.wait_for_function("() => !window.__tech.state.queue.length")
	assert (
		calls(server, "checklist_item")[-1]["done"] == 1 and calls(server, "checklist_item")[-1]["client_id"]
	)
	# A measurement out of range is sent, kept and shown as such; then a good one.
	page.fill("[data-ck-input='r1']", "−30,5")
	page.click("[data-ck-measure='r1']")
	page.wait_for_function("() => !window.__tech.state.queue.length")
	assert calls(server, "checklist_item")[-1]["value"] == -30.5
	assert "Hors plage" in page.inner_text("li[data-row='r1']")
	page.fill("[data-ck-input='r1']", "-19,5")
	page.press("[data-ck-input='r1']", "Enter")
	page.wait_for_function("() => !window.__tech.state.queue.length")
	assert calls(server, "checklist_item")[-1]["value"] == -19.5
	page.wait_for_selector("li[data-row='r1'].ok")
	# The photo item takes the phone's camera and goes up with its row.
	page.set_input_files(
		"[data-ck-photo='r2']",
		files=[{"name": "ont.jpg", "mimeType": "image/jpeg", "buffer": b"\xff\xd8\xff\xe0fake"}],
	)
	page.wait_for_selector("li[data-row='r2'].ok")
	assert calls(server, "upload_photo")[-1]["row"] == "r2" and calls(server, "upload_photo")[-1]["has_file"]
	# The scan item opens the equipment sheet; the device picked is linked for that row.
	page.click("[data-ck-scan='r3']")
	page.click("#choice-search")
	page.type("#q", "ZTEG")
	page.wait_for_selector("#results .result")
	page.click("#results .result >> nth=0")
	page.wait_for_function("() => !window.__tech.state.queue.length")
	assert calls(server, "link_equipment")[-1] == {
		**calls(server, "link_equipment")[-1],
		"equipment": "EQ-1",
		"row": "r3",
	}
	page.wait_for_selector("li[data-row='r3'].ok")
	assert "Tous les éléments obligatoires sont faits" in page.inner_text("#checklist .row")
	if os.environ.get("GIGAFIBRE_SCREENS"):
		page.locator("#checklist").screenshot(
			path=os.path.join(os.environ["GIGAFIBRE_SCREENS"], "tech-checklist.png")
		)
	# Now Terminer opens the completion sheet.
	page.click("button[data-status='Completed']")
	page.wait_for_selector("#complete-go")
