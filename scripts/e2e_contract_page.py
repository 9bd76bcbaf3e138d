"""End to end against a running site (production-like: gunicorn): a web order placed over HTTP, its
contract page opened in Chromium, a wrong name refused in French, the contract signed, then the
deposit's Stripe page (a loopback Stripe) — and the ERPNext records checked.

	cd <bench>/sites && ../env/bin/python <repo>/scripts/e2e_contract_page.py --site <site> --url http://<site>:8002

It creates web-sale items and a serviceable address prefixed E2E (kept for the next run), points
the site's Stripe base URL at its loopback stub for the run and puts it back afterwards. The order
itself (Lead, submitted Quotation, Customer, Sales Order, deposit invoice) stays, as a real order
would: each run uses a new order key and phone number. Screenshots at 390x844 go to --shots.
"""

import json
import random
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import frappe
import requests
from browser_session import connect

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from gigafibre.tests.peers import LoopbackPeer
from gigafibre.tests.test_stripe import stripe_api

ITEMS = (("E2E-FIBRE-500", "E2E Fibre 500", "Plan", 65), ("E2E-INSTALL", "E2E Installation", "Fee", 99.99))


def main() -> int:
	args = connect()
	from playwright.sync_api import sync_playwright

	from gigafibre.auth import magic_link
	from gigafibre.auth.service import link_secret
	from gigafibre.onboarding import otp_service

	_catalog_and_address()
	settings = frappe.get_single("Gigafibre Settings")
	saved = {"stripe_api_base": settings.stripe_api_base}
	had_key = bool(settings.get_password("stripe_secret_key", raise_exception=False))
	ok = True
	with LoopbackPeer(stripe_api) as stripe:
		try:
			settings.stripe_api_base = stripe.url
			if not had_key:
				settings.stripe_secret_key = "sk_test_e2e"
			settings.save()
			frappe.db.commit()
			phone = f"+1514555{random.randint(1000, 9999)}"
			checkout = magic_link.issue(
				link_secret(),
				phone,
				otp_service.CHECKOUT_SCOPE,
				datetime.now(timezone.utc),
				timedelta(minutes=30),
			)[0]
			answer = requests.post(
				f"{args.url}/api/method/gigafibre.api.checkout.order",
				data={
					"checkout_token": checkout,
					"order_key": f"e2e-{random.getrandbits(48):012x}",
					"items": json.dumps([{"item_code": code} for code, *_ in ITEMS]),
					"first_name": "Marie-Ève",
					"last_name": "Tremblay",
					"civic_number": "E2E-1",
					"street": "rue Saint-Denis",
					"city": "Montréal",
					"postal_code": "H2J 2L3",
				},
				timeout=60,
			)
			answer.raise_for_status()
			order = answer.json()["message"]
			contract_url = order["contract"]["url"]
			path = contract_url.split("/contract/")[1]
			with sync_playwright() as p:
				browser = p.chromium.launch(
					executable_path="/usr/bin/chromium", args=["--no-sandbox", "--disable-gpu"]
				)
				page = browser.new_context(viewport={"width": 390, "height": 844}, locale="fr-CA").new_page()
				page.goto(f"{args.url}/contract/{path}")
				page.wait_for_selector("form#accept")
				page.screenshot(path=f"{args.shots}/e2e-contract-1.png", full_page=True)
				page.fill("#full_name", "Jean Tremblay")
				page.check("#agree")
				page.click("form#accept button")
				page.wait_for_function("() => document.getElementById('message').textContent.length > 0")
				refused = page.inner_text("#message")
				page.screenshot(path=f"{args.shots}/e2e-contract-2-refused.png")
				page.fill("#full_name", "marie-eve tremblay")
				page.click("form#accept button")
				page.wait_for_selector("a.btn[href*='checkout.stripe.com']", timeout=60000)
				signed = page.inner_text("main")
				page.screenshot(path=f"{args.shots}/e2e-contract-3-signed.png")
				browser.close()
			frappe.db.rollback()
			web_order = frappe.get_doc("Web Order", order["order"])
			quote = frappe.get_doc("Quotation", web_order.quotation)
			if quote.gigafibre_contract_pdf_status != "Made":
				# The PDF is a background job: without a worker on this bench, run it here.
				from gigafibre.onboarding import contract_document

				contract_document.make(web_order.name)
				frappe.db.commit()
			files = frappe.get_all(
				"File",
				filters={"attached_to_doctype": "Quotation", "attached_to_name": quote.name},
				pluck="name",
			)
			checks = {
				"wrong name refused in French": "tel qu'il figure sur la commande" in refused,
				"page says signed, in French": "Contrat signé par marie-eve tremblay" in signed,
				"order accepted": (web_order.status, web_order.contract_status) == ("Accepted", "Signed"),
				"quotation submitted with the acceptance": quote.docstatus == 1
				and quote.gigafibre_accepted_by == "marie-eve tremblay"
				and len(quote.gigafibre_contract_hash or "") == 64
				and bool(quote.gigafibre_accepted_user_agent),
				"contract PDF attached": bool(files)
				and frappe.get_doc("File", files[0]).get_content()[:4] in (b"%PDF", "%PDF"),
				"customer and sales order": bool(web_order.customer)
				and frappe.db.get_value("Sales Order", web_order.sales_order, "docstatus") == 1,
				"service location": frappe.db.get_value(
					"Service Location", web_order.service_location, "customer"
				)
				== web_order.customer,
				"deposit invoice submitted": frappe.db.get_value(
					"Sales Invoice", web_order.deposit_invoice, "docstatus"
				)
				== 1,
				"stripe page from the stub": any(r.path == "/v1/checkout/sessions" for r in stripe.requests),
			}
			for name, passed in checks.items():
				print(f"{'ok  ' if passed else 'FAIL'} {name}")
			ok = all(checks.values())
		finally:
			frappe.db.rollback()
			settings = frappe.get_single("Gigafibre Settings")
			settings.update(saved)
			if not had_key:
				settings.stripe_secret_key = None
			settings.save()
			frappe.db.commit()
	return 0 if ok else 1


def _catalog_and_address() -> None:
	from gigafibre.onboarding.setup import ensure_custom_fields

	ensure_custom_fields()
	price_list = frappe.db.get_single_value("Selling Settings", "selling_price_list") or "Standard Selling"
	for code, name, kind, rate in ITEMS:
		if not frappe.db.exists("Item", code):
			frappe.get_doc(
				{
					"doctype": "Item",
					"item_code": code,
					"item_name": name,
					"item_group": frappe.db.get_value("Item Group", {"is_group": 0}, "name"),
					"stock_uom": "Nos",
					"is_stock_item": 0,
					"gigafibre_web_sale": 1,
					"gigafibre_kind": kind,
				}
			).insert()
			frappe.get_doc(
				{
					"doctype": "Item Price",
					"item_code": code,
					"price_list": price_list,
					"price_list_rate": rate,
				}
			).insert()
	if not frappe.db.exists("Serviceable Address", {"civic_number": "E2E-1"}):
		frappe.get_doc(
			{
				"doctype": "Serviceable Address",
				"civic_number": "E2E-1",
				"street": "rue Saint-Denis",
				"city": "Montréal",
				"postal_code": "H2J 2L3",
				"status": "Serviceable",
			}
		).insert()
	frappe.db.commit()


if __name__ == "__main__":
	sys.exit(main())
