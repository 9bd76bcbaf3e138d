"""The customer's pages /suivi/<token> and /rendez-vous/<token> in headless Chromium (Playwright):
the app's own templates and scripts, Frappe's Leaflet when the bench is there, a loopback tile
server, and the endpoints answered from fixtures by a loopback server. Screenshots go to
$GIGAFIBRE_SCREENS (when set)."""

import csv
import json
import os
import shutil
import struct
import threading
import zlib
from pathlib import Path

import jinja2
import pytest

from gigafibre.tests.peers import LoopbackPeer, Reply

APP = Path(__file__).resolve().parents[2] / "gigafibre"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
LEAFLET = Path(
	os.environ.get("FRAPPE_LEAFLET", "/work/frappe-bench/apps/frappe/frappe/public/js/lib/leaflet")
)
SCREENS = os.environ.get("GIGAFIBRE_SCREENS")
TOKEN = "jeton.de.test"

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed")

with open(APP / "translations" / "fr.csv", encoding="utf-8", newline="") as f:
	FRENCH = {row[0]: row[1] for row in csv.reader(f) if row}

EN_ROUTE = {
	"first_name": "Émilie",
	"eta": "2026-12-09T10:25:00",
	"position": {"lat": 45.52, "lon": -73.58, "at": "2026-12-09T10:04:00"},
	"status": "en_route",
}
ARRIVED = {"first_name": "Émilie", "eta": None, "position": None, "status": "arrived"}
EXPIRED = {"first_name": "", "eta": None, "position": None, "status": "expired"}


def slot(day: str, label: str, start: str, end: str, time_label: str) -> dict:
	return {
		"start": f"{day}T{start}:00",
		"end": f"{day}T{end}:00",
		"date": day,
		"day_label": label,
		"time_label": time_label,
	}


SLOTS = [
	slot("2026-12-10", "jeudi 10 décembre", "08:00", "10:00", "8 h 00 – 10 h 00"),
	slot("2026-12-10", "jeudi 10 décembre", "13:00", "15:00", "13 h 00 – 15 h 00"),
	slot("2026-12-11", "vendredi 11 décembre", "10:00", "12:00", "10 h 00 – 12 h 00"),
]


def png(width=256, height=256, rgb=(200, 220, 240)) -> bytes:
	raw = b"".join(b"\x00" + bytes(rgb) * width for _ in range(height))

	def chunk(kind, data):
		return (
			struct.pack(">I", len(data))
			+ kind
			+ data
			+ struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
		)

	header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
	return (
		b"\x89PNG\r\n\x1a\n"
		+ chunk(b"IHDR", header)
		+ chunk(b"IDAT", zlib.compress(raw))
		+ chunk(b"IEND", b"")
	)


TILE = png()


def render(template: str, **context) -> str:
	env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(APP / "www")))
	env.globals["_"] = lambda text: FRENCH.get(text, text)
	return env.get_template(template).render(lang="fr", version="test", error=None, **context)


class FakeSite:
	"""The pages, their assets, the tiles and the customer endpoints, from fixtures."""

	def __init__(self, tiles=True, leaflet=True):
		self.lock = threading.Lock()
		self.tracking = [dict(EN_ROUTE)]
		self.slots = list(SLOTS)
		self.taken_once = True
		self.calls: list[tuple[str, dict]] = []
		self.tiles, self.leaflet = tiles, leaflet
		self.url = ""

	def __call__(self, request) -> Reply:
		html = {"Content-Type": "text/html; charset=utf-8"}
		if request.path.startswith("/suivi/"):
			return Reply(
				200,
				render(
					"suivi.html",
					token=TOKEN,
					state=self.tracking[0],
					poll_seconds=1,
					tile_url=self.url + "/tiles/{z}/{x}/{y}.png",
					tile_attribution="© OpenStreetMap contributors",
				),
				html,
			)
		if request.path.startswith("/rendez-vous/"):
			return Reply(200, render("rendez-vous.html", token=TOKEN), html)
		if request.path.startswith("/tiles/"):
			return Reply(200, TILE, {"Content-Type": "image/png"}) if self.tiles else Reply(404, b"")
		if request.path.startswith("/assets/frappe/js/lib/leaflet/"):
			path = LEAFLET / request.path.rsplit("/", 1)[-1]
			if not (self.leaflet and path.exists()):
				return Reply(404, b"")
			kind = "text/css" if path.suffix == ".css" else "application/javascript"
			return Reply(200, path.read_bytes(), {"Content-Type": kind})
		if request.path.startswith("/assets/gigafibre/"):
			path = APP / "public" / request.path.removeprefix("/assets/gigafibre/")
			return Reply(200, path.read_bytes(), {"Content-Type": "application/javascript"})
		method = request.path.rsplit(".", 1)[-1]
		args = {k: v[0] for k, v in request.query.items()}
		if request.method == "POST":
			args.update(request.form())
		with self.lock:
			self.calls.append((method, args))
			if args.get("token") != TOKEN:
				message = json.dumps([json.dumps({"message": "Ce lien n'est pas valide."})])
				return Reply(404, {"exc_type": "Refused", "_server_messages": message})
			return Reply(200, {"message": self.answer(method, args)})

	def answer(self, method, args):
		if method == "tracking_state":
			return self.tracking[0] if len(self.tracking) == 1 else self.tracking.pop(0)
		if method == "rebooking_slots":
			return {"address": "4500 rue Saint-Denis", "booked": None, "slots": self.slots}
		if method == "book":
			chosen = next(s for s in self.slots if s["start"] == args["start"])
			if self.taken_once:
				self.taken_once = False
				self.slots = [s for s in self.slots if s is not chosen]
				return {
					"booked": False,
					"message": FRENCH[
						"Sorry, this appointment was just taken. Here are the ones still free."
					],
					"slots": self.slots,
				}
			return {"booked": True, "slot": chosen}
		raise AssertionError(method)


@pytest.fixture
def browser():
	from playwright.sync_api import sync_playwright

	with sync_playwright() as p:
		chromium = p.chromium.launch(
			executable_path=CHROMIUM,
			args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"],
		)
		yield chromium
		chromium.close()


def open_page(browser, site: FakeSite, path: str):
	peer = LoopbackPeer(site).__enter__()
	site.url = peer.url
	context = browser.new_context(viewport={"width": 390, "height": 740}, locale="fr-CA")
	tab = context.new_page()
	errors: list[str] = []
	tab.on("pageerror", lambda e: errors.append(str(e)))
	tab.goto(f"{peer.url}{path}")
	return peer, tab, errors


def shot(tab, name: str) -> None:
	if SCREENS:
		Path(SCREENS).mkdir(parents=True, exist_ok=True)
		tab.screenshot(path=str(Path(SCREENS) / name), full_page=True)


def test_tracking_page_en_route_then_arrived_then_expired(browser):
	site = FakeSite()
	site.tracking = [dict(EN_ROUTE), dict(EN_ROUTE), dict(ARRIVED), dict(EXPIRED)]
	peer, tab, errors = open_page(browser, site, f"/suivi/{TOKEN}")
	try:
		assert tab.inner_text("#headline") == "Émilie est en route"
		assert tab.inner_text("#eta") == "Arrivée vers 10 h 25"
		assert "45.5200, -73.5800" in tab.inner_text("#coords")
		if LEAFLET.exists():
			tab.wait_for_selector("#map img.leaflet-tile-loaded", timeout=5000)
			assert tab.locator(".leaflet-interactive").count() == 1  # the technician's marker
		shot(tab, "suivi-en-route.png")
		tab.wait_for_function("() => document.getElementById('headline').textContent.includes('sur place')")
		assert tab.inner_text("#headline") == "Émilie est sur place"
		assert tab.is_hidden("#map") and tab.is_hidden("#coords") and tab.is_hidden("#eta")
		shot(tab, "suivi-arrived.png")
		tab.wait_for_function("() => document.getElementById('headline').textContent.includes('expiré')")
		assert "Tremblay" not in tab.content()
		shot(tab, "suivi-expired.png")
		polls = len([c for c in site.calls if c[0] == "tracking_state"])
		tab.wait_for_timeout(1500)
		assert len([c for c in site.calls if c[0] == "tracking_state"]) == polls  # expired: no more polling
		assert errors == []
	finally:
		peer.__exit__(None, None, None)


def test_tracking_page_without_tiles_or_leaflet_shows_coordinates(browser):
	site = FakeSite(tiles=False, leaflet=False)
	peer, tab, errors = open_page(browser, site, f"/suivi/{TOKEN}")
	try:
		assert tab.inner_text("#headline") == "Émilie est en route"
		assert tab.is_hidden("#map")
		assert tab.inner_text("#coords") == "Position à 10 h 04 : 45.5200, -73.5800"
		shot(tab, "suivi-no-tiles.png")
		assert errors == []
	finally:
		peer.__exit__(None, None, None)


def test_rebooking_page_slot_taken_then_booked(browser):
	site = FakeSite()
	peer, tab, errors = open_page(browser, site, f"/rendez-vous/{TOKEN}")
	try:
		tab.wait_for_selector("button.slot")
		assert tab.locator("#slots h3").all_text_contents() == ["jeudi 10 décembre", "vendredi 11 décembre"]
		assert tab.locator("button.slot").count() == 3
		shot(tab, "rendez-vous-slots.png")
		tab.click("button.slot >> nth=0")
		tab.wait_for_function("() => document.getElementById('message').textContent.includes('vient')")
		assert tab.locator("button.slot").count() == 2  # the fresh slots, without the one taken
		shot(tab, "rendez-vous-taken.png")
		tab.click("button.slot >> nth=0")
		tab.wait_for_selector("#message.ok")
		assert tab.inner_text("#message") == (
			"Votre rendez-vous est confirmé : jeudi 10 décembre, 13 h 00 – 15 h 00."
		)
		assert tab.locator("button.slot").count() == 0
		shot(tab, "rendez-vous-booked.png")
		books = [a for m, a in site.calls if m == "book"]
		assert [b["start"] for b in books] == ["2026-12-10T08:00:00", "2026-12-10T13:00:00"]
		assert errors == []
	finally:
		peer.__exit__(None, None, None)


def test_refused_link_page(browser):
	html = render("suivi.html", token="x", state=None, poll_seconds=20, tile_url="", tile_attribution="")
	assert "Tremblay" not in html
	refused = jinja2.Environment(loader=jinja2.FileSystemLoader(str(APP / "www")))
	refused.globals["_"] = lambda text: FRENCH.get(text, text)
	page = refused.get_template("rendez-vous.html").render(
		lang="fr", version="t", error=FRENCH["This link has expired. Call us to choose a new appointment."]
	)
	assert "Lien refusé" in page and "Appelez-nous" in page and "GF_REBOOKING" not in page
