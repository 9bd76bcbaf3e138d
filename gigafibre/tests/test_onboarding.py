"""Web checkout: OTP by SMS and email, address search, catalog with ERPNext's taxes."""

import json
import re
from datetime import datetime, timedelta, timezone
from unittest.mock import patch

import frappe
from frappe.tests.utils import FrappeTestCase

from gigafibre.auth import magic_link
from gigafibre.auth.service import link_secret
from gigafibre.demo.taxes import quebec_sales_taxes
from gigafibre.onboarding import addresses, order_request, orders, otp, otp_service
from gigafibre.onboarding.setup import ensure_custom_fields
from gigafibre.tests.utils import (
	SmsTestCase,
	call_endpoint,
	company,
	ensure_outgoing_email_account,
	make_location,
	serviceable_address,
)

API = "gigafibre.api.checkout."
PHONE = "+15145550177"


class TestCheckoutOtp(SmsTestCase):
	calls = 0

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		ensure_outgoing_email_account()

	def setUp(self):
		frappe.cache.delete_keys("gigafibre:checkout-otp")

	def guest(self, method, ip=None, **fields):
		"""A guest request from a fresh address (the per-IP limit is tested on its own)."""
		TestCheckoutOtp.calls += 1
		address = ip or f"127.8.{TestCheckoutOtp.calls // 250}.{TestCheckoutOtp.calls % 250}"
		return _call_from(address, API + method, **fields)

	def sms_code(self, to=PHONE):
		body = [r.form()["Body"] for r in self.twilio.requests if r.form()["To"] == to][-1]
		return re.search(r"\b([0-9]{6})\b", body).group(1)

	def test_sms_code_opens_a_checkout_token(self):
		sent_before = len(self.twilio.requests)
		answer = self.guest("request_otp", identifier="514 555-0177")
		self.assertEqual(len(self.twilio.requests) - sent_before, 1)
		code = self.sms_code()
		result = self.guest("verify_otp", identifier="+1 (514) 555-0177", code=code)
		self.assertEqual(result["identifier"], PHONE)
		claims = magic_link.verify(
			link_secret(), result["token"], otp_service.CHECKOUT_SCOPE, datetime.now(timezone.utc)
		)
		self.assertEqual(claims.subject, PHONE)
		self.assertLessEqual(claims.expires_at - claims.issued_at, timedelta(minutes=30))
		self.assertEqual(otp_service.checkout_identifier(result["token"]), PHONE)
		# Used once: the same code again is refused.
		with self.assertRaises(frappe.AuthenticationError):
			self.guest("verify_otp", identifier=PHONE, code=code)
		# The answer does not depend on the identifier.
		self.assertEqual(answer, self.guest("request_otp", identifier="bob@exemple.ca"))

	def test_email_code_is_queued_and_stored_hashed(self):
		self.guest("request_otp", identifier="Nouveau.Client@Exemple.ca")
		queue = frappe.get_all(
			"Email Queue Recipient",
			filters={"recipient": "nouveau.client@exemple.ca"},
			pluck="parent",
			order_by="creation desc",
			limit=1,
		)
		from email import message_from_string, policy

		message = frappe.db.get_value("Email Queue", queue[0], "message")
		# A browser that names no language is written to in French (messaging/language.py).
		subject = str(message_from_string(message, policy=policy.default)["Subject"])
		code = re.search(r"^Votre code de vérification Gigafibre : ([0-9]{6})$", subject).group(1)
		key = otp.identifier_key(link_secret(), "nouveau.client@exemple.ca")
		stored = frappe.cache.get_value(otp_service._RECORD + key, expires=True)
		self.assertTrue(stored, (code, key))
		self.assertNotIn(code, str(stored))
		self.assertNotIn("nouveau", key)
		self.assertEqual(stored["code_hash"], otp.hash_code(link_secret(), "nouveau.client@exemple.ca", code))
		ttl = frappe.cache.ttl(frappe.cache.make_key(otp_service._RECORD + key))
		self.assertTrue(0 < ttl <= 600, ttl)
		result = self.guest("verify_otp", identifier="nouveau.client@exemple.ca", code=code)
		self.assertEqual(result["identifier"], "nouveau.client@exemple.ca")

	def test_five_wrong_codes_kill_it_with_one_message(self):
		self.guest("request_otp", identifier=PHONE)
		code = self.sms_code()
		wrong = f"{(int(code) + 1) % 1000000:06d}"
		messages = set()
		for _ in range(otp.MAX_ATTEMPTS):
			with self.assertRaises(otp_service.CodeRefused) as refused:
				self.guest("verify_otp", identifier=PHONE, code=wrong)
			messages.add(str(refused.exception))
		with self.assertRaises(otp_service.CodeRefused) as refused:
			self.guest("verify_otp", identifier=PHONE, code=code)
		messages.add(str(refused.exception))
		# No code at all, or a malformed identifier: the same refusal.
		for identifier, typed in (("+15145550000", "123456"), ("bonjour", "123456")):
			with self.assertRaises(otp_service.CodeRefused) as refused:
				self.guest("verify_otp", identifier=identifier, code=typed)
			messages.add(str(refused.exception))
		self.assertEqual(len(messages), 1, messages)
		# A new code starts afresh.
		self.guest("request_otp", identifier=PHONE)
		self.assertTrue(self.guest("verify_otp", identifier=PHONE, code=self.sms_code())["token"])

	def test_code_expires_after_ten_minutes(self):
		self.guest("request_otp", identifier=PHONE)
		code = self.sms_code()
		later = datetime.now(timezone.utc) + otp.LIFETIME + timedelta(seconds=5)
		with patch("gigafibre.onboarding.otp_service._now", return_value=later):
			with self.assertRaises(otp_service.CodeRefused):
				self.guest("verify_otp", identifier=PHONE, code=code)
		# Dead once expired, even back in time.
		with self.assertRaises(otp_service.CodeRefused):
			self.guest("verify_otp", identifier=PHONE, code=code)

	def test_per_identifier_limit_sends_nothing_more_but_answers_the_same(self):
		sent_before = len(self.twilio.requests)
		answers = {
			str(self.guest("request_otp", identifier=PHONE))
			for _ in range(otp_service.PER_IDENTIFIER_PER_HOUR + 2)
		}
		self.assertEqual(len(answers), 1)
		self.assertEqual(len(self.twilio.requests) - sent_before, otp_service.PER_IDENTIFIER_PER_HOUR)

	def test_per_ip_limit(self):
		frappe.cache.delete_keys("rl:")
		ip = "127.7.7.7"
		try:
			with self.assertRaises(frappe.RateLimitExceededError):
				for n in range(11):
					self.guest("request_otp", ip=ip, identifier=f"client{n}@exemple.ca")
		finally:
			frappe.cache.delete_keys("rl:")

	def test_bad_identifier_is_a_clear_error_and_tokens_are_scoped(self):
		with self.assertRaisesRegex(frappe.ValidationError, "email address or your mobile"):
			self.guest("request_otp", identifier="bonjour")
		portal_token, _claims = magic_link.issue(link_secret(), PHONE, "portal", datetime.now(timezone.utc))
		with self.assertRaises(frappe.AuthenticationError):
			otp_service.checkout_identifier(portal_token)


def without_link(answer: dict) -> dict:
	"""An order's answer without its contract link, which is signed afresh (its time) each time."""
	return {**answer, "contract": {k: v for k, v in answer["contract"].items() if k != "url"}}


def _call_from(ip: str, method: str, **fields):
	"""call_endpoint, from a chosen client address."""
	return call_endpoint(method, request_ip=ip, **fields)


class TestAddressSearch(FrappeTestCase):
	calls = 0

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		for civic, street, postal, status, olt in (
			("4500", "rue Saint-Denis", "h2j 2l3", "Serviceable", "OLT-PLATEAU-1"),
			("4502", "rue Saint-Denis", "H2J2L3", "Planned", None),
			("4510", "Rue St-Denis", "H2J 2L3", "Not Serviceable", None),
			("120", "rue de la Montagne", "H3G 1Z5", "Serviceable", "OLT-CENTRE-2"),
		):
			serviceable_address(
				civic_number=civic,
				street=street,
				city="Montréal",
				postal_code=postal,
				status=status,
				olt=olt,
			)
		make_location(address_line1="4520 rue Saint-Denis", postal_code="H2J 2L3", olt="OLT-PLATEAU-1")

	def tearDown(self):
		frappe.set_user("Administrator")
		frappe.local.request = None

	def search(self, q):
		TestAddressSearch.calls += 1
		return _call_from(f"127.6.0.{TestAddressSearch.calls % 250}", API + "search_address", q=q)

	def test_doctype_normalizes_and_refuses_duplicates(self):
		row = frappe.get_doc("Serviceable Address", {"address_key": ("like", "4500|saint denis|%")})
		self.assertEqual(row.postal_code, "H2J 2L3")
		self.assertEqual(row.street_key, "saint denis")
		self.assertEqual(row.full_address, "4500 rue Saint-Denis, Montréal H2J 2L3")
		duplicate = frappe.get_doc(
			{
				"doctype": "Serviceable Address",
				"civic_number": "4500",
				"street": "St-Denis",
				"city": "Montréal",
				"postal_code": "H2J2L3",
			}
		)
		with self.assertRaisesRegex(frappe.DuplicateEntryError, "already registered"):
			duplicate.insert()
		with self.assertRaisesRegex(frappe.ValidationError, "not a valid Canadian postal code"):
			serviceable_address(
				civic_number="1",
				street="rue Nulle",
				city="Montréal",
				postal_code="12345",
			)

	def test_search_by_civic_and_street_says_serviceable(self):
		results = self.search("4500 St-Denis")
		self.assertEqual(len(results), 1, results)
		self.assertEqual(results[0]["label"], "4500 rue Saint-Denis, Montréal H2J 2L3")
		self.assertTrue(results[0]["serviceable"])
		planned = self.search("4502 rue saint-denis")
		self.assertEqual([(r["status"], r["serviceable"]) for r in planned], [("Planned", False)])
		self.assertFalse(self.search("4510 saint denis")[0]["serviceable"])

	def test_search_by_postal_code_includes_service_locations_serviceable_first(self):
		results = self.search("h2j 2l3")
		labels = [r["label"] for r in results]
		self.assertIn("4520 rue Saint-Denis, Montréal H2J 2L3", labels)
		self.assertEqual([r["status"] for r in results][-1], "Not Serviceable")
		self.assertTrue(all(set(r) == {*results[0]} for r in results))
		self.assertNotIn("customer", results[0])
		# A Service Location found by its civic number, the street matched after.
		self.assertTrue(self.search("4520 saint-d")[0]["serviceable"])
		# Nothing known there: the address comes back as typed, not served (yet).
		self.assertEqual(
			[(r["label"], r["status"], r["serviceable"]) for r in self.search("4520 montagne")],
			[("4520 montagne", "Unknown", False)],
		)

	def test_street_prefix_and_status_for(self):
		self.assertEqual([r["civic_number"] for r in self.search("montag")], ["120"])
		self.assertEqual(addresses.status_for("120", "Montagne", "H3G 1Z5"), "Serviceable")
		self.assertEqual(addresses.status_for("4510", "rue Saint-Denis", "H2J 2L3"), "Not Serviceable")
		self.assertEqual(addresses.status_for("4520", "rue St-Denis", "H2J 2L3"), "Serviceable")
		self.assertEqual(addresses.status_for("9", "rue Inconnue", "H2J 2L3"), "Unknown")

	def test_at_most_ten_results(self):
		for civic in range(1, 13):
			serviceable_address(
				civic_number=str(civic),
				street="avenue du Parc",
				city="Montréal",
				postal_code="H2V 4E6",
			)
		self.assertEqual(len(self.search("parc")), addresses.LIMIT)
		self.assertEqual(len(self.search("h2v 4e6")), addresses.LIMIT)

	def test_short_query_is_a_clear_error(self):
		with self.assertRaisesRegex(frappe.ValidationError, "at least 3 characters"):
			self.search("ab")


class TestCatalog(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		# DDL commits: before any test record exists.
		ensure_custom_fields()
		super().setUpClass()
		cls.company = company()
		cls.template = _catalog_fixture(cls.company)

	def tearDown(self):
		frappe.set_user("Administrator")
		frappe.local.request = None
		frappe.local.lang = "en"

	def test_catalog_with_erpnext_taxes(self):
		quotations = frappe.db.count("Quotation")
		result = call_endpoint(API + "catalog", get=True)
		self.assertEqual(
			result["currency"], frappe.get_cached_value("Company", self.company, "default_currency")
		)
		self.assertEqual(result["tax_template"], self.template)
		codes = [i["item_code"] for kind in ("plans", "add_ons", "fees") for i in result[kind]]
		self.assertNotIn("_Test Web Hidden", codes)
		plan = next(i for i in result["plans"] if i["item_code"] == "_Test Web Fibre 500")
		self.assertEqual(plan["rate"], 65)
		self.assertEqual([t["amount"] for t in plan["taxes"]], [3.25, 6.48])
		self.assertEqual(plan["total"], 74.73)
		fee = next(i for i in result["fees"] if i["item_code"] == "_Test Web Install")
		# 99.99 + 5.00 GST + 9.97 QST, rounded by ERPNext.
		self.assertEqual([t["amount"] for t in fee["taxes"]], [5.0, 9.97])
		self.assertEqual(fee["total"], 114.96)
		# Other tests' web items may be on the site too: only ours are looked at.
		ours = {code for code, *_rest in WEB_ITEMS}
		self.assertEqual(
			[i["item_code"] for i in result["add_ons"] if i["item_code"] in ours], ["_Test Web Wifi Mesh"]
		)
		# Priced on unsaved Quotations: nothing was written.
		self.assertEqual(frappe.db.count("Quotation"), quotations)

	def test_french_names(self):
		frappe.local.lang = "fr"
		from gigafibre.onboarding.catalog import catalog

		plans = {i["item_code"]: i["name"] for i in catalog()["plans"]}
		self.assertEqual(plans["_Test Web Fibre 500"], "Internet fibre 500 Mbit/s")


WEB_ITEMS = (
	("_Test Web Fibre 500", "Fibre Internet 500 Mbps", "Internet fibre 500 Mbit/s", "Plan", 65, 1),
	("_Test Web Wifi Mesh", "Wi-Fi Mesh", "Wi-Fi maillé", "Add-on", 10, 1),
	("_Test Web Install", "Installation", "Frais d'installation", "Fee", 99.99, 1),
	("_Test Web Hidden", "Not for the web", "", "Plan", 5, 0),
)


def _catalog_fixture(company_name: str) -> str:
	"""The web items with their prices, and the QC template as the company's default (rolled back)."""
	template = _qc_tax_template(company_name)
	frappe.db.set_value(
		"Sales Taxes and Charges Template",
		{"company": company_name, "name": ("!=", template)},
		"is_default",
		0,
	)
	frappe.db.set_value("Sales Taxes and Charges Template", template, "is_default", 1)
	price_list = frappe.db.get_single_value("Selling Settings", "selling_price_list")
	for code, name, name_fr, kind, rate, web in WEB_ITEMS:
		if frappe.db.exists("Item", code):
			continue
		frappe.get_doc(
			{
				"doctype": "Item",
				"item_code": code,
				"item_name": name,
				"item_group": frappe.db.get_value("Item Group", {"is_group": 0}, "name"),
				"stock_uom": "Nos",
				"is_stock_item": 0,
				"gigafibre_web_sale": web,
				"gigafibre_kind": kind,
				"gigafibre_name_fr": name_fr,
			}
		).insert()
		frappe.get_doc(
			{"doctype": "Item Price", "item_code": code, "price_list": price_list, "price_list_rate": rate}
		).insert()
	return template


def _qc_tax_template(company_name: str) -> str:
	"""GST 5 % + QST 9.975 % on the company's accounts (created here when the site has none)."""
	return quebec_sales_taxes(company_name, "_Test QC GST + QST")


class TestWebOrder(SmsTestCase):
	calls = 0

	@classmethod
	def setUpClass(cls):
		ensure_custom_fields()
		super().setUpClass()
		cls.template = _catalog_fixture(company())
		for civic, status in (("4500", "Serviceable"), ("4502", "Planned")):
			serviceable_address(
				civic_number=civic,
				street="rue Saint-Denis",
				city="Montréal",
				postal_code="H2J 2L3",
				status=status,
			)

	def setUp(self):
		frappe.cache.delete_keys("gigafibre:checkout-otp")

	def guest(self, method, **fields):
		TestWebOrder.calls += 1
		return _call_from(f"127.5.0.{TestWebOrder.calls % 250}", API + method, **fields)

	def token(self, identifier="+15145550188"):
		return magic_link.issue(
			link_secret(),
			identifier,
			otp_service.CHECKOUT_SCOPE,
			datetime.now(timezone.utc),
			timedelta(minutes=30),
		)[0]

	def order(self, token, key, civic="4500", items=None, **fields):
		values = {
			"checkout_token": token,
			"order_key": key,
			"items": json.dumps(
				items or [{"item_code": "_Test Web Fibre 500"}, {"item_code": "_Test Web Install", "qty": 1}]
			),
			"first_name": "Marie",
			"last_name": "Tremblay",
			"civic_number": civic,
			"street": "St-Denis",
			"city": "Montréal",
			"postal_code": "h2j 2l3",
		}
		values.update(fields)
		return self.guest("order", **values)

	def test_catalog_otp_order_end_to_end(self):
		catalog = self.guest_get_catalog()
		plan = next(i for i in catalog["plans"] if i["item_code"] == "_Test Web Fibre 500")
		self.guest("request_otp", identifier="514-555-0188")
		body = self.twilio.requests[-1].form()["Body"]
		code = re.search(r"\b([0-9]{6})\b", body).group(1)
		token = self.guest("verify_otp", identifier="5145550188", code=code)["token"]
		# One transaction: ERPNext's Contact hook (call-log linking) must not commit halfway.
		with patch.object(frappe.db, "sql", wraps=frappe.db.sql) as sql:
			result = self.order(token, "order-e2e-0001")
		self.assertFalse([c for c in sql.call_args_list if str(c.args[0]).strip().lower() == "commit"])
		self.assertEqual(result["status"], "Quoted")
		quote = frappe.get_doc("Quotation", result["quotation"])
		self.assertEqual((quote.quotation_to, quote.docstatus), ("Lead", 0))
		self.assertEqual(quote.taxes_and_charges, self.template)
		# 65 + 99.99 = 164.99; GST 8.25, QST 16.46 (ERPNext's rounding).
		self.assertEqual(quote.net_total, 164.99)
		self.assertEqual([t.tax_amount for t in quote.taxes], [8.25, 16.46])
		self.assertEqual(result["grand_total"], 189.70)
		self.assertEqual(plan["total"], 74.73)
		lead = frappe.get_doc("Lead", quote.party_name)
		self.assertEqual((lead.first_name, lead.mobile_no), ("Marie", "+15145550188"))
		order = frappe.get_doc("Web Order", {"order_key": "order-e2e-0001"})
		self.assertEqual(
			(order.identifier, order.lead, order.postal_code), ("+15145550188", lead.name, "H2J 2L3")
		)

	def guest_get_catalog(self):
		TestWebOrder.calls += 1
		return call_endpoint(API + "catalog", get=True)

	def test_double_submit_creates_one_order(self):
		token = self.token("double.submit@exemple.ca")
		quotations, leads = frappe.db.count("Quotation"), frappe.db.count("Lead")
		first = self.order(token, "order-double-01")
		second = self.order(token, "order-double-01", first_name="Autre")
		self.assertEqual(without_link(first), without_link(second))
		self.assertEqual(frappe.db.count("Quotation"), quotations + 1)
		self.assertEqual(frappe.db.count("Lead"), leads + 1)
		# The same person ordering again (a new key) keeps their Lead.
		third = self.order(token, "order-double-02")
		self.assertNotEqual(third["quotation"], first["quotation"])
		self.assertEqual(frappe.db.count("Lead"), leads + 1)
		# A submit that passed the first check while another held the key: the unique index decides.
		request = order_request.parse(
			"order-double-01",
			[{"item_code": "_Test Web Fibre 500"}],
			"M",
			"T",
			"4500",
			"St-Denis",
			"Mtl",
			"H2J2L3",
		)
		self.assertEqual(
			without_link(orders._claim("double.submit@exemple.ca", request, "Serviceable", {})),
			without_link(first),
		)
		self.assertEqual(frappe.db.count("Web Order", {"order_key": "order-double-01"}), 1)
		with self.assertRaises(frappe.DuplicateEntryError):
			orders._claim("other@exemple.ca", request, "Serviceable", {})
		# Someone else cannot read an order by guessing its key.
		with self.assertRaises(frappe.DuplicateEntryError):
			self.order(self.token("other@exemple.ca"), "order-double-01")

	def test_unserviceable_address_refused_with_a_clear_message(self):
		token = self.token()
		with self.assertRaisesRegex(orders.AddressNotServiceable, "will reach this address soon"):
			self.order(token, "order-planned-1", civic="4502")
		with self.assertRaisesRegex(orders.AddressNotServiceable, "does not reach this address"):
			self.order(token, "order-nowhere-1", civic="9999")
		self.assertFalse(frappe.db.exists("Web Order", {"order_key": ("like", "order-%-1")}))

	def test_bad_requests(self):
		with self.assertRaises(frappe.AuthenticationError):
			self.order("not-a-token", "order-badtok-1")
		token = self.token()
		with self.assertRaisesRegex(frappe.ValidationError, "order key"):
			self.order(token, "short")
		with self.assertRaisesRegex(frappe.ValidationError, "not for sale on the website"):
			self.order(token, "order-hidden-1", items=[{"item_code": "_Test Web Hidden"}])
		with self.assertRaisesRegex(frappe.ValidationError, "Internet plan"):
			self.order(token, "order-noplan-1", items=[{"item_code": "_Test Web Wifi Mesh"}])
		with self.assertRaisesRegex(frappe.ValidationError, "first name"):
			self.order(token, "order-noname-1", first_name=" ")
