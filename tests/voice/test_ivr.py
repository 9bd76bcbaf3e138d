"""The IVR state machine: each step's TwiML (parsed), its log lines and its effects."""

import xml.etree.ElementTree as ET
from datetime import date, datetime, time

import pytest

from gigafibre.voice import ivr

NOW = datetime(2026, 12, 2, 10, 0)  # a Wednesday
FRENCH = {ivr.OFFER_FRENCH: "Pour le service en français, faites le 9.", ivr.GREETING: "Bonjour."}


def url(step, **params):
	query = "&".join(f"{k}={v}" for k, v in sorted(params.items()))
	return f"https://erp.test/voice?s={step}" + (f"&{query}" if query else "")


def translate(template, lang):
	return FRENCH.get(template, template) if lang == "fr" else template


def ctx(caller=None, **kw):
	return ivr.Context(
		caller=caller or ivr.Caller("+15145550100", "CUST-1", "Marie", balance=42.5),
		lang=kw.pop("lang", "fr"),
		now=NOW,
		url=url,
		translate=translate,
		**kw,
	)


def root(plan):
	return ET.fromstring(plan.twiml)


def says(element):
	return [s.text for s in element.iter("Say")]


def test_start_greets_then_menu_in_french_with_the_english_offer_in_english():
	tree = root(ivr.start(ctx()))
	gather = tree.find("Gather")
	assert gather.get("action") == url("choose") and gather.get("language") == "fr-CA"
	assert gather.get("input") == "dtmf speech"
	offer = gather.findall("Say")[-1]
	assert offer.text == ivr.OFFER_ENGLISH and offer.get("language") == "en-US"
	assert tree.find("Say").get("voice") == "Polly.Chantal"
	assert ivr.MENU_CUSTOMER in says(gather)


def test_english_call_offers_french_in_french():
	offer = root(ivr.start(ctx(lang="en"))).find("Gather").findall("Say")[-1]
	assert offer.text == "Pour le service en français, faites le 9." and offer.get("voice") == "Polly.Chantal"


def test_outage_first_with_its_estimated_end_or_unknown():
	caller = ivr.Caller("+15145550100", "CUST-1", outage=True, outage_end=datetime(2026, 12, 2, 15, 30))
	plan = ivr.start(ctx(caller))
	texts = says(root(plan))
	assert texts[1] == ivr.OUTAGE and texts[2] == ivr.OUTAGE_END_TODAY.format("15 h 30")
	assert (ivr.LOG_OUTAGE,) in plan.log
	unknown = ivr.Caller("+15145550100", "CUST-1", outage=True)
	assert ivr.OUTAGE_END_UNKNOWN in says(root(ivr.start(ctx(unknown))))
	past = ivr.Caller("+15145550100", "CUST-1", outage=True, outage_end=datetime(2026, 12, 2, 9, 0))
	assert ivr.OUTAGE_END_UNKNOWN in says(root(ivr.start(ctx(past))))
	later = ivr.Caller("+15145550100", "CUST-1", outage=True, outage_end=datetime(2026, 12, 3, 8, 0))
	assert ivr.OUTAGE_END_LATER.format("2026-12-03", "8 h") in says(root(ivr.start(ctx(later))))
	english = says(root(ivr.start(ctx(caller, lang="en"))))
	assert ivr.OUTAGE_END_TODAY.format("3:30 PM") in english


def test_closed_goes_to_voicemail_transcribed_by_us_or_by_twilio():
	plan = ivr.start(ctx(open_now=False))
	record = root(plan).find("Record")
	assert record.get("action") == url("recorded") and record.get("maxLength") == "180"
	assert record.get("transcribe") is None  # Gemini transcribes it once recorded
	assert root(plan).find("Gather") is None and (ivr.LOG_CLOSED,) in plan.log
	record = root(ivr.start(ctx(open_now=False, twilio_transcribes=True))).find("Record")
	assert record.get("transcribe") == "true"
	assert record.get("transcribeCallback") == url("transcribed") and record.get("action") == url("recorded")


def test_menu_choices_by_digit_and_by_speech():
	assert ivr.choice("1", None, True) == "billing"
	assert ivr.choice(None, "Je veux parler de ma facture", True) == "billing"
	assert ivr.choice(None, "problème de connexion Internet", True) == "support"
	assert ivr.choice(None, "un représentant s'il vous plaît", True) == "operator"
	assert ivr.choice(None, "English please", True) == "language"
	assert ivr.choice("7", None, True) is None
	# Not a customer: sales and an agent only.
	assert ivr.choice("1", None, False) is None
	assert ivr.choice("2", None, False) is None
	assert ivr.choice(None, "ma facture", False) is None
	assert ivr.choice("3", None, False) == "sales"
	assert ivr.choice("0", None, False) == "operator"


def test_guest_menu_offers_sales_and_agent_only():
	guest = ivr.Caller("+15145550199")
	gather = root(ivr.start(ctx(guest))).find("Gather")
	assert ivr.MENU_GUEST in says(gather) and ivr.MENU_CUSTOMER not in says(gather)
	plan = ivr.choose(ctx(guest), "1", None)
	assert says(root(plan))[0] == ivr.INVALID and root(plan).find("Redirect").text == url("menu")


def test_billing_reads_the_balance_then_offers_the_link():
	plan = ivr.choose(ctx(), "1", None)
	tree = root(plan)
	assert says(tree)[0] == ivr.BALANCE.format("42,50")
	assert tree.find("Gather").get("action") == url("billing")
	assert (ivr.LOG_BALANCE, "42,50") in plan.log
	zero = ivr.choose(ctx(ivr.Caller("+1", "C", balance=0)), "1", None)
	assert says(root(zero))[0] == ivr.NO_BALANCE
	assert ivr.spoken_amount(1234.5, "fr") == "1 234,50" and ivr.spoken_amount(1234.5, "en") == "1,234.50"


def test_billing_link_is_an_effect_then_said():
	asked = ivr.billing(ctx(), "1")
	assert asked.effects == [("portal_link", {})]
	sent = ivr.billing(ctx(), "1", link_sent=True)
	assert says(root(sent)) == [ivr.LINK_SENT] and (ivr.LOG_LINK,) in sent.log
	failed = ivr.billing(ctx(), "1", link_sent=False)
	assert says(root(failed)) == [ivr.LINK_NOT_SENT]


def test_language_switch_redirects_to_the_menu_in_english():
	plan = ivr.choose(ctx(), "9", None)
	assert root(plan).find("Redirect").text == url("menu", lang="en")


def test_route_rings_every_available_softphone_with_the_thread():
	plan = ivr.choose(ctx(staff=("ana@gigafibre.ca", "bob@gigafibre.ca"), issue="ISS-1"), "0", None)
	dial = root(plan).find("Dial")
	assert dial.get("action") == url("dialed", dept="operator")
	clients = dial.findall("Client")
	assert [c.find("Identity").text for c in clients] == ["ana@gigafibre.ca", "bob@gigafibre.ca"]
	params = {p.get("name"): p.get("value") for p in clients[0].findall("Parameter")}
	assert params == {"issue": "ISS-1", "customer": "CUST-1"}


def test_route_falls_back_to_a_number_then_to_the_queue():
	dial = root(ivr.choose(ctx(numbers={"sales": "+15145550111"}), "3", None)).find("Dial")
	assert dial.text == "+15145550111"
	tree = root(ivr.choose(ctx(), "3", None))
	enqueue = tree.find("Enqueue")
	assert enqueue.text == "gigafibre-sales" and enqueue.get("waitUrl") == url("wait", dept="sales")


def test_dial_outcome():
	assert root(ivr.dialed(ctx(), "support", "completed")).find("Hangup") is not None
	assert root(ivr.dialed(ctx(), "support", "no-answer")).find("Enqueue").text == "gigafibre-support"
	assert root(ivr.dialed(ctx(), "bogus", "busy")).find("Enqueue").text == "gigafibre-operator"


def test_hold_offers_a_callback_and_press_1_creates_it():
	tree = root(ivr.wait(ctx(), "3"))
	gather = tree.find("Gather")
	assert gather.get("action") == url("queue")
	assert says(gather)[0] == ivr.ON_HOLD.format(3) and gather.find("Play").text == ivr.HOLD_MUSIC
	assert says(root(ivr.wait(ctx(), "x")))[0] == ivr.ON_HOLD.format(1)
	plan = ivr.queue(ctx(), "1")
	assert plan.effects == [("callback", {})] and root(plan).find("Hangup") is not None
	assert root(ivr.queue(ctx(), "5")).find("Redirect").text == url("wait")


def test_voicemail_and_transcription_effects():
	plan = ivr.recorded(ctx(), "https://api.twilio.com/rec/RE1", "12")
	assert plan.effects == [("voicemail", {"url": "https://api.twilio.com/rec/RE1", "duration": "12"})]
	assert ivr.recorded(ctx(), None, None).effects == []
	assert ivr.transcribed(ctx(), " Rappelez-moi ", "completed").effects == [
		("transcription", {"text": "Rappelez-moi"})
	]
	assert ivr.transcribed(ctx(), "", "failed").effects == []


def test_support_goes_to_the_voice_agent_when_enabled():
	tree = root(ivr.choose(ctx(agent_enabled=True), "2", None))
	gather = tree.find("Gather")
	assert gather.get("input") == "speech" and gather.get("language") == "fr-CA"
	assert gather.get("action") == url("agent")
	# Not enabled: straight to a person (here the queue).
	assert root(ivr.choose(ctx(), "2", None)).find("Enqueue") is not None


def test_agent_turns_and_hand_off():
	turn = root(ivr.agent_turn(ctx(), "Votre solde est de 42,50 $.", handed_off=False))
	gather = turn.find("Gather")
	assert gather.find("Say").text == "Votre solde est de 42,50 $." and gather.get("input") == "speech"
	assert turn.find("Redirect").text == url("agent", miss=1)
	handed = root(ivr.agent_turn(ctx(staff=("ana@gigafibre.ca",)), "Un agent va vous répondre.", True))
	assert says(handed)[0] == "Un agent va vous répondre."
	assert handed.find("Dial/Client/Identity").text == "ana@gigafibre.ca"
	again = root(ivr.agent_listen(ctx(), 1))
	assert again.find("Gather") is not None and again.find("Redirect").text == url("agent", miss=2)
	assert root(ivr.agent_listen(ctx(), 2)).find("Enqueue") is not None


def test_call_end_is_logged_once_final():
	assert ivr.ended(ctx(), "completed", "73").log == [(ivr.LOG_ENDED, "completed", "73")]
	assert ivr.ended(ctx(), "in-progress", None).log == []
	assert root(ivr.ended(ctx(), "completed", "1")).tag == "Response"


def test_hours_and_holidays():
	hours = ivr.parse_hours("lun-ven 8h00-20:00; sam 09:00-17:00")
	assert ivr.is_open(hours, NOW)
	assert not ivr.is_open(hours, datetime(2026, 12, 2, 20, 0))
	assert ivr.is_open(hours, datetime(2026, 12, 5, 9, 0)) and not ivr.is_open(
		hours, datetime(2026, 12, 6, 10)
	)
	assert not ivr.is_open(hours, NOW, holidays=[date(2026, 12, 2)])
	assert ivr.parse_hours("")[0] == [(time(8), time(20))]
	assert ivr.parse_hours("sat-mon 10:00-12:00").keys() == {5, 6, 0}
	with pytest.raises(ValueError):
		ivr.parse_hours("weekdays all day")


@pytest.mark.parametrize(
	"step",
	[
		lambda c: ivr.start(c),
		lambda c: ivr.menu(c),
		lambda c: ivr.choose(c, "\x00", "<Say>"),
		lambda c: ivr.billing(c, "#"),
		lambda c: ivr.wait(c, None),
		lambda c: ivr.queue(c, None),
		lambda c: ivr.agent_turn(c, "<b>&", False),
		lambda c: ivr.no_one(c),
	],
)
def test_every_step_is_twiml(step):
	assert root(step(ctx())).tag == "Response"
