"""Twilio and 3CX webhooks through the real endpoints, into conversations on Issue + Communication."""

import base64
import hashlib
import hmac
import itertools
import json
from unittest.mock import patch

import frappe
from frappe.tests.utils import FrappeTestCase

from gigafibre.api.voice import BadVoiceSignature
from gigafibre.errors import ServiceError
from gigafibre.messaging import conversations, recipients
from gigafibre.messaging.service import send_sms, sms_client
from gigafibre.messaging.setup import ensure_custom_fields
from gigafibre.tests.peers import LoopbackPeer, Reply
from gigafibre.tests.utils import call_endpoint, ensure_outgoing_email_account, post_raw, test_customer
from gigafibre.webhooks.intake import BadSignature

TWILIO_SID = "AC" + "2" * 32
TOKEN = "messaging-test-auth-token"
PUBLIC = "https://erp.gigafibre.test"
FROM = "+15145550100"
PBX_SECRET = "pbx-shared-secret"
SMS = "gigafibre.api.webhooks.twilio.sms"
STATUS = "gigafibre.api.webhooks.twilio.status"
SIDS = itertools.count(1)
# TEST-NET-1: rate-limit counters apart from the other tests hitting this site from 127.0.0.1.
TEST_IP = "192.0.2.10"


def message_sid() -> str:
	return f"SM{next(SIDS):032d}"


def twilio_created(request):
	form = request.form()
	return Reply(201, {"sid": message_sid(), "status": "queued", "to": form["To"], "from": form["From"]})


def twilio_signature(token: str, url: str, params: dict) -> str:
	"""As Twilio signs: the URL, then each POST parameter sorted by name (name + value), HMAC-SHA1, base64."""
	data = url + "".join(name + params[name] for name in sorted(params))
	return base64.b64encode(hmac.new(token.encode(), data.encode(), hashlib.sha1).digest()).decode()


def post(method: str, data: dict, headers: dict | None = None, query: str = ""):
	"""A guest POST of form fields, as Twilio sends them."""
	return post_raw(method, data, headers, query=query, request_ip=TEST_IP)


def twilio_post(method: str, params: dict, token: str = TOKEN, url: str | None = None, signature=None):
	url = url or f"{PUBLIC}/api/method/{method}"
	headers = {"X-Twilio-Signature": signature or twilio_signature(token, url, params)}
	return post(method, params, headers)


def inbound(sender: str, body: str, sid: str | None = None):
	return twilio_post(
		SMS,
		{
			"AccountSid": TWILIO_SID,
			"MessageSid": sid or message_sid(),
			"From": sender,
			"To": FROM,
			"Body": body,
			"NumMedia": "0",
		},
	)


def messages(issue: str) -> list:
	return frappe.get_all(
		"Communication",
		filters={"reference_doctype": "Issue", "reference_name": issue},
		fields=["name", "text_content", "sent_or_received", "communication_medium", "phone_no", "message_id"],
		order_by="creation asc",
	)


class TestMessaging(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		ensure_custom_fields()  # DDL: commits, so before anything the class rolls back
		frappe.flags.gigafibre_jobs_inline = True
		cls.twilio = LoopbackPeer(twilio_created).__enter__()
		settings = frappe.get_single("Gigafibre Settings")
		settings.update(
			{
				"twilio_account_sid": TWILIO_SID,
				"twilio_auth_token": TOKEN,
				"twilio_from_number": FROM,
				"twilio_public_url": PUBLIC + "/",
				"twilio_api_base": cls.twilio.url,
			}
		)
		cls.has_pbx_secret = settings.meta.has_field("pbx_webhook_secret")
		if cls.has_pbx_secret:
			settings.pbx_webhook_secret = PBX_SECRET
		settings.save()
		# Seed flows react to new Issues; these tests look at conversations only.
		for name in frappe.get_all("Flow Template", filters={"enabled": 1}, pluck="name"):
			frappe.db.set_value("Flow Template", name, "enabled", 0)
		from gigafibre.flows.runner import clear_cache

		clear_cache()
		cls.customer = test_customer("_Test Messaging Customer", mobile="873 555-0181")

	@classmethod
	def tearDownClass(cls):
		frappe.flags.gigafibre_jobs_inline = False
		cls.twilio.__exit__(None, None, None)
		super().tearDownClass()
		frappe.clear_document_cache("Gigafibre Settings", "Gigafibre Settings")

	def setUp(self):
		frappe.set_user("Administrator")
		self.twilio.requests.clear()

	def test_inbound_sms_lands_on_the_customers_sms_thread(self):
		sid = message_sid()
		response = inbound("+18735550181", "Bonjour, plus d'internet depuis ce matin", sid)
		self.assertEqual(response.status_code, 200)
		self.assertEqual(response.mimetype, "text/xml")
		self.assertIn(b"<Response", response.get_data())

		event = frappe.get_doc("Webhook Event", {"source": "Twilio", "event_id": sid})
		self.assertEqual(event.status, "Processed", event.error)
		issue = conversations.open_thread(self.customer, "SMS", "+18735550181")
		self.assertTrue(issue)
		thread = frappe.get_doc("Issue", issue)
		self.assertEqual((thread.customer, thread.gigafibre_channel), (self.customer, "SMS"))
		self.assertEqual(thread.gigafibre_contact, "+18735550181")
		(first,) = messages(issue)
		self.assertEqual(first.text_content, "Bonjour, plus d'internet depuis ce matin")
		self.assertEqual((first.sent_or_received, first.communication_medium), ("Received", "SMS"))
		self.assertEqual((first.phone_no, first.message_id), ("+18735550181", sid))
		links = frappe.get_all(
			"Communication Link", filters={"parent": first.name}, fields=["link_doctype", "link_name"]
		)
		self.assertIn({"link_doctype": "Customer", "link_name": self.customer}, [dict(r) for r in links])

		# A second SMS joins the same thread; a replayed delivery adds nothing.
		inbound("+18735550181", "C'est revenu, merci")
		inbound("+18735550181", "Bonjour, plus d'internet depuis ce matin", sid)
		self.assertEqual(conversations.open_thread(self.customer, "SMS", "+18735550181"), issue)
		self.assertEqual(
			[m.text_content for m in messages(issue)],
			["Bonjour, plus d'internet depuis ce matin", "C'est revenu, merci"],
		)

	def test_unknown_number_gets_a_thread_without_customer(self):
		inbound("+18735550199", "Qui êtes-vous?")
		issue = conversations.open_thread(None, "SMS", "+18735550199")
		self.assertTrue(issue)
		self.assertFalse(frappe.db.get_value("Issue", issue, "customer"))

	def test_customer_found_by_contact_and_service_location_phones(self):
		by_contact = test_customer("_Test Messaging Contact Customer")
		# ERPNext's Contact after_insert (link_existing_conversations) commits; the test must not.
		with patch("erpnext.telephony.doctype.call_log.call_log.link_existing_conversations"):
			contact = frappe.get_doc(
				{
					"doctype": "Contact",
					"first_name": "Julie",
					"phone_nos": [{"phone": "(873) 555-0182", "is_primary_mobile_no": 1}],
					"links": [{"link_doctype": "Customer", "link_name": by_contact}],
				}
			).insert()
		self.assertTrue(contact.name)
		self.assertEqual(recipients.find_customer_by_phone("+18735550182"), by_contact)

		by_location = test_customer("_Test Messaging Location Customer")
		frappe.get_doc(
			{
				"doctype": "Service Location",
				"customer": by_location,
				"address_line1": "1 rue Test",
				"city": "Laval",
				"postal_code": "H7N 1A1",
				"contacts": [{"contact_name": "Concierge", "phone": "873-555-0183"}],
			}
		).insert()
		self.assertEqual(recipients.find_customer_by_phone("+18735550183"), by_location)
		self.assertEqual(recipients.find_customer_by_phone("+18735550181"), self.customer)
		self.assertIsNone(recipients.find_customer_by_phone("+18735550184"))

	def test_bad_signatures_are_refused_and_nothing_is_stored(self):
		sid = message_sid()
		params = {"MessageSid": sid, "From": "+18735550181", "To": FROM, "Body": "faux"}
		internal = f"http://localhost/api/method/{SMS}"
		for kwargs in (
			{"token": "not-the-token"},
			{"url": internal},  # signed for our internal URL, not the public one Twilio calls
			{"signature": "bm90IGEgc2lnbmF0dXJl"},
		):
			with self.subTest(**kwargs), self.assertRaises(BadSignature):
				twilio_post(SMS, params, **kwargs)
		with self.assertRaises(BadSignature):
			post(SMS, params)  # no signature header at all
		tampered = twilio_signature(TOKEN, f"{PUBLIC}/api/method/{SMS}", params)
		with self.assertRaises(BadSignature):
			twilio_post(SMS, {**params, "Body": "STOP"}, signature=tampered)
		self.assertFalse(frappe.db.exists("Webhook Event", {"source": "Twilio", "event_id": sid}))
		self.assertEqual(BadSignature.http_status_code, 400)

	def test_stop_records_the_opt_out_and_refuses_outbound_sms(self):
		inbound("+18735550181", "ARRÊT")
		self.assertEqual(frappe.db.get_value("Customer", self.customer, "gigafibre_sms_opt_out"), 1)
		for send in (
			lambda: send_sms("873 555-0181", "Promo"),
			lambda: sms_client().send("+18735550181", "x"),
		):
			with self.assertRaises(ServiceError) as err:
				send()
			self.assertIn("STOP", str(err.exception))
		self.assertEqual(self.twilio.requests, [])
		# A staff reply on the thread is refused too, and leaves no Communication behind.
		issue = conversations.open_thread(self.customer, "SMS", "+18735550181")
		before = len(messages(issue))
		with self.assertRaises(frappe.ValidationError) as err:
			conversations.reply(issue, "Vous êtes là?")
		self.assertIn("STOP", str(err.exception))
		self.assertEqual(len(messages(issue)), before)
		self.assertEqual(self.twilio.requests, [])

		inbound("+18735550181", "start")
		self.assertEqual(frappe.db.get_value("Customer", self.customer, "gigafibre_sms_opt_out"), 0)
		self.assertTrue(send_sms("873 555-0181", "Bonjour de retour").sid.startswith("SM"))
		self.assertEqual(len(self.twilio.requests), 1)

	def test_staff_reply_leaves_by_sms_and_status_callbacks_update_it(self):
		inbound("+18735550181", "Mon modem clignote rouge")
		issue = conversations.open_thread(self.customer, "SMS", "+18735550181")
		result = call_endpoint(
			"gigafibre.api.conversations.reply",
			user="Administrator",
			issue=issue,
			text="Un technicien vous appelle.",
		)
		communication = frappe.get_doc("Communication", result["communication"])
		(request,) = self.twilio.requests
		form = request.form()
		self.assertEqual(form["To"], "+18735550181")
		self.assertEqual(form["From"], FROM)
		self.assertEqual(form["Body"], "Un technicien vous appelle.")
		self.assertEqual(form["StatusCallback"], f"{PUBLIC}/api/method/{STATUS}")
		self.assertEqual((communication.sent_or_received, communication.delivery_status), ("Sent", "Sending"))
		self.assertTrue(communication.message_id.startswith("SM"))
		self.assertEqual(frappe.db.get_value("Issue", issue, "status"), "Replied")

		def status(state):
			return twilio_post(
				STATUS,
				{
					"AccountSid": TWILIO_SID,
					"MessageSid": communication.message_id,
					"MessageStatus": state,
					"To": "+18735550181",
					"From": FROM,
				},
			)

		response = status("delivered")
		self.assertEqual(response.mimetype, "text/xml")
		self.assertEqual(frappe.db.get_value("Communication", communication.name, "delivery_status"), "Sent")
		status("sent")  # a late callback does not move the status back
		self.assertEqual(frappe.db.get_value("Communication", communication.name, "delivery_status"), "Sent")
		self.assertEqual(
			frappe.db.count(
				"Webhook Event", {"source": "Twilio", "event_id": ("like", f"{communication.message_id}:%")}
			),
			2,
		)

	def test_reply_needs_write_permission_on_the_issue(self):
		issue = conversations.thread_for(self.customer, "Portal", "portal")
		with self.assertRaises(frappe.PermissionError):
			call_endpoint("gigafibre.api.conversations.reply", user="Guest", issue=issue, text="x")
		result = call_endpoint(
			"gigafibre.api.conversations.reply", user="Administrator", issue=issue, text="Ok"
		)
		self.assertEqual(
			frappe.db.get_value("Communication", result["communication"], "communication_medium"), "Chat"
		)
		self.assertEqual(self.twilio.requests, [])

	def test_email_reply_is_queued_with_the_issue_as_reference(self):
		ensure_outgoing_email_account()
		issue = conversations.thread_for(self.customer, "Email", "Client@Example.com")
		self.assertEqual(frappe.db.get_value("Issue", issue, "gigafibre_contact"), "client@example.com")
		name = conversations.reply(issue, "Votre facture est corrigée.")
		queued = frappe.get_all(
			"Email Queue",
			filters={"reference_doctype": "Issue", "reference_name": issue},
			pluck="communication",
		)
		self.assertEqual(queued, [name])

	def test_voice_at_its_older_address_is_the_voice_line(self):
		# A number still pointed at ….twilio.voice gets the voice line's IVR, signature checked
		# against that address; its digits go on to the voice line's steps.
		import xml.etree.ElementTree as ET

		params = {"CallSid": "CA" + "3" * 32, "From": "+18735550181", "To": FROM, "CallStatus": "ringing"}
		response = twilio_post("gigafibre.api.webhooks.twilio.voice", params)
		self.assertEqual(response.mimetype, "text/xml")
		root = ET.fromstring(response.get_data(as_text=True))
		urls = [e.get("action") for e in root.iter() if e.get("action")] + [
			e.text for e in root.iter("Redirect")
		]
		self.assertTrue(urls)
		for url in urls:
			self.assertIn(f"{PUBLIC}/api/method/gigafibre.api.voice.step", url)
		response = twilio_post("gigafibre.api.webhooks.twilio.gather", {**params, "Digits": "0"})
		self.assertEqual(ET.fromstring(response.get_data(as_text=True)).tag, "Response")
		with self.assertRaises(BadVoiceSignature):
			twilio_post("gigafibre.api.webhooks.twilio.voice", params, token="wrong")

	def test_3cx_call_event(self):
		method = "gigafibre.api.webhooks.pbx.call_event"
		payload = {
			"call_id": "3cx-1",
			"state": "ended",
			"direction": "inbound",
			"from": "873 555-0181",
			"duration": "00:02:05",
			"agent": "101",
		}
		body = json.dumps(payload)

		def send(headers=None, query=""):
			return post_raw(
				method, body, headers, query=query, content_type="application/json", request_ip=TEST_IP
			)

		for headers, query in (({"X-3CX-Secret": "wrong"}, ""), ({}, ""), ({}, "secret=wrong")):
			with self.subTest(headers=headers, query=query), self.assertRaises(BadSignature):
				send(headers, query)
		self.assertFalse(frappe.db.exists("Webhook Event", {"source": "3CX"}))
		self.assertTrue(self.has_pbx_secret)

		self.assertEqual(send({"X-3CX-Secret": PBX_SECRET})["replay"], False)
		issue = conversations.open_thread(self.customer, "Phone", "+18735550181")
		(call,) = messages(issue)
		self.assertEqual((call.communication_medium, call.sent_or_received), ("Phone", "Received"))
		self.assertIn("+18735550181", call.text_content)
		self.assertIn("2 min 5 s", call.text_content)
		self.assertEqual(send(query=f"secret={PBX_SECRET}")["replay"], True)
		self.assertEqual(len(messages(issue)), 1)


class TestMessagingGuestFuzz(FrappeTestCase):
	"""Arbitrary forms, headers and bodies at the guest endpoints: a 400 (BadSignature) or a TwiML answer,
	never another exception (which Frappe would answer with a 500)."""

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		settings = frappe.get_single("Gigafibre Settings")
		frappe.flags.gigafibre_jobs_inline = True  # the handlers run on what the fuzzer stores
		settings.update({"twilio_auth_token": TOKEN, "twilio_public_url": PUBLIC})
		if settings.meta.has_field("pbx_webhook_secret"):
			settings.pbx_webhook_secret = PBX_SECRET
		settings.save()

	@classmethod
	def tearDownClass(cls):
		frappe.flags.gigafibre_jobs_inline = False
		super().tearDownClass()
		frappe.clear_document_cache("Gigafibre Settings", "Gigafibre Settings")

	def test_guest_endpoints_answer_400_or_twiml(self):
		from hypothesis import HealthCheck, given, settings
		from hypothesis import strategies as st

		text = st.text(max_size=40)
		# What an HTTP header can carry: no line breaks, Latin-1.
		header = st.text(
			st.characters(min_codepoint=32, max_codepoint=255, blacklist_characters="\x7f"), max_size=40
		)
		methods = st.sampled_from(
			[SMS, STATUS, "gigafibre.api.webhooks.twilio.voice", "gigafibre.api.webhooks.twilio.gather"]
		)

		@settings(max_examples=80, deadline=None, suppress_health_check=list(HealthCheck))
		@given(
			method=methods,
			form=st.dictionaries(text, text, max_size=5),
			signature=st.one_of(st.none(), header),
		)
		def twilio(method, form, signature):
			headers = {"X-Twilio-Signature": signature} if signature is not None else {}
			try:
				response = post(method, form, headers)
			except (BadSignature, BadVoiceSignature):
				return
			self.fail(f"unsigned request accepted: {response}")

		@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
		@given(
			method=methods,
			form=st.dictionaries(
				st.sampled_from(["MessageSid", "From", "Body", "MessageStatus", "Digits", "To"]),
				text,
				max_size=6,
			),
		)
		def signed(method, form):
			try:
				response = twilio_post(method, form)
			except (BadSignature, BadVoiceSignature):
				return  # no event id
			self.assertEqual(response.mimetype, "text/xml")

		@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
		@given(body=st.one_of(text, st.binary(max_size=40)), secret=st.one_of(st.none(), header))
		def pbx(body, secret):
			method = "gigafibre.api.webhooks.pbx.call_event"
			headers = {"X-3CX-Secret": secret} if secret else {}
			try:
				post_raw(method, body, headers, request_ip=TEST_IP)
			except BadSignature:
				pass
			except frappe.ValidationError as err:  # a right secret with an unreadable event: 417, clear
				self.assertEqual(secret, PBX_SECRET, err)

		twilio()
		signed()
		pbx()
		failed = frappe.get_all(
			"Webhook Event", filters={"source": ("in", ["Twilio", "3CX"]), "status": "Failed"}, pluck="error"
		)
		self.assertEqual(failed, [])
