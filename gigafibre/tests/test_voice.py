"""The voice line through the real endpoints: Twilio's webhook form bodies signed as Twilio signs
them, each IVR branch's TwiML parsed and followed (the next step is the URL the TwiML names), the
call's one Communication on the caller's Phone thread, softphone tokens, the SIP pool in Routr."""

import base64
import hashlib
import hmac
import itertools
import time
import xml.etree.ElementTree as ET
from datetime import datetime
from urllib.parse import urlsplit

import frappe
import jwt

from gigafibre.ai.agent_setup import ensure_custom_fields as ensure_agent_fields
from gigafibre.messaging.setup import ensure_custom_fields as ensure_messaging_fields
from gigafibre.tests.peers import LoopbackPeer, Reply, gemini_reply
from gigafibre.tests.routr_peer import PASSWORD, USER, RoutrPeer
from gigafibre.tests.utils import (
	SmsTestCase,
	call_endpoint,
	make_location,
	make_submitted_invoice,
	post_raw,
	test_customer,
)
from gigafibre.voice import ivr

TOKEN = "voice-test-auth-token"
PUBLIC = "https://erp.gigafibre.test"
ACCOUNT = "AC" + "3" * 32
OUR_NUMBER = "+15145550100"
MOBILE = "+18195550171"
STRANGER = "+18195550179"
INBOUND = "gigafibre.api.voice.inbound"
STEP = "gigafibre.api.voice.step"
PORTAL = "https://portail.gigafibre.test"
SIDS = itertools.count(1)
TEST_IP = "192.0.2.19"
OPEN_AT = datetime(2026, 12, 2, 10, 0)  # a Wednesday, open
CLOSED_AT = datetime(2026, 12, 2, 22, 0)


def signature(url: str, params: dict) -> str:
	"""As Twilio signs: the URL, then each POST parameter sorted by name (name + value), HMAC-SHA1, base64."""
	data = url + "".join(name + params[name] for name in sorted(params))
	return base64.b64encode(hmac.new(TOKEN.encode(), data.encode(), hashlib.sha1).digest()).decode()


def post(url: str, params: dict, sign: str | None = None):
	"""Twilio POSTing `params` to the public `url` (a step's URL as the TwiML named it)."""
	parts = urlsplit(url)
	method = parts.path.removeprefix("/api/method/")
	headers = {"X-Twilio-Signature": sign if sign is not None else signature(url, params)}
	return post_raw(method, params, headers, query=parts.query, request_ip=TEST_IP)


def twiml(response) -> ET.Element:
	return ET.fromstring(response.get_data(as_text=True))


def says(element) -> list[str]:
	return [s.text for s in element.iter("Say")]


def call_params(sid: str, caller: str, **extra) -> dict:
	return {
		"AccountSid": ACCOUNT,
		"CallSid": sid,
		"From": caller,
		"To": OUR_NUMBER,
		"CallStatus": "ringing",
		"Direction": "inbound",
		"ApiVersion": "2010-04-01",
		"Caller": caller,
		"Called": OUR_NUMBER,
		**extra,
	}


class TestVoice(SmsTestCase):
	@classmethod
	def setUpClass(cls):
		ensure_messaging_fields()
		ensure_agent_fields()  # DDL commits: before the class's records
		cls.script = []
		cls.gemini = LoopbackPeer(cls.answer).__enter__()
		cls.settings = {
			"twilio_auth_token": TOKEN,
			"twilio_public_url": PUBLIC,
			"portal_base_url": PORTAL,
			"voice_hours": "mon-fri 08:00-20:00; sat 09:00-17:00",
			"voice_holiday_list": None,
			"voice_agent_enabled": 0,
			"voice_sales_number": "",
			"voice_operator_number": "",
			"ivr_support_number": "",
			"ivr_billing_number": "",
			"gemini_api_key": "k",
			"gemini_api_base": cls.gemini.url,
			"gemini_timeout_seconds": 5,
			"ai_calls_per_hour": 0,
			"ai_tokens_per_day": 0,
			"agent_max_turns": 12,
			"agent_max_tool_calls": 20,
			"agent_min_confidence": 0.5,
		}
		if frappe.get_meta("Gigafibre Settings").has_field("triage_enabled"):
			cls.settings["triage_enabled"] = 0
		super().setUpClass()
		cls.customer = test_customer("_Test Voice Customer", mobile=MOBILE)
		frappe.db.set_value("Customer", cls.customer, "language", "fr")
		make_submitted_invoice(cls.customer, rate=95)
		frappe.db.delete("Staff Phone Status")

	@classmethod
	def tearDownClass(cls):
		cls.gemini.__exit__(None, None, None)
		super().tearDownClass()
		frappe.clear_document_cache("Gigafibre Settings", "Gigafibre Settings")

	@classmethod
	def answer(cls, request):
		if not cls.script:
			return Reply(500, {"error": {"code": 500, "message": "unscripted", "status": "INTERNAL"}})
		return cls.script.pop(0)

	def setUp(self):
		self.script.clear()
		self.twilio.requests.clear()
		self.frozen = None
		if "token" not in self._testMethodName:  # the token's expiry is checked against the real clock
			self.frozen = self.freeze_time(OPEN_AT, tick=True)
			self.frozen.__enter__()
			self.addCleanup(lambda: self.frozen.__exit__(None, None, None))

	def at(self, moment: datetime) -> None:
		self.frozen.__exit__(None, None, None)
		self.frozen = self.freeze_time(moment, tick=True)
		self.frozen.__enter__()

	def setting(self, field: str, value) -> None:
		before = frappe.db.get_single_value("Gigafibre Settings", field)
		frappe.db.set_single_value("Gigafibre Settings", field, value)
		self.addCleanup(frappe.db.set_single_value, "Gigafibre Settings", field, before)

	def sid(self) -> str:
		return f"CA{next(SIDS):032d}"

	def start(self, caller=MOBILE, sid=None):
		sid = sid or self.sid()
		return sid, twiml(post(f"{PUBLIC}/api/method/{INBOUND}", call_params(sid, caller)))

	def follow(self, url: str, sid: str, caller=MOBILE, **fields) -> ET.Element:
		return twiml(post(url, call_params(sid, caller, **{"CallStatus": "in-progress", **fields})))

	def record(self, sid: str):
		return frappe.db.get_value(
			"Communication", {"message_id": sid}, ["name", "reference_name", "text_content"], as_dict=True
		)

	# Signature

	def test_bad_signature_is_403_and_nothing_is_stored(self):
		from gigafibre.api.voice import BadVoiceSignature

		sid = self.sid()
		params = call_params(sid, MOBILE)
		url = f"{PUBLIC}/api/method/{INBOUND}"
		for sign in ("", "bm90IGEgc2lnbmF0dXJl", signature(f"http://localhost/api/method/{INBOUND}", params)):
			with self.assertRaises(BadVoiceSignature) as caught:
				post(url, params, sign=sign)
			self.assertEqual(caught.exception.http_status_code, 403)
		tampered = signature(url, params)
		with self.assertRaises(BadVoiceSignature):
			post(url, {**params, "From": STRANGER}, sign=tampered)
		step = f"{PUBLIC}/api/method/{STEP}?s=recorded&lang=fr"
		recording = {**params, "RecordingUrl": "https://api.twilio.com/x", "RecordingDuration": "3"}
		with self.assertRaises(BadVoiceSignature):
			post(step, recording, sign=signature(f"{PUBLIC}/api/method/{STEP}?s=recorded", recording))
		self.assertFalse(frappe.db.exists("Communication", {"message_id": ("like", f"{sid}%")}))
		self.assertFalse(frappe.db.exists("Webhook Event", {"event_id": ("like", f"{sid}%")}))

	# Inbound, menu, billing

	def test_customer_is_greeted_by_name_in_french_and_billing_reads_the_balance_and_texts_the_link(self):
		sid, tree = self.start()
		texts = says(tree)
		self.assertEqual(texts[0], "Bonjour _Test Voice Customer, merci d'appeler Gigafibre.")
		gather = tree.find("Gather")
		self.assertEqual(gather.get("language"), "fr-CA")
		self.assertIn("Pour la facturation, faites le 1", says(gather)[0])
		self.assertEqual(says(gather)[1], "For service in English, press 9.")
		record = self.record(sid)
		issue = frappe.get_doc("Issue", record.reference_name)
		self.assertEqual(
			(issue.customer, issue.gigafibre_channel, issue.gigafibre_contact),
			(self.customer, "Phone", MOBILE),
		)

		billing = self.follow(gather.get("action"), sid, Digits="1")
		outstanding = frappe.db.sql(
			"select sum(outstanding_amount) from `tabSales Invoice` where customer=%s and docstatus=1",
			self.customer,
		)[0][0]
		self.assertEqual(
			says(billing)[0],
			f"Le solde de votre compte est de {ivr.spoken_amount(outstanding, 'fr')} dollars.",
		)
		sent = self.follow(billing.find("Gather").get("action"), sid, Digits="1")
		self.assertEqual(says(sent)[0], "Nous vous avons envoyé par texto le lien vers votre portail client.")
		sms = [r.form() for r in self.twilio.requests if r.method == "POST"]
		self.assertTrue(any(f["To"] == MOBILE and PORTAL in f["Body"] for f in sms), sms)
		log = self.record(sid).text_content
		self.assertIn("Appel entrant de " + MOBILE, log)
		self.assertIn("Menu : facturation", log)
		self.assertIn("Lien du portail envoyé par texto", log)
		self.follow(f"{PUBLIC}/api/method/{STEP}?s=status", sid, CallStatus="completed", CallDuration="95")
		self.assertIn("Appel terminé : completed, 95 s", self.record(sid).text_content)
		self.assertEqual(frappe.db.count("Communication", {"message_id": sid}), 1)

	def test_english_on_request(self):
		sid, tree = self.start()
		menu = self.follow(tree.find("Gather").get("action"), sid, Digits="9")
		url = menu.find("Redirect").text
		self.assertIn("lang=en", url)
		english = self.follow(url, sid)
		gather = english.find("Gather")
		self.assertEqual(gather.get("language"), "en-US")
		self.assertIn("For billing, press 1", says(gather)[0])
		self.assertEqual(says(gather)[1], "Pour le service en français, faites le 9.")
		spoken = self.follow(gather.get("action"), sid, SpeechResult="billing please", Confidence="0.92")
		self.assertTrue(says(spoken)[0].startswith("The balance on your account is"))

	def test_unknown_caller_gets_sales_and_an_agent_only(self):
		sid, tree = self.start(caller=STRANGER)
		gather = tree.find("Gather")
		self.assertEqual(says(tree)[0], "Bonjour et merci d'appeler Gigafibre.")
		self.assertIn("Pour les ventes, faites le 3", says(gather)[0])
		refused = self.follow(gather.get("action"), sid, caller=STRANGER, Digits="1")
		self.assertEqual(says(refused)[0], "Ce choix n'est pas valide.")
		self.setting("voice_sales_number", "+15145550111")
		sales = self.follow(gather.get("action"), sid, caller=STRANGER, Digits="3")
		self.assertEqual(sales.find("Dial").text, "+15145550111")
		issue = frappe.get_doc("Issue", self.record(sid).reference_name)
		self.assertFalse(issue.customer)
		self.assertEqual(issue.gigafibre_contact, STRANGER)
		self.assertIn("Transfert : ventes au +15145550111", self.record(sid).text_content)

	def test_outage_at_the_callers_address_is_announced_first(self):
		location = make_location(customer=self.customer, olt="OLT-VOICE-01", pon_port="1/1/1")
		outage = frappe.get_doc(
			{
				"doctype": "Outage",
				"monitor_name": "OLT-VOICE-01 1/1/1",
				"olt": "OLT-VOICE-01",
				"pon_port": "1/1/1",
				"status": "Open",
				"started_at": datetime(2026, 12, 2, 9, 0),
				"estimated_end": datetime(2026, 12, 2, 14, 30),
				"affected_locations": [{"service_location": location.name, "customer": self.customer}],
			}
		).insert(ignore_permissions=True)
		sid, tree = self.start()
		texts = says(tree)
		self.assertEqual(
			texts[1], "Une panne touche présentement le service à votre adresse. Notre équipe y travaille."
		)
		self.assertEqual(texts[2], "Le service devrait être rétabli vers 14 h 30.")
		self.assertIn("Panne annoncée", self.record(sid).text_content)
		frappe.db.set_value("Outage", outage.name, "estimated_end", None)
		_sid, tree = self.start()
		self.assertEqual(says(tree)[2], "Nous ne savons pas encore quand le service sera rétabli.")

	# After hours

	def test_after_hours_voicemail_and_transcription_land_on_the_ticket(self):
		self.setting("voicemail_transcription", "Twilio")
		self.at(CLOSED_AT)
		sid, tree = self.start()
		record = tree.find("Record")
		self.assertIsNotNone(record)
		self.assertEqual(record.get("transcribe"), "true")
		self.assertIn("Nos bureaux sont fermés", says(tree)[1])
		done = self.follow(
			record.get("action"),
			sid,
			RecordingUrl=f"https://api.twilio.com/2010-04-01/Accounts/{ACCOUNT}/Recordings/RE1",
			RecordingSid="RE" + "1" * 32,
			RecordingDuration="14",
			Digits="#",
		)
		self.assertEqual(
			says(done)[0], "Merci, votre message a été enregistré. Nous vous rappellerons. Au revoir."
		)
		self.follow(
			record.get("transcribeCallback"),
			sid,
			TranscriptionSid="TR" + "1" * 32,
			TranscriptionText="Bonjour, mon internet ne fonctionne plus depuis ce matin, rappelez-moi.",
			TranscriptionStatus="completed",
			TranscriptionUrl="https://api.twilio.com/x",
			RecordingUrl="https://api.twilio.com/x",
		)
		issue = self.record(sid).reference_name
		self.assertEqual(frappe.db.get_value("Issue", issue, "status"), "Open")
		texts = frappe.get_all(
			"Communication",
			filters={"reference_doctype": "Issue", "reference_name": issue},
			pluck="text_content",
		)
		self.assertTrue(any(t.startswith("Message vocal (14 s)") for t in texts), texts)
		self.assertIn(
			"Transcription du message vocal : Bonjour, mon internet ne fonctionne plus depuis ce matin, rappelez-moi.",
			texts,
		)
		self.assertTrue(
			frappe.db.exists("Webhook Event", {"event_id": f"{sid}:transcription", "source": "Twilio"})
		)
		self.assertIn("Hors des heures d'ouverture", self.record(sid).text_content)

	def voicemail(self, sid: str) -> str:
		"""The caller's voicemail recorded after hours; its thread."""
		tree = twiml(post(f"{PUBLIC}/api/method/{INBOUND}", call_params(sid, MOBILE)))
		record = tree.find("Record")
		self.assertIsNone(record.get("transcribe"))  # ours, not Twilio's (English only)
		self.follow(
			record.get("action"),
			sid,
			RecordingUrl=f"{self.twilio.url}/2010-04-01/Accounts/{ACCOUNT}/Recordings/RE{sid[2:]}",
			RecordingSid="RE" + sid[2:],
			RecordingDuration="151",  # past Twilio's two minutes
			Digits="#",
		)
		return self.record(sid).reference_name

	def test_a_french_voicemail_is_transcribed_by_gemini_from_the_recording(self):
		from gigafibre.tests.peers import gemini_json
		from gigafibre.tests.utils import TWILIO_RECORDING

		self.setting("voicemail_transcription", "Gemini")
		self.at(CLOSED_AT)
		said = "Bonjour, c'est Marie, mon internet coupe à tous les soirs, rappelez-moi demain matin."
		self.script.append(
			gemini_json({"text": said, "language": "fr", "summary_fr": "Coupures le soir, rappel demandé."})
		)
		sid = self.sid()
		issue = self.voicemail(sid)
		voicemail, transcription = (
			frappe.db.get_value(
				"Communication", {"message_id": f"{sid}:{kind}"}, ["reference_name", "text_content"]
			)
			for kind in ("voicemail", "transcription")
		)
		self.assertEqual(voicemail[0], issue)
		self.assertTrue(voicemail[1].startswith("Message vocal (151 s)"), voicemail)
		self.assertEqual(
			transcription,
			(issue, f"Transcription du message vocal : {said}\nEn bref : Coupures le soir, rappel demandé."),
		)
		# The recording fetched from Twilio with the account's credentials, sent to Gemini inline.
		[download] = [r for r in self.twilio.requests if "/Recordings/" in r.path]
		self.assertTrue(download.path.endswith(f"RE{sid[2:]}.mp3"))
		sid_setting = frappe.db.get_single_value("Gigafibre Settings", "twilio_account_sid")
		self.assertEqual(
			download.headers["authorization"],
			"Basic " + base64.b64encode(f"{sid_setting}:{TOKEN}".encode()).decode(),
		)
		inline = self.gemini.requests[-1].json()["contents"][0]["parts"][0]["inlineData"]
		self.assertEqual(inline["mimeType"], "audio/mpeg")
		self.assertEqual(
			base64.urlsafe_b64decode(inline["data"] + "=" * (-len(inline["data"]) % 4)), TWILIO_RECORDING
		)
		event = frappe.db.get_value(
			"Webhook Event",
			{"event_id": f"{sid}:gemini-transcription"},
			["status", "event_type"],
			as_dict=True,
		)
		self.assertEqual((event.status, event.event_type), ("Processed", "voice.voicemail_transcription"))
		self.assertTrue(frappe.db.exists("AI Call Log", {"purpose": "Voicemail", "reference_name": issue}))

	def test_gemini_down_keeps_the_voicemail_and_retries_its_transcription(self):
		from gigafibre.tests.peers import gemini_json
		from gigafibre.webhooks import intake

		self.setting("voicemail_transcription", "Gemini")
		self.at(CLOSED_AT)
		self.script.append(
			Reply(503, {"error": {"code": 503, "message": "overloaded", "status": "UNAVAILABLE"}})
		)
		self.script.append(
			Reply(503, {"error": {"code": 503, "message": "overloaded", "status": "UNAVAILABLE"}})
		)
		sid = self.sid()
		self.voicemail(sid)
		self.assertTrue(frappe.db.exists("Communication", {"message_id": f"{sid}:voicemail"}))
		self.assertFalse(frappe.db.exists("Communication", {"message_id": f"{sid}:transcription"}))
		name = frappe.db.get_value("Webhook Event", {"event_id": f"{sid}:gemini-transcription"})
		event = frappe.db.get_value("Webhook Event", name, ["status", "error"], as_dict=True)
		self.assertEqual(event.status, "Failed")
		self.assertTrue(event.error)
		# The intake's retry, once Gemini answers again.
		self.script[:] = [gemini_json({"text": "Rappelez-moi svp.", "language": "fr", "summary_fr": ""})]
		intake.process(name, "gigafibre.messaging.inbound.handle_twilio")
		self.assertEqual(frappe.db.get_value("Webhook Event", name, "status"), "Processed")
		self.assertEqual(
			frappe.db.get_value("Communication", {"message_id": f"{sid}:transcription"}, "text_content"),
			"Transcription du message vocal : Rappelez-moi svp.",
		)

	def test_a_recording_url_that_is_not_twilios_is_never_fetched(self):
		self.setting("voicemail_transcription", "Gemini")
		self.at(CLOSED_AT)
		self.gemini.requests.clear()
		sid = self.sid()
		tree = twiml(post(f"{PUBLIC}/api/method/{INBOUND}", call_params(sid, MOBILE)))
		self.follow(
			tree.find("Record").get("action"),
			sid,
			RecordingUrl="http://127.0.0.1:9/steal",
			RecordingDuration="20",
			Digits="#",
		)
		self.assertEqual([r for r in self.twilio.requests if "/Recordings/" in r.path], [])
		self.assertEqual(self.gemini.requests, [])
		error = frappe.db.get_value("Webhook Event", {"event_id": f"{sid}:gemini-transcription"}, "error")
		self.assertIn("http://127.0.0.1:9/steal", error)

	def test_holiday_is_closed(self):
		holidays = frappe.get_doc(
			{
				"doctype": "Holiday List",
				"holiday_list_name": "_Test Voice Holidays",
				"from_date": "2026-01-01",
				"to_date": "2026-12-31",
				"holidays": [{"holiday_date": "2026-12-02", "description": "Test"}],
			}
		).insert(ignore_permissions=True, ignore_if_duplicate=True)
		self.setting("voice_holiday_list", holidays.name)
		_sid, tree = self.start()
		self.assertIsNotNone(tree.find("Record"))

	# Routing, queue, callback

	def test_available_staff_are_rung_on_their_softphones_else_the_queue_and_a_callback(self):
		sid, tree = self.start()
		queued = self.follow(tree.find("Gather").get("action"), sid, Digits="0")
		enqueue = queued.find("Enqueue")
		self.assertEqual(enqueue.text, "gigafibre-operator")
		hold = self.follow(
			enqueue.get("waitUrl"), sid, QueuePosition="2", QueueSid="QU" + "1" * 32, QueueTime="5"
		)
		self.assertEqual(
			says(hold)[0], "Tous nos agents sont occupés. Vous êtes le numéro 2 dans la file d'attente."
		)
		self.assertIsNotNone(hold.find("Gather/Play"))
		done = self.follow(hold.find("Gather").get("action"), sid, Digits="1")
		self.assertIsNotNone(done.find("Hangup"))
		issue = self.record(sid).reference_name
		todo = frappe.get_all(
			"ToDo", filters={"reference_type": "Issue", "reference_name": issue}, pluck="description"
		)
		self.assertTrue(todo and MOBILE in todo[0], todo)
		self.assertIn("Rappel demandé", self.record(sid).text_content)

		staff = frappe.get_doc("User", "Administrator")
		from gigafibre.voice.service import set_status

		set_status(staff.name, "Available")
		sid, tree = self.start()
		rung = self.follow(tree.find("Gather").get("action"), sid, Digits="0")
		identities = [e.text for e in rung.findall("Dial/Client/Identity")]
		self.assertEqual(identities, ["Administrator"])
		parameters = {p.get("name"): p.get("value") for p in rung.find("Dial/Client").findall("Parameter")}
		self.assertEqual(parameters["issue"], self.record(sid).reference_name)
		outcome = self.follow(rung.find("Dial").get("action"), sid, DialCallStatus="no-answer")
		self.assertEqual(outcome.find("Enqueue").text, "gigafibre-operator")
		set_status(staff.name, "Busy")
		sid, tree = self.start()
		self.assertIsNotNone(self.follow(tree.find("Gather").get("action"), sid, Digits="0").find("Enqueue"))

	# Voice agent

	def test_voice_agent_turns_then_hand_off_with_the_summary(self):
		self.setting("voice_agent_enabled", 1)
		sid, tree = self.start()
		listening = self.follow(tree.find("Gather").get("action"), sid, Digits="2")
		gather = listening.find("Gather")
		self.assertEqual((gather.get("input"), gather.get("language")), ("speech", "fr-CA"))
		self.script.append(
			gemini_reply(
				[
					{
						"functionCall": {
							"name": "reply",
							"args": {
								"text": "Je vois une facture de 95 dollars. Autre chose?",
								"confidence": 0.9,
								"customer_angry": False,
								"language": "fr",
							},
						}
					}
				],
				usage=(100, 20),
			)
		)
		turn = self.follow(
			gather.get("action"), sid, SpeechResult="Combien je dois sur ma facture?", Confidence="0.91"
		)
		self.assertEqual(says(turn.find("Gather"))[0], "Je vois une facture de 95 dollars. Autre chose?")
		self.assertEqual(turn.find("Gather/Say").get("voice"), "Polly.Chantal")
		self.assertNotIn(
			b"Appel entrant", self.gemini.requests[-1].body, "the call's log is not the customer's words"
		)
		issue = self.record(sid).reference_name
		messages = frappe.get_all(
			"Communication",
			filters={
				"reference_doctype": "Issue",
				"reference_name": issue,
				"communication_type": "Communication",
			},
			fields=["sent_or_received", "text_content"],
			order_by="creation",
		)
		self.assertIn(
			("Received", "Combien je dois sur ma facture?"),
			[(m.sent_or_received, m.text_content) for m in messages],
		)
		self.assertIn(
			("Sent", "Je vois une facture de 95 dollars. Autre chose?"),
			[(m.sent_or_received, m.text_content) for m in messages],
		)
		self.assertFalse(
			[r for r in self.twilio.requests if r.method == "POST"], "a phone answer is not texted"
		)

		handed = self.follow(
			turn.find("Gather").get("action"), sid, SpeechResult="Je veux parler à un agent", Confidence="0.9"
		)
		self.assertIsNotNone(handed.find("Enqueue"))
		self.assertEqual(frappe.db.get_value("Issue", issue, "status"), "Open")
		comments = frappe.get_all(
			"Comment",
			filters={"reference_doctype": "Issue", "reference_name": issue, "comment_type": "Comment"},
			pluck="content",
		)
		self.assertTrue(comments, "the hand-off summary is on the call's Issue")
		self.assertIn("Résumé de l'assistant", self.record(sid).text_content)

	def test_voice_agent_silence_then_transfer(self):
		self.setting("voice_agent_enabled", 1)
		sid, tree = self.start()
		listening = self.follow(tree.find("Gather").get("action"), sid, Digits="2")
		again = self.follow(listening.find("Redirect").text, sid)
		self.assertEqual(
			says(again)[0], "Désolé, je ne vous ai pas entendu. Comment pouvons-nous vous aider?"
		)
		gone = self.follow(again.find("Redirect").text, sid)
		self.assertIsNotNone(gone.find("Enqueue"))

	def test_softphone_outgoing_answers_the_queue_or_dials_with_our_number(self):
		url = f"{PUBLIC}/api/method/gigafibre.api.voice.outgoing"
		self.setting("twilio_from_number", OUR_NUMBER)
		base = {
			"AccountSid": ACCOUNT,
			"CallSid": self.sid(),
			"ApplicationSid": "AP" + "5" * 32,
			"Direction": "inbound",
		}
		queue = twiml(post(url, {**base, "From": "client:Administrator", "To": "queue:support"}))
		self.assertEqual(queue.find("Dial/Queue").text, "gigafibre-support")
		dial = twiml(post(url, {**base, "From": "client:Administrator", "To": "(514) 555-0123"}))
		self.assertEqual(
			(dial.find("Dial").text, dial.find("Dial").get("callerId")), ("+15145550123", OUR_NUMBER)
		)
		stranger = twiml(post(url, {**base, "From": "client:nobody@example.com", "To": "+15145550123"}))
		self.assertEqual(list(stranger), [])

	# Softphone token and status

	def test_token_refused_to_guests_and_non_staff_and_given_to_staff(self):
		with self.assertRaises(frappe.PermissionError):
			call_endpoint("gigafibre.api.voice.token")
		frappe.set_user("Administrator")
		settings = frappe.get_single("Gigafibre Settings")
		settings.update(
			{
				"twilio_account_sid": ACCOUNT,
				"twilio_api_key_sid": "SK" + "4" * 32,
				"twilio_api_key_secret": "api-key-secret",
				"twilio_twiml_app_sid": "AP" + "5" * 32,
				"voice_token_minutes": 30,
			}
		)
		settings.save()
		plain = "voice-plain@example.com"
		if not frappe.db.exists("User", plain):
			frappe.get_doc(
				{"doctype": "User", "email": plain, "first_name": "Plain", "send_welcome_email": 0}
			).insert()
		with self.assertRaises(frappe.PermissionError):
			call_endpoint("gigafibre.api.voice.token", user=plain)
		answer = call_endpoint("gigafibre.api.voice.token", user="Administrator")
		claims = jwt.decode(answer["token"], "api-key-secret", algorithms=["HS256"])
		self.assertEqual(claims["iss"], "SK" + "4" * 32)
		self.assertEqual(claims["sub"], ACCOUNT)
		self.assertEqual(claims["grants"]["identity"], "Administrator")
		voice = claims["grants"]["voice"]
		self.assertEqual(voice["outgoing"]["application_sid"], "AP" + "5" * 32)
		self.assertTrue(voice["incoming"]["allow"])
		self.assertEqual(answer["ttl"], 1800)
		self.assertAlmostEqual(claims["exp"] - time.time(), 1800, delta=30)

	def test_status_endpoint(self):
		with self.assertRaises(frappe.PermissionError):
			call_endpoint("gigafibre.api.voice.set_status", status="Available")
		self.assertEqual(
			call_endpoint("gigafibre.api.voice.set_status", user="Administrator", status="Available")[
				"status"
			],
			"Available",
		)
		self.assertEqual(frappe.db.get_value("Staff Phone Status", "Administrator", "status"), "Available")
		with self.assertRaises(frappe.ValidationError):
			call_endpoint("gigafibre.api.voice.set_status", user="Administrator", status="Asleep")
		call_endpoint("gigafibre.api.voice.set_status", user="Administrator", status="Offline")


class TestSipPool(SmsTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.routr = RoutrPeer(domains=("sip.gigafibre.test",)).__enter__()
		settings = frappe.get_single("Gigafibre Settings")
		settings.update(
			{
				"routr_api_url": cls.routr.url,
				"routr_username": USER,
				"routr_password": PASSWORD,
				"routr_domain": "sip.gigafibre.test",
				"routr_gateway_ref": "gweef506",
			}
		)
		settings.save()
		cls.user = "voice-agent@example.com"
		if not frappe.db.exists("User", cls.user):
			frappe.get_doc(
				{
					"doctype": "User",
					"email": cls.user,
					"first_name": "Ana",
					"last_name": "Voix",
					"send_welcome_email": 0,
				}
			).insert()

	@classmethod
	def tearDownClass(cls):
		cls.routr.__exit__(None, None, None)
		super().tearDownClass()

	def test_extension_and_number_assigned_into_routr_then_freed_to_the_pool(self):
		frappe.get_doc({"doctype": "SIP Extension", "extension": "7101"}).insert()
		number = frappe.get_doc({"doctype": "Phone Number", "number": "(514) 555-0177"}).insert()
		self.assertEqual(number.name, "+15145550177")

		ext = call_endpoint(
			"gigafibre.api.voice.assign_extension",
			user="Administrator",
			extension="7101",
			form={"user": self.user},
		)
		self.assertEqual(ext["status"], "Assigned")
		agent = self.routr.agents[ext["routr_ref"]]
		self.assertEqual(agent["spec"]["credentials"]["username"], "7101")
		self.assertEqual(agent["spec"]["domains"], ["sip.gigafibre.test"])
		secret = frappe.get_doc("SIP Extension", "7101").get_password("secret")
		self.assertEqual(agent["spec"]["credentials"]["secret"], secret)

		assigned = call_endpoint(
			"gigafibre.api.voice.assign_number",
			user="Administrator",
			form={"user": self.user},
			number="+15145550177",
			device="Yealink T54W",
		)
		self.assertEqual((assigned["status"], assigned["assigned_to"]), ("Assigned", self.user))
		routr_number = self.routr.numbers[assigned["routr_ref"]]
		self.assertEqual(
			routr_number["spec"]["location"],
			{"telUrl": "tel:+15145550177", "aorLink": "sip:7101@sip.gigafibre.test"},
		)
		with self.assertRaises(frappe.ValidationError):
			call_endpoint(
				"gigafibre.api.voice.assign_number",
				user="Administrator",
				number="+15145550177",
				form={"user": self.user},
			)

		freed = call_endpoint("gigafibre.api.voice.free_number", user="Administrator", number="+15145550177")
		self.assertEqual(
			(freed["status"], freed["assigned_to"], freed["routr_ref"]), ("Available", None, None)
		)
		self.assertEqual(self.routr.numbers, {})
		call_endpoint("gigafibre.api.voice.free_extension", user="Administrator", extension="7101")
		self.assertEqual(self.routr.agents, {})
		self.assertEqual(frappe.db.get_value("SIP Extension", "7101", "status"), "Available")

	def test_routr_refusal_changes_nothing_and_non_managers_are_refused(self):
		frappe.get_doc({"doctype": "Phone Number", "number": "+15145550178"}).insert()
		frappe.db.set_single_value("Gigafibre Settings", "routr_gateway_ref", "no-such-gateway")
		try:
			with self.assertRaises(frappe.ValidationError) as caught:
				call_endpoint(
					"gigafibre.api.voice.assign_number",
					user="Administrator",
					number="+15145550178",
					form={"user": self.user},
				)
			self.assertEqual(caught.exception.http_status_code, 503)
		finally:
			frappe.db.set_single_value("Gigafibre Settings", "routr_gateway_ref", "gweef506")
		self.assertEqual(frappe.db.get_value("Phone Number", "+15145550178", "status"), "Available")
		with self.assertRaises(frappe.PermissionError):
			call_endpoint(
				"gigafibre.api.voice.assign_number",
				user=self.user,
				number="+15145550178",
				form={"user": self.user},
			)
