"""Web orders to the end: the residential contract signed through its link, the commercial one
through DocuSeal (loopback), what acceptance creates in ERPNext, the deposit's Stripe page
(loopback Stripe), referral credits, and `on_contract_signed`."""

import json
import re
import shutil
from datetime import datetime, timedelta, timezone
from unittest.mock import patch

import frappe
from frappe.utils import add_days, convert_utc_to_system_timezone, flt, nowdate

from gigafibre.auth import magic_link
from gigafibre.auth.service import link_secret
from gigafibre.flows.runner import clear_cache
from gigafibre.onboarding import acceptance, otp_service, referrals
from gigafibre.onboarding.contracts import SCOPE, contract_hash
from gigafibre.onboarding.setup import ensure_custom_fields
from gigafibre.tests.docuseal_peer import API_KEY as DOCUSEAL_KEY
from gigafibre.tests.docuseal_peer import SIGNED_PDF, DocuSealPeer
from gigafibre.tests.peers import LoopbackPeer
from gigafibre.tests.test_flows import make_template
from gigafibre.tests.test_onboarding import _catalog_fixture
from gigafibre.tests.test_stripe import SECRET as STRIPE_SECRET
from gigafibre.tests.test_stripe import event as stripe_event
from gigafibre.tests.test_stripe import post_webhook, session_completed, sign, stripe_api
from gigafibre.tests.utils import (
	SmsTestCase,
	call_endpoint,
	company,
	ensure_outgoing_email_account,
	post_raw,
	serviceable_address,
	test_customer,
)
from gigafibre.webhooks.intake import BadSignature

API = "gigafibre.api.checkout."
DOCUSEAL_SECRET = "docuseal-hook-secret-0123"
FEE_AND_PLAN = [{"item_code": "_Test Web Fibre 500"}, {"item_code": "_Test Web Install"}]
HAS_WKHTMLTOPDF = bool(shutil.which("wkhtmltopdf"))


def fake_pdf(html, *args, **kwargs) -> bytes:
	"""Stands in for wkhtmltopdf where the bench has none: a "PDF" holding the page it was given."""
	return b"%PDF-1.4 (test)\n" + html.encode()


class ContractTestCase(SmsTestCase):
	@classmethod
	def setUpClass(cls):
		ensure_custom_fields()  # DDL commits: before any test record exists
		super().setUpClass()
		ensure_outgoing_email_account()
		cls.template = _catalog_fixture(company())
		cls.run_id = frappe.generate_hash(length=8)
		for civic in ("4510", "4512", "4514", "4516", "4518"):
			serviceable_address(
				civic_number=civic,
				street="rue Saint-Denis",
				city="Montréal",
				postal_code="H2J 2L3",
				status="Serviceable",
				olt="OLT-PLATEAU-1",
				pon_port="0/1/3",
				latitude=45.5252,
				longitude=-73.5823,
			)
		cls.stripe = LoopbackPeer(stripe_api).__enter__()
		cls.docuseal_handler = DocuSealPeer()
		cls.docuseal = LoopbackPeer(cls.docuseal_handler).__enter__()
		cls.docuseal_handler.url = cls.docuseal.url
		settings = frappe.get_single("Gigafibre Settings")
		settings.update(
			{
				"stripe_api_base": cls.stripe.url,
				"stripe_secret_key": "sk_test_51GigafibreBench",
				"docuseal_url": cls.docuseal.url + "/api",
				"docuseal_api_key": DOCUSEAL_KEY,
				"docuseal_template_id": 7,
				"docuseal_webhook_header": "X-Docuseal-Secret",
				"docuseal_webhook_secret": DOCUSEAL_SECRET,
				"referral_credit_referred": 50,
				"referral_credit_referrer": 25,
				"install_lead_days": 5,
			}
		)
		settings.save()
		# Only this module's flow runs: the seed flows are switched off (rolled back at the end).
		for name in frappe.get_all("Flow Template", filters={"enabled": 1}, pluck="name"):
			frappe.db.set_value("Flow Template", name, "enabled", 0)
		cls.flow = make_template(
			"_Test contract signed",
			"on_contract_signed",
			[{"step_id": "done", "step_type": "end"}],
			reference_doctype="Quotation",
			enabled=1,
		)
		# Written for the Web Order, or for any document: each starts once too.
		cls.flow_order = make_template(
			"_Test contract signed (web order)",
			"on_contract_signed",
			[{"step_id": "done", "step_type": "end"}],
			reference_doctype="Web Order",
			enabled=1,
		)
		cls.flow_any = make_template(
			"_Test contract signed (any)",
			"on_contract_signed",
			[{"step_id": "done", "step_type": "end"}],
			enabled=1,
		)
		clear_cache()
		# The contract's PDF job renders with wkhtmltopdf; without it, with the stand-in.
		cls.pdf_renderer = None if HAS_WKHTMLTOPDF else patch("frappe.utils.pdf.get_pdf", fake_pdf)
		if cls.pdf_renderer:
			cls.pdf_renderer.start()

	@classmethod
	def tearDownClass(cls):
		if cls.pdf_renderer:
			cls.pdf_renderer.stop()
		cls.stripe.__exit__(None, None, None)
		cls.docuseal.__exit__(None, None, None)
		super().tearDownClass()
		frappe.clear_document_cache("Gigafibre Settings", "Gigafibre Settings")
		clear_cache()

	def setUp(self):
		frappe.cache.delete_keys("gigafibre:checkout-otp")

	def tearDown(self):
		super().tearDown()
		frappe.local.lang = "en"

	def checkout_token(self, identifier: str) -> str:
		return magic_link.issue(
			link_secret(),
			identifier,
			otp_service.CHECKOUT_SCOPE,
			datetime.now(timezone.utc),
			timedelta(minutes=30),
		)[0]

	def order(self, identifier, key, civic="4510", items=None, checkout_token=None, **fields):
		values = {
			"checkout_token": checkout_token or self.checkout_token(identifier),
			"order_key": self.order_key(key),
			"items": json.dumps(items or FEE_AND_PLAN),
			"first_name": "Marie-Ève",
			"last_name": "Tremblay",
			"civic_number": civic,
			"street": "St-Denis",
			"city": "Montréal",
			"postal_code": "h2j 2l3",
			**fields,
		}
		return call_endpoint(API + "order", **values)

	def order_key(self, key: str) -> str:
		"""The key made unique to this run: an order of an earlier run that a site kept (a benchmark,
		a crash) must not answer for this one."""
		return f"{key}-{self.run_id}"

	def token_of(self, result) -> str:
		return result["contract"]["url"].split("/contract/")[1]

	def open_contract(self, token):
		return call_endpoint(API + "contract", get=True, form={"token": token})

	def accept(self, token, name="marie eve tremblay", agree="1", shown=None):
		shown = shown or self.open_contract(token)["contract_hash"]
		return call_endpoint(
			API + "accept_contract",
			headers={"User-Agent": "Mozilla/5.0 (iPhone; Test)"},
			request_ip="203.0.113.7",
			form={"token": token},
			full_name=name,
			agree=agree,
			contract_hash=shown,
		)


class TestResidentialContract(ContractTestCase):
	def test_order_to_signed_contract_customer_sales_order_and_deposit(self):
		referrer = test_customer("_Test Referrer Alice")
		code = referrals.code_for(referrer)
		self.assertEqual(referrals.code_for(referrer), code)
		self.assertEqual(
			call_endpoint(API + "check_referral", get=True, code=code.lower()),
			{"valid": True, "code": code, "credit": 50.0},
		)
		result = self.order("+15145550177", "contract-e2e-001", referral_code=code.replace("-", " "))
		self.assertEqual(result["contract"]["method"], "Signed Link")
		self.assertEqual(result["contract"]["status"], "Sent")
		self.assertEqual(result["deposit_net"], 99.99)
		token = self.token_of(result)
		# The link also went by SMS to the verified number, once.
		sms = [r.form()["Body"] for r in self.twilio.requests if "/contract/" in r.form()["Body"]]
		self.assertEqual(len(sms), 1)
		self.assertIn(result["order"], sms[0])
		sent_token = re.search(r"/contract/(\S+)", sms[0]).group(1)
		self.assertEqual(self.open_contract(sent_token)["order"], result["order"])
		# The double submit answers the same order and the same working link.
		again = self.order("+15145550177", "contract-e2e-001")
		self.assertEqual(again["quotation"], result["quotation"])
		self.assertEqual(self.open_contract(self.token_of(again))["order"], result["order"])

		page = self.open_contract(token)
		self.assertIn("Contrat de service Internet résidentiel", page["contract_html"])
		self.assertIn("4510 St-Denis", page["contract_html"])
		self.assertIn("189,70\u00a0$", page["contract_html"])
		self.assertEqual(page["contract_hash"], contract_hash(page["contract_html"]))
		self.assertEqual(page["signer_name"], "Marie-Ève Tremblay")

		with self.assertRaisesRegex(frappe.ValidationError, "Tick the box"):
			self.accept(token, agree="0")
		with self.assertRaisesRegex(frappe.ValidationError, "as it appears on the order"):
			self.accept(token, name="Jean Tremblay")
		self.assertEqual(frappe.db.get_value("Web Order", result["order"], "status"), "Quoted")

		with patch.object(frappe.db, "sql", wraps=frappe.db.sql) as sql:
			state = self.accept(token)
		self.assertFalse([c for c in sql.call_args_list if str(c.args[0]).strip().lower() == "commit"])
		order = frappe.get_doc("Web Order", result["order"])
		self.assertEqual((order.status, order.contract_status), ("Accepted", "Signed"))
		self.assertEqual(state["contract_status"], "Signed")

		quote = frappe.get_doc("Quotation", order.quotation)
		self.assertEqual(quote.docstatus, 1)
		self.assertEqual(quote.gigafibre_accepted_by, "marie eve tremblay")
		self.assertEqual(quote.gigafibre_accepted_ip, "203.0.113.7")
		self.assertEqual(quote.gigafibre_accepted_user_agent, "Mozilla/5.0 (iPhone; Test)")
		self.assertEqual(quote.gigafibre_contract_hash, page["contract_hash"])
		self.assertEqual(quote.gigafibre_contract_method, "Signed Link")
		self.assertTrue(quote.gigafibre_accepted_at)
		pdf = frappe.get_all(
			"File",
			filters={"attached_to_doctype": "Quotation", "attached_to_name": quote.name},
			fields=["file_name", "is_private", "name"],
		)
		# (A file of that name left on disk by an earlier run gets a suffix.)
		self.assertEqual(len(pdf), 1)
		self.assertRegex(pdf[0].file_name, rf"^contrat-{order.name}\w*\.pdf$")
		self.assertEqual(pdf[0].is_private, 1)
		self.assertTrue(frappe.get_doc("File", pdf[0].name).get_content().startswith(b"%PDF"))

		customer = frappe.get_doc("Customer", order.customer)
		self.assertEqual((customer.customer_type, customer.lead_name), ("Individual", order.lead))
		self.assertEqual(customer.mobile_no, "+15145550177")
		sales_order = frappe.get_doc("Sales Order", order.sales_order)
		self.assertEqual((sales_order.docstatus, sales_order.customer), (1, customer.name))
		self.assertEqual(str(sales_order.delivery_date), add_days(nowdate(), 5))
		self.assertEqual(sales_order.grand_total, quote.grand_total)
		self.assertEqual([t.tax_amount for t in sales_order.taxes], [t.tax_amount for t in quote.taxes])

		location = frappe.get_doc("Service Location", order.service_location)
		self.assertEqual(
			(
				location.customer,
				location.address_line1,
				location.postal_code,
				location.olt,
				location.pon_port,
			),
			(customer.name, "4510 St-Denis", "H2J 2L3", "OLT-PLATEAU-1", "0/1/3"),
		)
		self.assertEqual(location.contacts[0].phone, "+15145550177")

		deposit = frappe.get_doc("Sales Invoice", order.deposit_invoice)
		self.assertEqual([i.item_code for i in deposit.items], ["_Test Web Install"])
		# 99.99 + GST 5.00 + QST 9.97, by ERPNext's template.
		self.assertEqual((deposit.docstatus, deposit.grand_total), (1, 114.96))
		self.assertEqual(state["deposit"]["payment_url"], "https://checkout.stripe.com/c/pay/cs_test_bench")
		session = next(r for r in self.stripe.requests if r.path == "/v1/checkout/sessions").form()
		self.assertEqual(session["client_reference_id"], deposit.name)
		self.assertTrue(session["success_url"].endswith("?paid=1"))

		referral = frappe.get_doc("Referral", order.referral)
		self.assertEqual((referral.referrer, referral.referred_customer), (referrer, customer.name))
		credit = frappe.get_doc("Sales Invoice", referral.referred_credit_note)
		self.assertEqual((credit.is_return, credit.customer, credit.grand_total), (1, customer.name, -50))
		self.assertEqual(
			frappe.db.get_value("Sales Invoice", referral.referrer_credit_note, "grand_total"), -25
		)

		runs = frappe.get_all(
			"Flow Run",
			filters={"flow_template": self.flow.name},
			fields=["reference_doctype", "reference_name", "context"],
		)
		self.assertEqual([(r.reference_doctype, r.reference_name) for r in runs], [("Quotation", quote.name)])
		context = json.loads(runs[0].context)
		self.assertEqual(context["web_order"]["name"], order.name)
		self.assertEqual(context["customer"]["name"], customer.name)  # the Customer made from the Lead
		self.assertEqual(context["method"], "Signed Link")
		for template, reference in (
			(self.flow_order, ("Web Order", order.name)),
			(self.flow_any, ("Quotation", quote.name)),
		):
			self.assertEqual(
				frappe.get_all(
					"Flow Run",
					filters={"flow_template": template.name},
					fields=["reference_doctype", "reference_name"],
					as_list=True,
				),
				(reference,),
			)

		# Signing again (a double click): the same state, nothing new.
		counts = [frappe.db.count(d) for d in ("Sales Order", "Customer", "Referral", "Flow Run")]
		self.assertEqual(self.accept(token, shown=page["contract_hash"])["order"], order.name)
		self.assertEqual(
			[frappe.db.count(d) for d in ("Sales Order", "Customer", "Referral", "Flow Run")], counts
		)
		# The page after signing: the deposit to pay, the same Stripe page reused.
		signed = self.open_contract(token)
		self.assertNotIn("contract_html", signed)
		self.assertEqual(signed["deposit"]["outstanding"], 114.96)
		self.assertEqual(len([r for r in self.stripe.requests if r.path == "/v1/checkout/sessions"]), 1)

		self.assertEqual(
			len([r for r in self.twilio.requests if "/contract/" in r.form()["Body"]]), 1
		)  # the replay sent nothing
		# The same person cannot be credited a second time, under a new order.
		with self.assertRaisesRegex(frappe.ValidationError, "new customers|already credited"):
			self.order("+15145550177", "contract-e2e-002", civic="4512", referral_code=code)
		self.assertEqual(referrals.apply(order, customer.name), referral.name)

	def test_order_without_fees_has_no_deposit_and_the_changed_contract_is_refused(self):
		result = self.order(
			"sans.frais@exemple.ca", "contract-nofee-01", items=[{"item_code": "_Test Web Fibre 500"}]
		)
		token = self.token_of(result)
		page = self.open_contract(token)
		self.assertNotIn("Les frais uniques", page["contract_html"])
		# Staff change the price before the customer signs: the hash they saw no longer matches.
		frappe.set_user("Administrator")
		quote = frappe.get_doc("Quotation", result["quotation"])
		quote.items[0].rate = 70
		quote.save()
		with self.assertRaisesRegex(frappe.ValidationError, "changed since you opened it"):
			self.accept(token, shown=page["contract_hash"])
		state = self.accept(token)
		self.assertIsNone(state["deposit"])
		order = frappe.get_doc("Web Order", result["order"])
		self.assertIsNone(order.deposit_invoice)
		self.assertEqual(frappe.db.get_value("Customer", order.customer, "email_id"), "sans.frais@exemple.ca")

	def test_bad_links_and_unknown_referral_codes(self):
		for bad in ("", "not-a-token", self.checkout_token("+15145550177")):
			with self.assertRaises(frappe.AuthenticationError):
				self.open_contract(bad)
		expired = magic_link.issue(
			link_secret(),
			"WO-00001",
			SCOPE,
			datetime.now(timezone.utc) - timedelta(days=30),
			timedelta(days=14),
		)[0]
		with self.assertRaisesRegex(frappe.AuthenticationError, "expired"):
			self.open_contract(expired)
		# A genuine signature for an id the order does not hold (a link from before a reset).
		result = self.order("lien.ancien@exemple.ca", "contract-oldlink-1", civic="4514")
		other = magic_link.issue(link_secret(), result["order"], SCOPE, datetime.now(timezone.utc))[0]
		with self.assertRaisesRegex(frappe.AuthenticationError, "not valid"):
			self.open_contract(other)
		self.assertEqual(call_endpoint(API + "check_referral", get=True, code="GF-ZZZZZZ"), {"valid": False})
		self.assertEqual(
			call_endpoint(API + "check_referral", get=True, code="n'importe quoi"), {"valid": False}
		)
		with self.assertRaisesRegex(frappe.ValidationError, "referral code is not valid"):
			self.order("nouveau@exemple.ca", "contract-badref-1", civic="4514", referral_code="GF-ZZZZZZ")
		self.assertFalse(frappe.db.exists("Web Order", {"order_key": self.order_key("contract-badref-1")}))

	def test_returning_customer_orders_again_for_another_address(self):
		first = self.order("retour@exemple.ca", "contract-again-01", civic="4512")
		self.accept(self.token_of(first))
		customer = frappe.db.get_value("Web Order", first["order"], "customer")
		# ERPNext keeps Lead emails unique: the converted Lead is reused, not duplicated.
		second = self.order("retour@exemple.ca", "contract-again-02", civic="4514")
		self.assertEqual(
			frappe.db.get_value("Quotation", second["quotation"], "party_name"),
			frappe.db.get_value("Quotation", first["quotation"], "party_name"),
		)
		self.accept(self.token_of(second))
		again = frappe.get_doc("Web Order", second["order"])
		self.assertEqual(again.customer, customer)
		self.assertEqual(frappe.db.count("Service Location", {"customer": customer}), 2)
		self.assertNotEqual(
			again.sales_order, frappe.db.get_value("Web Order", first["order"], "sales_order")
		)
		# A phone-verified order giving an email another Lead holds keeps that Lead's email alone.
		third = self.order("+15145550111", "contract-again-03", civic="4516", email="retour@exemple.ca")
		lead = frappe.db.get_value("Quotation", third["quotation"], "party_name")
		self.assertEqual(frappe.db.get_value("Lead", lead, ["mobile_no", "email_id"]), ("+15145550111", None))

	def test_staff_accept_a_phone_order_for_the_customer(self):
		result = self.order("+15145550122", "contract-phone-01", civic="4516")
		method = API + "accept_for_client"
		with self.assertRaises(frappe.PermissionError):
			call_endpoint(method, order=result["order"], how_agreed="accord verbal au téléphone")
		with self.assertRaisesRegex(frappe.ValidationError, "how the customer agreed"):
			call_endpoint(method, user="Administrator", order=result["order"], how_agreed="ok")
		state = call_endpoint(
			method, user="Administrator", order=result["order"], how_agreed="accord verbal au téléphone"
		)
		self.assertEqual(state["contract_status"], "Signed")
		order = frappe.get_doc("Web Order", result["order"])
		quote = frappe.get_doc("Quotation", order.quotation)
		self.assertEqual((quote.docstatus, quote.gigafibre_contract_method), (1, "On Behalf"))
		self.assertEqual(quote.gigafibre_contract_reference, "Administrator: accord verbal au téléphone")
		self.assertEqual(quote.gigafibre_accepted_by, "Marie-Ève Tremblay")
		self.assertTrue(order.customer and order.sales_order and order.deposit_invoice)
		# The customer's own link now shows the signed order.
		self.assertEqual(self.open_contract(self.token_of(result))["contract_status"], "Signed")
		with self.assertRaises(frappe.DoesNotExistError):
			call_endpoint(method, user="Administrator", order="WO-99999", how_agreed="accord verbal")

	def test_what_the_customer_typed_is_escaped_in_the_contract(self):
		with self.assertRaisesRegex(frappe.ValidationError, "cannot contain < or >"):
			self.order("balise@exemple.ca", "contract-xss-000", civic="4516", first_name="<script>")
		result = self.order(
			"balise@exemple.ca", "contract-xss-001", civic="4516", first_name='Zoé & "Léa"', last_name="Roy"
		)
		# Kept as typed, escaped where it is shown.
		self.assertEqual(frappe.db.get_value("Web Order", result["order"], "first_name"), 'Zoé & "Léa"')
		token = self.token_of(result)
		html = self.open_contract(token)["contract_html"]
		self.assertIn("Zoé &amp; &#34;Léa&#34; Roy", html)
		# The typed signature is compared as typed too.
		self.assertEqual(self.accept(token, name='zoe & "lea" roy')["contract_status"], "Signed")
		# A template field holding markup stays text too (the contract is shown as HTML).
		order = frappe.get_doc("Web Order", result["order"])
		order.street = "<img src=x onerror=alert(1)>"
		self.assertIn("&lt;img src=x onerror=alert(1)&gt;", acceptance.render(order))

	def test_contract_page_renders_in_french(self):
		from frappe.website.serve import get_response_content

		result = self.order("page.contrat@exemple.ca", "contract-page-001", civic="4516")
		token = self.token_of(result)
		frappe.set_user("Guest")
		html = get_response_content(f"contract/{token}")
		self.assertIn("Contrat de service Internet résidentiel", html)
		self.assertIn('name="contract_hash"', html)
		refused = get_response_content("contract/not-a-token")
		self.assertIn("Lien refusé", refused)


class TestCommercialContract(ContractTestCase):
	def post_docuseal(self, payload: dict, secret: str | None = DOCUSEAL_SECRET):
		return post_raw(
			"gigafibre.api.webhooks.docuseal.receive",
			json.dumps(payload).encode(),
			{"X-Docuseal-Secret": secret} if secret else {},
			content_type="application/json",
		)

	def test_company_order_signed_through_docuseal(self):
		result = self.order(
			"+15145550166",
			"contract-b2b-0001",
			civic="4518",
			customer_type="Company",
			company_name="Boulangerie Saint-Denis inc.",
			email="Compta@Boulangerie.ca",
		)
		self.assertEqual(result["contract"]["method"], "DocuSeal")
		self.assertEqual(result["contract"]["status"], "Sent")
		self.assertRegex(result["contract"]["signing_url"], r"/s/slug\d+x0$")
		body = self.docuseal.requests[-1].json()
		self.assertEqual(body["template_id"], 7)
		self.assertEqual(body["submitters"][0]["email"], "compta@boulangerie.ca")
		self.assertEqual(body["submitters"][0]["external_id"], result["order"])
		self.assertIn("/contract/", body["completed_redirect_url"])
		order = frappe.get_doc("Web Order", result["order"])
		submission = int(order.docuseal_submission)
		# The residential acceptance does not apply to it.
		with self.assertRaisesRegex(frappe.ValidationError, "DocuSeal"):
			call_endpoint(
				API + "accept_contract",
				form={"token": self.token_of(result)},
				full_name="Marie-Ève Tremblay",
				agree="1",
				contract_hash="0" * 64,
			)

		event = self.docuseal_handler.completed_event(submission)
		with self.assertRaises(BadSignature):
			self.post_docuseal(event, secret="wrong")
		with self.assertRaises(BadSignature):
			self.post_docuseal(event, secret=None)
		self.assertFalse(frappe.db.exists("Webhook Event", {"source": "DocuSeal"}))
		self.assertEqual(self.post_docuseal(event), {"received": True, "replay": False})
		self.assertEqual(self.post_docuseal(event), {"received": True, "replay": True})
		stored = frappe.get_doc("Webhook Event", {"source": "DocuSeal"})
		self.assertEqual(stored.status, "Processed")

		order.reload()
		self.assertEqual((order.status, order.contract_status), ("Accepted", "Signed"))
		quote = frappe.get_doc("Quotation", order.quotation)
		self.assertEqual(quote.gigafibre_contract_method, "DocuSeal")
		self.assertEqual(quote.gigafibre_contract_reference, str(submission))
		self.assertEqual(quote.gigafibre_accepted_ip, "203.0.113.9")
		# 15:04:05 UTC, in the site's time zone (Montréal: 10:04:05).
		self.assertEqual(
			str(quote.gigafibre_accepted_at),
			str(convert_utc_to_system_timezone(datetime(2026, 11, 25, 15, 4, 5, tzinfo=timezone.utc)))[:19],
		)
		self.assertEqual(quote.gigafibre_contract_hash, __import__("hashlib").sha256(SIGNED_PDF).hexdigest())
		customer = frappe.get_doc("Customer", order.customer)
		self.assertEqual(
			(customer.customer_type, customer.customer_name), ("Company", "Boulangerie Saint-Denis inc.")
		)
		files = frappe.get_all(
			"File", filters={"attached_to_doctype": "Quotation", "attached_to_name": quote.name}, pluck="name"
		)
		content = frappe.get_doc("File", files[0]).get_content()
		self.assertEqual(content if isinstance(content, bytes) else content.encode(), SIGNED_PDF)
		self.assertEqual(
			frappe.get_all("Flow Run", filters={"flow_template": self.flow.name}, pluck="reference_name"),
			[quote.name],
		)
		self.assertTrue(order.payment_url)

	def test_docuseal_down_keeps_the_order_and_retries_on_the_next_submit(self):
		self.docuseal_handler.fail_with = 503
		try:
			first = self.order(
				"pme@exemple.ca",
				"contract-b2b-0002",
				civic="4518",
				customer_type="Company",
				company_name="PME inc.",
			)
		finally:
			self.docuseal_handler.fail_with = None
		self.assertEqual(first["status"], "Quoted")
		self.assertRegex(first["contract"]["error"], "DocuSeal")
		self.assertIsNone(first["contract"]["signing_url"])
		again = self.order("pme@exemple.ca", "contract-b2b-0002")
		self.assertTrue(again["contract"]["signing_url"])
		self.assertIsNone(again["contract"]["error"])
		self.assertEqual(again["quotation"], first["quotation"])

	def test_company_order_needs_a_name_and_an_email(self):
		with self.assertRaisesRegex(frappe.ValidationError, "name of the company"):
			self.order("+15145550155", "contract-b2b-0003", civic="4518", customer_type="Company")
		with self.assertRaisesRegex(frappe.ValidationError, "email address of the person who signs"):
			self.order(
				"+15145550155",
				"contract-b2b-0004",
				civic="4518",
				customer_type="Company",
				company_name="X inc.",
			)
		with self.assertRaisesRegex(frappe.ValidationError, "Individual or Company"):
			self.order("+15145550155", "contract-b2b-0005", civic="4518", customer_type="Coop")

	def test_declined_and_unknown_events(self):
		result = self.order(
			"refus@exemple.ca",
			"contract-b2b-0006",
			civic="4518",
			customer_type="Company",
			company_name="Refus inc.",
		)
		submission = int(frappe.db.get_value("Web Order", result["order"], "docuseal_submission"))
		self.post_docuseal(
			{
				"event_type": "form.declined",
				"data": {"submission_id": submission, "id": 1, "status": "declined"},
			}
		)
		self.assertEqual(frappe.db.get_value("Web Order", result["order"], "contract_status"), "Declined")
		self.post_docuseal({"event_type": "form.viewed", "data": {"submission_id": submission, "id": 2}})
		self.assertEqual(
			frappe.db.get_value("Webhook Event", {"event_type": "form.viewed"}, "status"), "Ignored"
		)
		with self.assertRaises(BadSignature):
			self.post_docuseal({"event_type": "form.completed"})


class TestInstallScheduled(ContractTestCase):
	"""From the web form to a scheduled install with nobody retyping: the seed flows do the rest."""

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		for title in ("Paiement reçu : installation et texto", "Contrat signé sans acompte : installation"):
			frappe.db.set_value("Flow Template", title, "enabled", 1)
		frappe.get_single("Gigafibre Settings").update({"stripe_webhook_secret": STRIPE_SECRET}).save()
		clear_cache()

	def otp_token(self, phone: str) -> str:
		call_endpoint(API + "request_otp", identifier=phone)
		code = re.search(r"\b([0-9]{6})\b", self.twilio.requests[-1].form()["Body"]).group(1)
		return call_endpoint(API + "verify_otp", identifier=phone, code=code)["token"]

	def install_jobs(self, customer: str) -> list:
		return frappe.get_all(
			"Dispatch Job",
			filters={"customer": customer, "job_type": "Install"},
			fields=["name", "status", "service_location", "source", "source_doctype"],
		)

	def test_paid_deposit_schedules_the_install(self):
		token = self.otp_token("+15145550144")
		result = self.order(None, "install-paid-0001", civic="4512", checkout_token=token)
		state = self.accept(self.token_of(result))
		order = frappe.get_doc("Web Order", result["order"])
		self.assertEqual(self.install_jobs(order.customer), [])  # not before the deposit is paid
		invoice = frappe.get_doc("Sales Invoice", state["deposit"]["invoice"])
		payload = stripe_event("checkout.session.completed", session_completed(invoice, "pi_install_paid_1"))
		post_webhook(payload, sign(payload, STRIPE_SECRET))
		self.assertEqual(flt(frappe.db.get_value("Sales Invoice", invoice.name, "outstanding_amount")), 0)
		jobs = self.install_jobs(order.customer)
		self.assertEqual(len(jobs), 1)
		self.assertEqual((jobs[0].service_location, jobs[0].source), (order.service_location, "Order"))
		self.assertTrue(self.open_contract(self.token_of(result))["deposit"]["paid"])
		# The seed flow texted the customer after the payment, in French.
		self.assertIn("paiement", self.twilio.requests[-1].form()["Body"])

	def test_contract_without_deposit_schedules_the_install_at_signature(self):
		result = self.order(
			"+15145550133", "install-nofee-0001", civic="4514", items=[{"item_code": "_Test Web Fibre 500"}]
		)
		self.accept(self.token_of(result))
		order = frappe.get_doc("Web Order", result["order"])
		jobs = self.install_jobs(order.customer)
		self.assertEqual(
			[(j.source_doctype, j.service_location) for j in jobs], [("Web Order", order.service_location)]
		)
		self.assertIn("contrat est signé", self.twilio.requests[-1].form()["Body"])


class TestExternalAddressSearch(ContractTestCase):
	def test_external_api_fills_in_when_ours_has_too_little(self):
		from gigafibre.tests.peers import Reply

		def address_api(request):
			return Reply(
				200,
				{
					"results": [
						{
							"civic_number": "7",
							"street": "boul. des Laurentides",
							"city": "Laval",
							"postal_code": "h7n1a1",
						},
						{
							"civic_number": "4510",
							"street": "rue Saint-Denis",
							"city": "Montréal",
							"postal_code": "H2J2L3",
						},
					]
				},
			)

		with LoopbackPeer(address_api) as peer:
			frappe.get_single("Gigafibre Settings").update(
				{"address_api_url": peer.url + "/search", "address_api_key": "addr-key"}
			).save()
			results = call_endpoint(API + "search_address", get=True, q="Laurentides")
			self.assertEqual(peer.requests[-1].query, {"q": ["Laurentides"]})
			self.assertEqual(peer.requests[-1].headers["authorization"], "Bearer addr-key")
		by_label = {r["label"]: r["status"] for r in results}
		# Ours says whether the network reaches what the external API found.
		self.assertEqual(by_label["4510 rue Saint-Denis, Montréal H2J 2L3"], "Serviceable")
		self.assertEqual(by_label["7 boul. des Laurentides, Laval H7N 1A1"], "Unknown")
		# The API gone: the search still answers, with what we have.
		self.assertEqual(call_endpoint(API + "search_address", get=True, q="Laurentides"), [])
