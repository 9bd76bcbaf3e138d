"""The customer portal: passwordless links, the Bearer session, and a customer's own records only."""

from typing import ClassVar
from unittest.mock import patch

import frappe
from frappe.auth import validate_auth
from frappe.handler import execute_cmd
from frappe.tests.utils import FrappeTestCase
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

from gigafibre.portal import links
from gigafibre.portal.auth import portal_user_of
from gigafibre.tests.peers import LoopbackPeer, Reply
from gigafibre.tests.utils import (
	SmsTestCase,
	call_endpoint,
	ensure_outgoing_email_account,
	make_submitted_invoice,
	test_customer,
)

API = "gigafibre.api.portal."


class TestPortal(SmsTestCase):
	calls = 0
	settings: ClassVar[dict] = {"portal_base_url": "https://portal.gigafibre.ca"}

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		ensure_outgoing_email_account()
		cls.alice = test_customer("_Test Portal Alice", mobile="+18195550161")
		frappe.db.set_value("Customer", cls.alice, "email_id", "alice@exemple.ca")
		cls.bob = test_customer("_Test Portal Bob", mobile="+18195550162")
		cls.alice_invoice = make_submitted_invoice(cls.alice, rate=80)
		cls.bob_invoice = make_submitted_invoice(cls.bob, rate=120)

	def tearDown(self):
		super().tearDown()
		frappe.local.portal_customer = None

	def call(self, method, session=None, get=False, **fields):
		# A fresh address per call: the per-IP rate limit is not what these tests are about.
		TestPortal.calls += 1
		frappe.local.flags.commit = False
		frappe.db.savepoint("portal_request")
		result = call_endpoint(
			API + method,
			get=get,
			headers={"Authorization": f"Bearer {session}"} if session else None,
			request_ip=f"127.9.{TestPortal.calls // 250}.{TestPortal.calls % 250}",
			form=fields,
		)
		# What frappe.app.sync_database does after a GET: its writes are dropped unless it asked
		# for a commit.
		if get and not frappe.local.flags.commit:
			frappe.db.rollback(save_point="portal_request")
		frappe.local.flags.commit = False
		return result

	def session_for(self, customer):
		token, _name = links.issue(customer, "SMS", "+18195550161")
		return self.call("exchange", token=token)["token"]

	def test_referral_card_gives_one_code_and_counts_credits(self):
		session = self.session_for(self.alice)
		card = self.call("referral", session=session, get=True)
		self.assertRegex(card["code"], r"^GF-[2-9A-HJKMNP-Z]{6}$")
		self.assertEqual(self.call("referral", session=session, get=True)["code"], card["code"])
		self.assertEqual(frappe.db.get_value("Customer", self.alice, "gigafibre_referral_code"), card["code"])
		checked = call_endpoint(
			"gigafibre.api.checkout.check_referral", get=True, form={"code": card["code"]}
		)
		self.assertTrue(checked["valid"], checked)
		self.assertEqual((card["referrals"], card["credited"], card["history"]), (0, 0, []))
		self.assertNotEqual(
			self.call("referral", session=self.session_for(self.bob), get=True)["code"], card["code"]
		)
		with self.assertRaises(frappe.PermissionError):
			self.call("referral", get=True)

	# ------------------------------------------------------------ links

	def test_same_answer_whether_or_not_a_customer_matches(self):
		sent_before = len(self.twilio.requests)
		known = self.call("request_link", identifier="819 555-0161")
		unknown = self.call("request_link", identifier="819 555-0199")
		self.assertEqual(known, unknown)
		sent = self.twilio.requests[sent_before:]
		self.assertEqual([r.form()["To"] for r in sent], ["+18195550161"], [r.form()["Body"] for r in sent])
		sms = sent[0]
		self.assertIn("https://portal.gigafibre.ca/#/?token=", sms.form()["Body"])
		with self.assertRaisesRegex(frappe.ValidationError, "email address or your mobile"):
			self.call("request_link", identifier="bonjour")

	def test_email_link_is_queued_in_french(self):
		frappe.local.lang = "fr"
		try:
			self.call("request_link", identifier="Alice@Exemple.ca")
		finally:
			frappe.local.lang = "en"
		queued = frappe.get_last_doc("Email Queue")
		self.assertIn("portal.gigafibre.ca/#/?token=", queued.message)
		self.assertEqual(
			frappe.db.get_value("Portal Link", {"customer": self.alice, "channel": "Email"}, "sent_to"),
			"alice@exemple.ca",
		)

	def test_per_identifier_limit_sends_nothing_more_but_answers_the_same(self):
		frappe.cache.delete_keys("gigafibre:portal-link-requests:")
		sent_before = len(self.twilio.requests)
		answers = {
			str(self.call("request_link", identifier="+1 819 555 0162"))
			for _ in range(links.PER_IDENTIFIER_PER_HOUR + 2)
		}
		self.assertEqual(len(answers), 1)
		self.assertEqual(len(self.twilio.requests) - sent_before, links.PER_IDENTIFIER_PER_HOUR)
		frappe.cache.delete_keys("gigafibre:portal-link-requests:")

	def test_a_link_opens_one_session_once(self):
		token, name = links.issue(self.alice, "SMS", "+18195550161")
		session = self.call("exchange", token=token)
		self.assertEqual(session["customer"], self.alice)
		self.assertTrue(frappe.db.get_value("Portal Link", name, "used_at"))
		with self.assertRaisesRegex(frappe.AuthenticationError, "already used"):
			self.call("exchange", token=token)
		with self.assertRaises(frappe.AuthenticationError):
			self.call("exchange", token="abc.def.ghi")

	# ------------------------------------------------------------ the session

	def test_bearer_session_speaks_for_its_customer(self):
		session = self.session_for(self.alice)
		dashboard = self.call("dashboard", session=session, get=True)
		# The customer's own user: a Website User without roles, not Bob's.
		user = portal_user_of(self.alice)
		self.assertEqual(frappe.session.user, user)
		self.assertEqual(frappe.db.get_value("User", user, "user_type"), "Website User")
		self.session_for(self.bob)
		self.assertNotEqual(portal_user_of(self.bob), user)
		self.assertEqual(frappe.get_all("Has Role", {"parent": user, "parenttype": "User"}), [])
		self.assertEqual(dashboard["customer"]["name"], self.alice)
		self.assertEqual(dashboard["balance"], 80)
		self.assertEqual(dashboard["next_invoice"]["name"], self.alice_invoice.name)

	def test_unknown_bearer_and_no_session_refused(self):
		with self.assertRaises(frappe.AuthenticationError):
			self.call("dashboard", session="not-a-portal-token", get=True)
		with self.assertRaises(frappe.PermissionError):
			self.call("dashboard", get=True)  # a guest: the method is not open to guests

	def test_revoking_the_link_ends_the_session(self):
		token, name = links.issue(self.bob, "SMS", "+18195550162")
		session = self.call("exchange", token=token)["token"]
		self.call("invoices", session=session, get=True)
		frappe.db.set_value("Portal Link", name, "revoked", 1)
		with self.assertRaises(frappe.AuthenticationError):
			self.call("invoices", session=session, get=True)

	def test_another_customers_invoice_is_not_found(self):
		session = self.session_for(self.alice)
		own = self.call("invoice", session=session, get=True, name=self.alice_invoice.name)
		self.assertEqual((own["name"], own["outstanding_amount"]), (self.alice_invoice.name, 80))
		with self.assertRaises(frappe.DoesNotExistError):
			self.call("invoice", session=session, get=True, name=self.bob_invoice.name)
		with self.assertRaises(frappe.DoesNotExistError):
			self.call("invoice", session=session, get=True, name="SINV-DOES-NOT-EXIST")
		self.assertEqual(
			[i["name"] for i in self.call("invoices", session=session, get=True)], [self.alice_invoice.name]
		)

	def test_invoice_pdf(self):
		session = self.session_for(self.alice)
		# Printing writes an Access Log and commits it: that would commit this test's records too.
		# wkhtmltopdf needs a served site to fetch the page's assets: the HTML it would get is checked.
		with (
			patch("frappe.www.printview.make_access_log"),
			patch("frappe.utils.pdf.get_pdf", return_value=b"%PDF-1.4 stub") as get_pdf,
		):
			self.call("invoice_pdf", session=session, get=True, name=self.alice_invoice.name)
		self.assertTrue(frappe.local.response.filecontent.startswith(b"%PDF"))
		self.assertIn(self.alice_invoice.name, get_pdf.call_args.args[0])
		with self.assertRaises(frappe.DoesNotExistError):
			self.call("invoice_pdf", session=session, get=True, name=self.bob_invoice.name)

	def test_tickets_open_reply_and_scope(self):
		alice = self.session_for(self.alice)
		opened = self.call(
			"open_ticket", session=alice, subject="Internet lent", message="Depuis hier soir <b>très</b> lent"
		)
		ticket = self.call(
			"reply_ticket", session=alice, name=opened["name"], message="Toujours lent ce matin"
		)
		self.assertEqual(ticket["subject"], "Internet lent")
		self.assertEqual(ticket["messages"][-1]["content"], "Toujours lent ce matin")
		self.assertIn(opened["name"], [t["name"] for t in self.call("tickets", session=alice, get=True)])
		bob = self.session_for(self.bob)
		with self.assertRaises(frappe.DoesNotExistError):
			self.call("ticket", session=bob, get=True, name=opened["name"])
		with self.assertRaises(frappe.ValidationError):
			self.call("open_ticket", session=alice, subject="", message="")

	def test_ticket_thread_starts_with_the_opening_message_as_written(self):
		alice = self.session_for(self.alice)
		first = "Bonjour,\nl'acompte <b>& le</b> reste"
		opened = self.call("open_ticket", session=alice, subject="Facture d'août", message=first)
		ticket = self.call("ticket", session=alice, get=True, name=opened["name"])
		self.assertEqual(ticket["subject"], "Facture d'août")
		self.assertEqual([m["content"] for m in ticket["messages"]], [first])
		ticket = self.call("reply_ticket", session=alice, name=opened["name"], message="J'ajoute « ceci »")
		self.assertEqual([m["content"] for m in ticket["messages"]], [first, "J'ajoute « ceci »"])
		self.assertEqual([m["sent_or_received"] for m in ticket["messages"]], ["Received", "Received"])
		# Staff read the HTML: what was written, escaped once.
		stored = [frappe.db.get_value("Communication", m["name"], "content") for m in ticket["messages"]]
		self.assertEqual(
			stored, ["Bonjour,<br>l'acompte &lt;b&gt;&amp; le&lt;/b&gt; reste", "J'ajoute « ceci »"]
		)

	def test_portal_messages_keep_their_apostrophes(self):
		from gigafibre.messaging.conversations import reply

		alice = self.session_for(self.alice)
		thread = self.call("send_message", session=alice, text="Je paie l'acompte demain")
		self.assertEqual(thread[-1]["content"], "Je paie l'acompte demain")
		self.assertEqual(
			frappe.db.get_value("Communication", thread[-1]["name"], "content"), "Je paie l'acompte demain"
		)
		issue = frappe.db.get_value("Issue", {"customer": self.alice, "gigafibre_channel": "Portal"})
		frappe.set_user("Administrator")
		reply(issue, "D'accord, merci & à demain")
		thread = self.call("messages", session=alice, get=True)
		self.assertEqual(thread[-1]["content"], "D'accord, merci & à demain")
		self.assertEqual(
			frappe.db.get_value("Communication", thread[-1]["name"], "content"),
			"D'accord, merci &amp; à demain",
		)

	def test_messages_thread_and_staff_reply(self):
		from gigafibre.messaging.conversations import reply

		alice = self.session_for(self.alice)
		self.assertEqual(self.call("messages", session=alice, get=True), [])
		thread = self.call("send_message", session=alice, text="Bonjour, mon modem clignote")
		self.assertEqual([m["content"] for m in thread], ["Bonjour, mon modem clignote"])
		issue = frappe.db.get_value("Issue", {"customer": self.alice, "gigafibre_channel": "Portal"})
		frappe.set_user("Administrator")
		reply(issue, "Débranchez-le 30 secondes, svp.")
		thread = self.call("messages", session=alice, get=True)
		self.assertEqual([m["sent_or_received"] for m in thread], ["Received", "Sent"])
		bob = self.session_for(self.bob)
		self.assertEqual(self.call("messages", session=bob, get=True), [])
		# A conversation is not a ticket.
		self.assertNotIn(issue, [t["name"] for t in self.call("tickets", session=alice, get=True)])
