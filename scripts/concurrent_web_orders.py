"""Double clicks against a running site (gunicorn with several workers): the same order submitted
four times at once, then its contract accepted four times at once. Every answer must be 200, with
one Web Order, one Quotation, one Sales Order and one deposit invoice in the end.

	cd <bench>/sites && ../env/bin/python <repo>/scripts/concurrent_web_orders.py --site <site> --url http://<site>:8002

It uses the E2E web items and serviceable address of scripts/e2e_contract_page.py (created when
missing). The order it places stays, as a real one would.
"""

import argparse
import json
import random
import sys
import threading
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import frappe
import requests

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from e2e_contract_page import ITEMS, _catalog_and_address

AT_ONCE = 4


def at_once(url: str, data: dict) -> list[requests.Response]:
	answers: list[requests.Response] = []
	threads = [
		threading.Thread(target=lambda: answers.append(requests.post(url, data=data, timeout=120)))
		for _i in range(AT_ONCE)
	]
	for thread in threads:
		thread.start()
	for thread in threads:
		thread.join()
	return answers


def main() -> int:
	parser = argparse.ArgumentParser()
	parser.add_argument("--site", required=True)
	parser.add_argument("--url", required=True)
	args = parser.parse_args()
	frappe.init(site=args.site, sites_path=".")
	frappe.connect()
	from gigafibre.auth import magic_link
	from gigafibre.auth.service import link_secret
	from gigafibre.onboarding import otp_service

	_catalog_and_address()
	api = f"{args.url}/api/method/gigafibre.api.checkout."
	phone = f"+1438556{random.randint(1000, 9999)}"
	checkout = magic_link.issue(
		link_secret(), phone, otp_service.CHECKOUT_SCOPE, datetime.now(timezone.utc), timedelta(minutes=30)
	)[0]
	key = f"double-{random.getrandbits(40):010x}"
	order = {
		"checkout_token": checkout,
		"order_key": key,
		"items": json.dumps([{"item_code": code} for code, *_ in ITEMS]),
		"first_name": "Luc",
		"last_name": "Gagnon",
		"civic_number": "E2E-1",
		"street": "rue Saint-Denis",
		"city": "Montréal",
		"postal_code": "H2J 2L3",
	}
	placed = at_once(api + "order", order)
	first = next((r.json()["message"] for r in placed if r.status_code == 200), None)
	token = first["contract"]["url"].split("/contract/")[1] if first else ""
	page = requests.get(api + "contract", params={"token": token}, timeout=60).json().get("message", {})
	accepted = at_once(
		api + "accept_contract",
		{"token": token, "full_name": "Luc Gagnon", "agree": "1", "contract_hash": page.get("contract_hash")},
	)
	# What the acceptance creates comes from a background job; without a worker, the contract page
	# makes it once the job's 30 s are up. Poll the page as the customer's browser does.
	for _n in range(40):
		state = requests.get(api + "contract", params={"token": token}, timeout=60).json().get("message", {})
		if not state.get("preparing"):
			break
		time.sleep(2)
	frappe.db.rollback()
	web_order = frappe.get_doc("Web Order", {"order_key": key})
	customer = web_order.customer
	checks = {
		f"{AT_ONCE} order submits all answered 200": [r.status_code for r in placed] == [200] * AT_ONCE,
		"they all name one order and one quotation": len({r.json()["message"]["quotation"] for r in placed})
		== 1,
		f"{AT_ONCE} acceptances all answered 200": [r.status_code for r in accepted] == [200] * AT_ONCE,
		"one web order": frappe.db.count("Web Order", {"order_key": key}) == 1,
		"one sales order": frappe.db.count("Sales Order", {"customer": customer, "docstatus": 1}) == 1,
		"one deposit invoice": frappe.db.count("Sales Invoice", {"customer": customer, "docstatus": 1}) == 1,
		"one service location": frappe.db.count("Service Location", {"customer": customer}) == 1,
	}
	for name, passed in checks.items():
		print(f"{'ok  ' if passed else 'FAIL'} {name}")
	return 0 if all(checks.values()) else 1


if __name__ == "__main__":
	sys.exit(main())
