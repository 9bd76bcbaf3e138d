"""The desk offers exactly the catalogs: the Select options in the doctype JSON follow them."""

import json
from pathlib import Path

from gigafibre.flows.action_catalog import ACTIONS, params_problems
from gigafibre.flows.events import EVENTS

DOCTYPES = Path(__file__).resolve().parents[2] / "gigafibre" / "gigafibre" / "doctype"


def _options(doctype: str, fieldname: str) -> list[str]:
	doc = json.loads((DOCTYPES / doctype / f"{doctype}.json").read_text())
	field = next(f for f in doc["fields"] if f["fieldname"] == fieldname)
	return [o for o in field["options"].split("\n") if o]


def test_trigger_and_wait_events_are_the_catalog():
	assert _options("flow_template", "trigger_event") == list(EVENTS)
	assert _options("flow_step", "wait_event") == list(EVENTS)


def test_step_actions_are_the_catalog():
	assert _options("flow_step", "action") == list(ACTIONS)


def test_required_params_named_with_the_step():
	problems = params_problems("send_sms", {"to": "{{ doc.mobile }}"}, "notify")
	assert [(p.step_id, p.args_) for p in problems] == [("notify", ("send_sms", "body"))]
	assert params_problems("send_sms", {"to": "x", "body": "y"}, "s") == []


def test_email_needs_a_message_or_a_template_and_a_subject_with_a_message():
	assert params_problems("send_email", {"recipients": "a@b.ca"}, "m")
	assert params_problems("send_email", {"recipients": "a@b.ca", "message": "Bonjour"}, "m")
	assert (
		params_problems("send_email", {"recipients": "a@b.ca", "message": "Bonjour", "subject": "Objet"}, "m")
		== []
	)
	assert params_problems("send_email", {"recipients": "a@b.ca", "email_template": "Accusé"}, "m") == []


def test_field_maps_must_be_objects():
	problems = params_problems("create_document", {"doctype": "ToDo", "fields": "description"}, "c")
	assert any(p.args_ == ("fields",) for p in problems)
