"""The new customer's path in their language (issue #14): the code, the order and its contract
link, the Customer, the invoice, its print and the portal, through the HTTP endpoints as a guest
(Accept-Language) or a portal customer; mails read in the Email Queue. Background jobs run the
way a worker runs them: in the site's default language (English here), not the request's."""

import re
from typing import ClassVar
from unittest.mock import patch

import frappe

from gigafibre.portal import account, links
from gigafibre.tests.test_onboarding_contracts import ContractTestCase
from gigafibre.tests.utils import call_endpoint

CHECKOUT = "gigafibre.api.checkout."
PORTAL = "gigafibre.api.portal."
NBSP = "\u00a0"
_enqueue = frappe.enqueue


def worker_enqueue(method, **kwargs):
	"""frappe.enqueue, the job run the way a worker runs it: in English, whatever the request's."""
	lang = frappe.local.lang
	frappe.local.lang = "en"
	try:
		return _enqueue(method, **kwargs)
	finally:
		frappe.local.lang = lang


class TestCustomerPathInTheirLanguage(ContractTestCase):
	calls = 0
	settings: ClassVar[dict] = {"portal_base_url": "https://portal.gigafibre.ca"}

	def setUp(self):
		super().setUp()
		frappe.cache.delete_keys("gigafibre:portal-link-requests:")
		worker = patch("frappe.enqueue", side_effect=worker_enqueue)
		worker.start()
		self.addCleanup(worker.stop)

	def tearDown(self):
		super().tearDown()
		frappe.local.portal_customer = None

	def guest(self, method, language, get=False, session=None, **fields):
		TestCustomerPathInTheirLanguage.calls += 1
		headers = {"Accept-Language": language}
		if session:
			headers["Authorization"] = f"Bearer {session}"
		n = TestCustomerPathInTheirLanguage.calls
		return call_endpoint(
			method, get=get, headers=headers, request_ip=f"127.14.{n // 250}.{n % 250}", form=fields
		)

	def mail_to(self, recipient: str, subject: str = "", after: set | None = None):
		"""The last mail queued for this address whose subject starts so (and not among `after`,
		the names seen before): (subject, html body)."""
		found = [m for m in self.mails(recipient) if m[1].startswith(subject) and m[0] not in (after or ())]
		self.assertTrue(found, f"no mail queued for {recipient} starting {subject!r}")
		return found[-1][1:]

	def mails(self, recipient: str) -> list[tuple[str, str, str]]:
		"""(Email Queue name, subject, html body) of every mail queued for this address."""
		from email import message_from_string, policy

		queues = frappe.get_all("Email Queue Recipient", filters={"recipient": recipient}, pluck="parent")
		mails = []
		for row in frappe.get_all(
			"Email Queue",
			filters={"name": ("in", queues or [""])},
			fields=["name", "message"],
			order_by="creation asc",
		):
			parsed = message_from_string(row.message, policy=policy.default)
			body = parsed.get_body(("html",)) or parsed.get_body(("plain",))
			mails.append((row.name, str(parsed["Subject"]), body.get_content()))
		return mails

	def checkout(self, email: str, language: str) -> str:
		"""The real code by email, then its checkout token."""
		before = {m[0] for m in self.mails(email)}
		self.guest(CHECKOUT + "request_otp", language, identifier=email)
		subject, _body = self.mail_to(email, after=before)
		code = re.search(r"([0-9]{6})", subject).group(1)
		return self.guest(CHECKOUT + "verify_otp", language, identifier=email, code=code)["token"]

	def place_and_sign(self, email: str, language: str, key: str, civic: str):
		token = self.checkout(email, language)
		result = self.guest(
			CHECKOUT + "order",
			language,
			checkout_token=token,
			order_key=key,
			items=frappe.as_json([{"item_code": "_Test Web Fibre 500"}, {"item_code": "_Test Web Install"}]),
			first_name="Marie-Ève",
			last_name="Tremblay",
			civic_number=civic,
			street="St-Denis",
			city="Montréal",
			postal_code="h2j 2l3",
		)
		order_mail = self.mail_to(
			email, subject="Votre commande" if language.startswith("fr") else "Your Gigafibre order"
		)
		contract = result["contract"]["url"].split("/contract/")[1]
		shown = self.guest(CHECKOUT + "contract", language, get=True, token=contract)
		self.guest(
			CHECKOUT + "accept_contract",
			language,
			token=contract,
			full_name="Marie-Ève Tremblay",
			agree="1",
			contract_hash=shown["contract_hash"],
		)
		order = frappe.get_doc("Web Order", result["order"])
		return result, order, order_mail

	def portal_session(self, customer: str) -> str:
		token, _name = links.issue(customer, "Email", "x@exemple.ca")
		return self.guest(PORTAL + "exchange", "en-US", token=token)["token"]

	def printed(self, customer: str, invoice: str) -> str:
		# Printing writes an Access Log and commits it: that would commit this test's records too.
		from html import unescape

		with patch("frappe.www.printview.make_access_log"):
			return unescape(account.invoice_pdf(customer, invoice, as_pdf=False))

	def test_a_french_household_reads_french_from_the_code_to_the_invoice(self):
		email = "marie.francais@exemple.ca"
		catalog = self.guest(CHECKOUT + "catalog", "fr-CA,fr;q=0.9,en;q=0.5", get=True)
		self.assertIn("Internet fibre 500 Mbit/s", [p["name"] for p in catalog["plans"]])
		self.assertIn("Frais d'installation", [f["name"] for f in catalog["fees"]])

		self.guest(CHECKOUT + "request_otp", "fr-CA", identifier=email)
		subject, body = self.mail_to(email, subject="Votre code")
		self.assertRegex(subject, r"^Votre code de vérification Gigafibre : [0-9]{6}$")
		self.assertIn("Bonjour,", body)
		self.assertRegex(body, r"Votre code de vérification Gigafibre est <b>[0-9]{6}</b>\. Il est valide")
		self.assertIn("Si vous ne l'avez pas demandé", body)

		result, order, (subject, body) = self.place_and_sign(email, "fr-CA", "lang-fr-order-01", "4512")
		self.assertEqual(order.language, "fr")
		self.assertEqual(frappe.db.get_value("Lead", order.lead, "language"), "fr")
		names = {"Internet fibre 500 Mbit/s", "Frais d'installation"}
		self.assertEqual({i["name"] for i in result["items"]}, names)
		self.assertEqual(subject, f"Votre commande Gigafibre {order.name}")
		self.assertIn("Bonjour Marie-Ève,", body)
		self.assertIn("Merci de votre commande. Lisez et signez votre contrat ici", body)
		self.assertNotIn("Thank you", body)

		# Signed: the Customer speaks French, and every document names the items as the catalog did.
		self.assertEqual(order.contract_status, "Signed")
		self.assertEqual(frappe.db.get_value("Customer", order.customer, "language"), "fr")
		self.assertEqual(
			set(frappe.get_all("Quotation Item", {"parent": order.quotation}, pluck="item_name")), names
		)
		self.assertEqual(
			set(frappe.get_all("Sales Order Item", {"parent": order.sales_order}, pluck="item_name")), names
		)

		# The portal: the link comes in the customer's language, whatever this browser asks for.
		self.guest(PORTAL + "request_link", "en-US", identifier=email)
		subject, body = self.mail_to(email, subject="Votre lien")
		self.assertEqual(subject, "Votre lien vers le portail client Gigafibre")
		self.assertIn("Voici votre lien vers le portail client Gigafibre", body)
		session = self.portal_session(order.customer)
		invoice = self.guest(
			PORTAL + "invoice", "en-US", get=True, session=session, name=order.deposit_invoice
		)
		self.assertEqual([i["item_name"] for i in invoice["items"]], ["Frais d'installation"])

		# Its print: French labels, the total (not a rounded total of 0) and its amount in words.
		html = self.printed(order.customer, order.deposit_invoice)
		for text in (
			"Facture",
			"Qté",
			"Prix unitaire",
			"Sous-total",
			"Frais d'installation",
			"Montant en lettres",
		):
			self.assertIn(text, html)
		self.assertIn(f"114,96{NBSP}$", html)
		self.assertIn("Cent quatorze dollars et quatre-vingt-seize cents", html)
		for english in ("Rounded Total", "Grand Total", "In Words", "Installation<", "0,00"):
			self.assertNotIn(english, html)
		self.assertNotIn(">1.0<", html)

	def test_an_english_household_reads_english(self):
		email = "mary.english@exemple.ca"
		self.guest(CHECKOUT + "request_otp", "en-US,en;q=0.8", identifier=email)
		subject, body = self.mail_to(email, subject="Your Gigafibre verification")
		self.assertRegex(subject, r"^Your Gigafibre verification code: [0-9]{6}$")
		self.assertIn("Hello,</p>", body)

		result, order, (subject, body) = self.place_and_sign(email, "en-US", "lang-en-order-01", "4514")
		self.assertEqual(order.language, "en")
		self.assertEqual({i["name"] for i in result["items"]}, {"Fibre Internet 500 Mbps", "Installation"})
		self.assertEqual(subject, f"Your Gigafibre order {order.name}")
		self.assertIn("Thank you for your order.", body)
		self.assertEqual(frappe.db.get_value("Customer", order.customer, "language"), "en")
		html = self.printed(order.customer, order.deposit_invoice)
		for text in ("Invoice", "Qty", "Amount in words", "$114.96"):
			self.assertIn(text, html)
		self.assertIn("One hundred and fourteen dollars and ninety-six cents", html)
		self.assertNotIn("Facture", html)

	def test_a_browser_that_names_no_language_gets_french(self):
		call_endpoint(
			CHECKOUT + "request_otp", request_ip="127.14.250.1", identifier="sans.langue@exemple.ca"
		)
		self.assertRegex(
			self.mail_to("sans.langue@exemple.ca", subject="Votre code")[0],
			r"^Votre code de vérification Gigafibre : [0-9]{6}$",
		)

	def test_a_customer_without_a_language_is_written_to_in_french(self):
		from gigafibre.messaging.language import recipient_language
		from gigafibre.tests.utils import test_customer

		customer = test_customer("_Test Langue Inconnue")
		frappe.db.set_value("Customer", customer, {"language": None, "email_id": "inconnu@exemple.ca"})
		self.assertEqual(recipient_language(customer=customer), "fr")
		self.guest(PORTAL + "request_link", "en-US", identifier="inconnu@exemple.ca")
		self.assertEqual(
			self.mail_to("inconnu@exemple.ca", subject="Votre lien")[0],
			"Votre lien vers le portail client Gigafibre",
		)
		# A language we do not write in counts as none.
		frappe.db.set_value("Customer", customer, "language", "es")
		self.assertEqual(recipient_language(customer=customer, fallback="en"), "en")
