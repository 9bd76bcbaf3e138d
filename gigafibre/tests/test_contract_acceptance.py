"""What an acceptance does not wait for, through the HTTP endpoints: the PDF made afterwards (a
failing wkhtmltopdf never refuses a signature), the customer's copy by email and in the portal,
the deposit's Stripe page in the background, and what a guest must never read (another customer's
name). Also the checkout token's message, quantities as written and the deposit's remark."""

import json
from datetime import datetime, timedelta, timezone
from unittest.mock import patch

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils import add_to_date, get_datetime

from gigafibre.auth import magic_link
from gigafibre.auth.service import link_secret
from gigafibre.onboarding import contract_document, otp_service
from gigafibre.portal import links
from gigafibre.portal.contracts import PdfNotReady
from gigafibre.tests.test_onboarding_contracts import API, ContractTestCase, fake_pdf
from gigafibre.tests.utils import call_endpoint, make_submitted_invoice, test_customer

PORTAL = "gigafibre.api.portal."


def no_wkhtmltopdf(*args, **kwargs):
	raise OSError("No wkhtmltopdf executable found: \"b''\"")


def fresh_french() -> None:
	"""This app's French rows as they are now (the site caches the merged translations)."""
	from frappe.translate import MERGED_TRANSLATION_KEY

	frappe.cache.hdel(MERGED_TRANSLATION_KEY, "fr")


class TestAcceptanceFirst(ContractTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		fresh_french()

	def portal(self, method, customer, **fields):
		token, _name = links.issue(customer, "SMS", "+15145550101")
		session = call_endpoint(PORTAL + "exchange", form={"token": token})["token"]
		return call_endpoint(
			PORTAL + method, get=True, headers={"Authorization": f"Bearer {session}"}, form=fields
		)

	def copies_to(self, address: str, quotation: str) -> list:
		"""The copies of this quotation's signed contract mailed to `address` (not the contract link)."""
		parents = frappe.get_all("Email Queue Recipient", filters={"recipient": address}, pluck="parent")
		return frappe.get_all(
			"Email Queue",
			filters={
				"name": ("in", parents or [""]),
				"reference_doctype": "Quotation",
				"reference_name": quotation,
			},
			fields=["name", "message", "attachments", "reference_name"],
		)

	def test_pdf_failure_keeps_the_signature_then_the_sweep_makes_it_and_sends_the_copy(self):
		result = self.order("copie.contrat@exemple.ca", "accept-pdf-0001", civic="4514")
		token = self.token_of(result)
		with patch("frappe.utils.pdf.get_pdf", no_wkhtmltopdf):
			state = self.accept(token, name="Marie-Ève Tremblay")
		# Recorded: name, time, IP and hash on the submitted quotation, whatever wkhtmltopdf did.
		self.assertEqual(state["contract_status"], "Signed")
		order = frappe.get_doc("Web Order", result["order"])
		# The copy goes in the customer's language (ERPNext gave them the site's).
		frappe.db.set_value("Customer", order.customer, "language", "fr")
		quote = frappe.get_doc("Quotation", order.quotation)
		self.assertEqual((quote.docstatus, quote.gigafibre_accepted_ip), (1, "203.0.113.7"))
		self.assertEqual(quote.gigafibre_accepted_by, "Marie-Ève Tremblay")
		self.assertEqual(len(quote.gigafibre_contract_hash), 64)
		# What is missing shows on the Quotation, with why.
		self.assertEqual(quote.gigafibre_contract_pdf_status, "Failed")
		self.assertIn("wkhtmltopdf", quote.gigafibre_contract_pdf_error)
		self.assertFalse(contract_document.attached(quote))
		self.assertEqual(self.copies_to("copie.contrat@exemple.ca", quote.name), [])

		# The portal lists the contract and says, in French, that its PDF is on its way (503).
		listed = self.portal("contracts", order.customer)
		# (the same household may have signed before, in an earlier run a site kept)
		self.assertIn((order.name, False), [(c["name"], c["pdf_ready"]) for c in listed])
		with self.assertRaises(PdfNotReady) as refused:
			self.portal("contract_pdf", order.customer, name=order.name)
		self.assertEqual(refused.exception.http_status_code, 503)
		self.assertIn("en préparation", str(refused.exception))

		# The hourly sweep, once the grace period is over and wkhtmltopdf works again.
		frappe.db.set_value(
			"Quotation",
			quote.name,
			"gigafibre_accepted_at",
			add_to_date(get_datetime(quote.gigafibre_accepted_at), minutes=-15),
		)
		with patch.object(frappe.db, "commit"), patch("frappe.utils.pdf.get_pdf", fake_pdf):
			from gigafibre.tasks import finish_signed_contracts

			finish_signed_contracts()
		quote.reload()
		self.assertEqual(
			(quote.gigafibre_contract_pdf_status, quote.gigafibre_contract_pdf_error), ("Made", None)
		)
		file = contract_document.attached(quote)
		content = file.get_content()
		content = content if isinstance(content, bytes) else content.encode()
		# The very text accepted, with the acceptance record (in French) under it.
		self.assertTrue(content.startswith(b"%PDF"))
		self.assertIn(quote.gigafibre_contract_text.encode(), content)
		self.assertIn(b"203.0.113.7", content)
		self.assertIn(b"Adresse IP", content)  # the record's labels, in French

		# The copy the contract promises: once, in French, the PDF attached.
		mails = self.copies_to("copie.contrat@exemple.ca", quote.name)
		self.assertEqual(len(mails), 1)
		self.assertIn("Voici une copie du contrat", mails[0].message)
		self.assertEqual(json.loads(mails[0].attachments)[0]["fid"], file.name)
		self.assertTrue(quote.gigafibre_contract_copy_sent_at)
		with patch.object(frappe.db, "commit"):
			contract_document.make(order.name)
		self.assertEqual(len(self.copies_to("copie.contrat@exemple.ca", quote.name)), 1)

		# Now the portal hands it out — to this customer only.
		frappe.set_user("Administrator")
		other = test_customer("_Test Contract Other Customer")
		self.portal("contract_pdf", order.customer, name=order.name)
		self.assertEqual(frappe.local.response.filecontent, content)
		self.assertEqual(frappe.local.response.type, "pdf")
		ready = {c["name"]: c["pdf_ready"] for c in self.portal("contracts", order.customer)}
		self.assertTrue(ready[order.name])
		with self.assertRaises(frappe.DoesNotExistError):
			self.portal("contract_pdf", other, name=order.name)
		self.assertEqual(self.portal("contracts", other), [])

	def test_signing_with_an_existing_customers_name_tells_the_guest_nothing(self):
		existing = test_customer("Rosalie Homonyme")
		result = self.order(
			"homonyme@exemple.ca",
			"accept-name-0001",
			civic="4516",
			first_name="Rosalie",
			last_name="Homonyme",
		)
		frappe.clear_messages()
		self.accept(self.token_of(result), name="rosalie homonyme")
		# Nothing ERPNext said while making the records reaches the guest (_server_messages).
		self.assertEqual(frappe.local.message_log, [])
		customer = frappe.get_doc("Customer", frappe.db.get_value("Web Order", result["order"], "customer"))
		# Staff tell the two apart by the service address's postal code, not by "- 1".
		self.assertEqual(customer.name, "Rosalie Homonyme - H2J 2L3")
		self.assertEqual(customer.customer_name, "Rosalie Homonyme")
		self.assertNotEqual(customer.name, existing)

	def test_payment_page_is_made_after_the_acceptance(self):
		result = self.order("+15145550199", "accept-stripe-001", civic="4518")
		token = self.token_of(result)
		shown = self.open_contract(token)["contract_hash"]
		sessions = len([r for r in self.stripe.requests if r.path == "/v1/checkout/sessions"])
		frappe.flags.gigafibre_jobs_inline = False
		try:
			with patch("frappe.enqueue") as enqueue:
				state = self.accept(token, shown=shown)
		finally:
			frappe.flags.gigafibre_jobs_inline = True
		# The answer: signed, the rest being prepared; nothing asked of Stripe, no invoice yet.
		stripe_sessions = [r for r in self.stripe.requests if r.path == "/v1/checkout/sessions"]
		self.assertEqual(len(stripe_sessions), sessions)
		self.assertEqual(
			(state["contract_status"], state["preparing"], state["deposit"]), ("Signed", True, None)
		)
		quote = frappe.db.get_value("Quotation", result["quotation"], ["docstatus", "gigafibre_accepted_ip"])
		self.assertEqual(quote, (1, "203.0.113.7"))
		self.assertFalse(frappe.db.get_value("Web Order", result["order"], "sales_order"))
		jobs = {c.args[0]: c.kwargs for c in enqueue.call_args_list}
		self.assertTrue(jobs["gigafibre.onboarding.acceptance.fulfil"]["enqueue_after_commit"])
		self.assertEqual(jobs["gigafibre.onboarding.acceptance.fulfil"]["order_name"], result["order"])
		self.assertTrue(self.open_contract(token)["preparing"])  # the page polls meanwhile

		# The jobs, run here as a worker would: the records, then the PDF and the payment page.
		from gigafibre.onboarding.acceptance import fulfil, make_payment_page

		with patch("frappe.enqueue") as enqueue:
			fulfil(result["order"])
		order = frappe.get_doc("Web Order", result["order"])
		self.assertEqual(order.status, "Accepted")
		self.assertTrue(order.customer and order.sales_order and order.deposit_invoice)
		jobs = {c.args[0]: c.kwargs for c in enqueue.call_args_list}
		for method in (
			"gigafibre.onboarding.acceptance.make_payment_page",
			"gigafibre.onboarding.contract_document.make",
		):
			self.assertTrue(jobs[method]["enqueue_after_commit"], method)
			self.assertEqual(jobs[method]["order_name"], result["order"])
		page = self.open_contract(token)
		self.assertFalse(page["preparing"])
		self.assertTrue(page["deposit"]["payment_pending"])  # without asking Stripe itself
		stripe_sessions = [r for r in self.stripe.requests if r.path == "/v1/checkout/sessions"]
		self.assertEqual(len(stripe_sessions), sessions)
		make_payment_page(result["order"])
		page = self.open_contract(token)
		self.assertEqual(page["deposit"]["payment_url"], "https://checkout.stripe.com/c/pay/cs_test_bench")
		self.assertFalse(page["deposit"]["payment_pending"])
		frappe.local.flags.commit = False

	def test_payment_page_on_demand_when_the_job_was_lost(self):
		result = self.order("+15145550198", "accept-stripe-002", civic="4518")
		token = self.token_of(result)
		shown = self.open_contract(token)["contract_hash"]
		frappe.flags.gigafibre_jobs_inline = False
		try:
			with patch("frappe.enqueue"):
				self.accept(token, shown=shown)
		finally:
			frappe.flags.gigafibre_jobs_inline = True
		frappe.cache.delete_value("gigafibre:order-fulfilling:" + result["order"])
		page = self.open_contract(token)
		order = frappe.get_doc("Web Order", result["order"])
		self.assertEqual(order.status, "Accepted")
		self.assertTrue(order.sales_order and order.deposit_invoice)
		self.assertEqual(page["deposit"]["payment_url"], "https://checkout.stripe.com/c/pay/cs_test_bench")
		# A GET is rolled back by Frappe: this one keeps the page it made (Stripe has it now).
		self.assertTrue(frappe.local.flags.commit)
		frappe.local.flags.commit = False

	def test_checkout_token_quantities_and_the_deposit_remark(self):
		expired = magic_link.issue(
			link_secret(),
			"+15145550197",
			otp_service.CHECKOUT_SCOPE,
			datetime.now(timezone.utc) - timedelta(hours=2),
			timedelta(minutes=30),
		)[0]
		with self.assertRaisesRegex(frappe.AuthenticationError, "verification has expired.*new code"):
			self.order(None, "accept-misc-0001", checkout_token=expired)
		frappe.local.lang = "fr"
		with self.assertRaisesRegex(frappe.AuthenticationError, "Demandez un nouveau code"):
			self.order(None, "accept-misc-0001", checkout_token="pas-un-jeton")
		frappe.local.lang = "en"
		result = self.order("+15145550197", "accept-misc-0002", civic="4512")
		self.assertEqual([i["qty"] for i in result["items"]], [1, 1])
		self.assertTrue(all(isinstance(i["qty"], int) for i in result["items"]))
		html = self.open_contract(self.token_of(result))["contract_html"]
		self.assertNotIn("1.0<", html)
		self.assertIn("<td>1</td>", html)
		self.accept(self.token_of(result))
		deposit = frappe.db.get_value("Web Order", result["order"], "deposit_invoice")
		self.assertIn(result["order"], frappe.db.get_value("Sales Invoice", deposit, "remarks"))


class TestInvoicePdfUnavailable(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		fresh_french()

	def tearDown(self):
		frappe.set_user("Administrator")
		frappe.local.request = None

	def test_invoice_pdf_answers_a_french_503(self):
		customer = test_customer("_Test Invoice PDF Customer")
		invoice = make_submitted_invoice(customer, rate=50)
		token, _name = links.issue(customer, "SMS", "+15145550102")
		session = call_endpoint(PORTAL + "exchange", form={"token": token})["token"]
		with patch("frappe.utils.pdf.get_pdf", no_wkhtmltopdf), patch("frappe.www.printview.make_access_log"):
			with self.assertRaises(PdfNotReady) as refused:
				call_endpoint(
					PORTAL + "invoice_pdf",
					get=True,
					headers={"Authorization": f"Bearer {session}"},
					form={"name": invoice.name},
				)
		self.assertEqual(refused.exception.http_status_code, 503)
		self.assertIn("Réessayez dans quelques minutes", str(refused.exception))
