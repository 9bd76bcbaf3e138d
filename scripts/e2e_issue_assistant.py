"""The Issue form's assistant end to end, in Chromium against a served site with a loopback
Gemini; a bench-side script (it needs a site).

	cd <bench> && bench serve --port 8015 &
	cd sites && ../env/bin/python <repo>/scripts/e2e_issue_assistant.py --site <site> \\
		--url http://<site>:8015 --shots /work/notes/screens

It signs in as its own Support Team user (made and removed here) and opens a portal thread of its
own customer with a customer's message. Summarize shows the summary and the open question.
Suggest a reply shows the draft in the reply dialog and sends nothing. Once the draft is edited,
Send records the edited text on the thread and nothing else. Settings are put back and its
records removed at the end.
"""

import sys
from pathlib import Path

import frappe
from browser_session import chromium, connect, desk_user, sign_in

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

SUMMARY = "Le client n'a plus Internet depuis ce matin; le modem clignote rouge."
QUESTION = "Une date de visite"
DRAFT = "Bonjour, nous regardons votre ligne et revenons vers vous dans l'heure."
EDITED = " Merci de votre patience."


def gemini(request):
	from gigafibre.tests.peers import gemini_json

	system = request.json()["systemInstruction"]["parts"][0]["text"]
	if "You summarise" in system:
		return gemini_json({"summary_fr": SUMMARY, "open_questions_fr": [QUESTION]})
	return gemini_json({"reply": DRAFT, "language": "fr"})


def sent(issue: str) -> list[str]:
	frappe.db.rollback()  # a fresh read of what the served site committed
	return frappe.get_all(
		"Communication",
		filters={"reference_doctype": "Issue", "reference_name": issue, "sent_or_received": "Sent"},
		pluck="text_content",
		order_by="creation asc",
	)


def main():
	args = connect()

	from playwright.sync_api import sync_playwright

	from gigafibre.messaging import conversations
	from gigafibre.tests.peers import LoopbackPeer
	from gigafibre.tests.utils import test_customer

	shots = args.shots
	settings = frappe.get_single("Gigafibre Settings")
	keys = ("gemini_api_base", "ai_calls_per_hour", "ai_tokens_per_day", "agent_on_portal", "triage_enabled")
	saved = {k: settings.get(k) for k in keys}
	saved_key = settings.get_password("gemini_api_key", raise_exception=False)
	with LoopbackPeer(gemini) as peer:
		settings.update(
			{
				"gemini_api_key": "e2e",
				"gemini_api_base": peer.url,
				"ai_calls_per_hour": 0,
				"ai_tokens_per_day": 0,
				"agent_on_portal": 0,  # a person answers this thread
				"triage_enabled": 0,
			}
		)
		settings.save()
		user, password = desk_user("e2e-support", "Support Team")
		customer = test_customer(f"_Test E2E Assistant {frappe.generate_hash(length=4)}")
		issue = conversations.thread_for(customer, "Portal", customer)
		conversations.add_message(
			issue, "Plus d'internet depuis ce matin, le modem clignote rouge", "Received", "Portal"
		)
		frappe.db.commit()
		try:
			with sync_playwright() as p:
				browser = chromium(p)
				page = browser.new_page(viewport={"width": 1280, "height": 1000})
				errors = []
				page.on("pageerror", lambda e: errors.append(str(e)))
				sign_in(page, args.url, user, password)
				page.goto(f"{args.url}/app/issue/{issue}")
				try:
					page.click("button:has-text('Assistant')", timeout=30000)
				except Exception:
					page.screenshot(path=str(shots / "issue-assistant-failure.png"), full_page=True)
					print("page errors:", errors, page.url)
					raise
				page.click("a:has-text('Summarize')", timeout=10000)
				page.locator(".modal.show", has_text=SUMMARY).wait_for(timeout=30000)
				assert QUESTION in page.inner_text(".modal.show")
				page.screenshot(path=str(shots / "issue-assistant-summary.png"))
				page.click(".modal.show .btn-modal-close")
				page.wait_for_selector(".modal.show", state="detached", timeout=10000)

				page.click("button:has-text('Assistant')")
				page.click("a:has-text('Suggest a reply')", timeout=10000)
				box = page.wait_for_selector(".modal.show textarea[data-fieldname='text']", timeout=30000)
				assert box.input_value() == DRAFT, box.input_value()
				page.screenshot(path=str(shots / "issue-assistant-draft.png"))
				assert sent(issue) == [], "a draft went out without Send"
				box.click()
				page.keyboard.press("End")
				page.keyboard.type(EDITED)
				page.click(".modal.show .btn-primary:has-text('Send')")
				page.wait_for_selector(".modal.show", state="detached", timeout=30000)
				assert sent(issue) == [DRAFT + EDITED], sent(issue)
				assert not errors, errors
				browser.close()
			print(
				"OK: summary shown, draft shown and not sent, the edited draft sent on Send; screenshots in",
				shots,
			)
		finally:
			settings = frappe.get_single("Gigafibre Settings")
			settings.update(saved)
			settings.gemini_api_key = saved_key
			settings.save()
			frappe.db.delete("Communication", {"reference_doctype": "Issue", "reference_name": issue})
			frappe.delete_doc("Issue", issue, force=True)
			frappe.delete_doc("Customer", customer, force=True)
			frappe.delete_doc("User", user, force=True)
			frappe.db.commit()


if __name__ == "__main__":
	main()
