import copy

import pytest

from gigafibre.flows.errors import FlowDefinitionError
from gigafibre.flows.events import CATALOG, EVENTS, is_known_event
from gigafibre.flows.validation import find_problems, validate, validate_template

ACTIONS = {"send_sms", "create_job", "open_ticket"}

GOOD = {
	"name": "Install after payment",
	"trigger_event": "on_payment_received",
	"reference_doctype": "Payment Entry",
	"condition": "doc.paid_amount > 0",
	"max_attempts": 3,
	"retry_backoff_seconds": 60,
	"steps": [
		{
			"step_id": "check",
			"step_type": "condition",
			"expression": "doc.paid_amount > 100",
			"next_step": "job",
			"else_step": "thanks",
		},
		{
			"step_id": "job",
			"step_type": "action",
			"action": "create_job",
			"params": '{"customer": "{{ doc.party }}"}',
		},
		{
			"step_id": "wait_job",
			"step_type": "wait",
			"wait_kind": "event",
			"wait_event": "on_job_complete",
			"timeout_seconds": 259200,
			"timeout_step": "escalate",
		},
		{
			"step_id": "greet",
			"step_type": "set",
			"set_key": "greeting",
			"expression": "'Bonjour ' ~ doc.party",
		},
		{
			"step_id": "thanks",
			"step_type": "action",
			"action": "send_sms",
			"params": {"body": "{{ vars.greeting }}"},
		},
		{
			"step_id": "visit",
			"step_type": "wait",
			"wait_kind": "until_field",
			"wait_field": "scheduled_start",
		},
		{"step_id": "pause", "step_type": "wait", "wait_kind": "duration", "wait_seconds": 3600},
		{
			"step_id": "poll",
			"step_type": "condition",
			"expression": "steps.job.done",
			"next_step": "end",
			"else_step": "pause",
		},
		{"step_id": "end", "step_type": "end"},
		{"step_id": "escalate", "step_type": "action", "action": "open_ticket", "next_step": "end"},
	],
}


def with_step(target, /, **changes):
	template = copy.deepcopy(GOOD)
	for row in template["steps"]:
		if row["step_id"] == target:
			row.update(changes)
	return template


def problems_of(template):
	return [(p.step_id, str(p)) for p in find_problems(template, ACTIONS)]


def test_good_template_has_no_problem():
	assert find_problems(GOOD, ACTIONS) == []
	validate(GOOD, ACTIONS)
	assert validate_template is find_problems


@pytest.mark.parametrize(
	("template", "step_id", "fragment"),
	[
		(with_step("greet", step_id="job"), "job", "used by more than one row"),
		(with_step("greet", step_id=""), "", "Row 4 has no step id"),
		(with_step("greet", step_type="loop"), "greet", "Unknown step type loop"),
		(with_step("greet", step_type=""), "greet", "has no type"),
		(with_step("job", action="send_fax"), "job", "Unknown action send_fax"),
		(with_step("job", action=""), "job", "needs an action"),
		(with_step("greet", next_step="nowhere"), "greet", "next_step names step nowhere"),
		(with_step("check", else_step="nowhere"), "check", "else_step names step nowhere"),
		(with_step("wait_job", timeout_step="nowhere"), "wait_job", "timeout_step names step nowhere"),
		(with_step("check", expression=""), "check", "needs an expression"),
		(with_step("check", expression="doc.paid_amount >"), "check", "is not valid"),
		(with_step("greet", expression="'a' ~"), "greet", "is not valid"),
		(with_step("greet", expression=""), "greet", "needs an expression"),
		(with_step("greet", set_key=""), "greet", "needs a variable name"),
		(with_step("pause", wait_seconds=0), "pause", "seconds above 0"),
		(with_step("pause", wait_seconds=-5), "pause", "seconds above 0"),
		(with_step("visit", wait_field=""), "visit", "field that holds the date"),
		(with_step("wait_job", wait_event="on_moon_landing"), "wait_job", "Unknown event on_moon_landing"),
		(with_step("wait_job", wait_event=""), "wait_job", "event to wait for"),
		(with_step("wait_job", timeout_seconds=0), "wait_job", "must be bounded"),
		(with_step("pause", wait_kind="forever"), "pause", "Unknown wait kind forever"),
		(with_step("job", params='{"customer": '), "job", "not valid JSON"),
		(with_step("job", params="[1, 2]"), "job", "must be a JSON object"),
		(with_step("job", params={"customer": "{{ doc.party "}), "job", "is not valid"),
		(with_step("thanks", params={"body": ["ok", {"deep": "{% if x %}open"}]}), "thanks", "is not valid"),
	],
)
def test_each_step_problem_names_its_step(template, step_id, fragment):
	problems = problems_of(template)
	assert any(sid == step_id and fragment in text for sid, text in problems), problems


def test_unreachable_step():
	template = copy.deepcopy(GOOD)
	template["steps"].append({"step_id": "orphan", "step_type": "action", "action": "send_sms"})
	assert problems_of(template) == [("orphan", "Step orphan: No path leads to this step.")]
	# Reached only through an else_step or a timeout_step counts as reachable.
	assert problems_of(GOOD) == []


def test_loop_without_wait_is_refused_but_loop_through_wait_is_fine():
	# check -(else)-> thanks -> check never waits.
	template = with_step("thanks", next_step="check")
	assert [p for p in problems_of(template) if "loop" in p[1]] == [
		(
			"check",
			"Step check: Steps check, thanks form a loop without a wait step; a loop must pass through a wait.",
		)
	]
	# poll -(else)-> check -(else)-> thanks -> visit (wait) ... -> poll passes through waits.
	assert problems_of(with_step("poll", else_step="check")) == []
	# So does GOOD's own loop: poll -> pause (wait) -> poll.
	assert problems_of(GOOD) == []


def test_waitless_cycle_inside_a_larger_cycle_through_a_wait():
	template = {
		"name": "x",
		"trigger_event": "on_ticket_created",
		"steps": [
			{
				"step_id": "a",
				"step_type": "condition",
				"expression": "true",
				"next_step": "b",
				"else_step": "w",
			},
			{"step_id": "b", "step_type": "set", "set_key": "k", "expression": "1", "next_step": "a"},
			{
				"step_id": "w",
				"step_type": "wait",
				"wait_kind": "duration",
				"wait_seconds": 5,
				"next_step": "a",
			},
		],
	}
	problems = find_problems(template, ACTIONS)
	assert [(p.step_id, p.args_) for p in problems] == [("a", ("a, b",))]


def test_self_loop_is_a_loop():
	template = {
		"name": "x",
		"trigger_event": "on_ticket_created",
		"steps": [{"step_id": "a", "step_type": "condition", "expression": "true", "next_step": "a"}],
	}
	assert [(p.step_id, "loop" in str(p)) for p in find_problems(template, ACTIONS)] == [("a", True)]


@pytest.mark.parametrize(
	("changes", "fragment"),
	[
		({"trigger_event": "on_sunrise"}, "Unknown trigger event on_sunrise"),
		({"trigger_event": ""}, "no trigger event"),
		({"condition": "doc.paid_amount >"}, "is not valid"),
		({"steps": []}, "no steps"),
		({"max_attempts": 0}, "Max attempts"),
		({"retry_backoff_seconds": -1}, "backoff"),
	],
)
def test_template_level_problems(changes, fragment):
	template = {**copy.deepcopy(GOOD), **changes}
	problems = find_problems(template, ACTIONS)
	assert any(p.step_id is None and fragment in str(p) for p in problems), [str(p) for p in problems]


def test_validate_raises_the_first_problem_with_template_and_args():
	template = with_step("job", action="send_fax")
	with pytest.raises(FlowDefinitionError) as caught:
		validate(template, ACTIONS)
	assert caught.value.step_id == "job"
	assert caught.value.message == "Unknown action {0}."
	assert caught.value.args_ == ("send_fax",)


def test_known_events_can_be_narrowed():
	problems = find_problems(GOOD, ACTIONS, known_events={"on_payment_received"})
	assert [(p.step_id, p.args_) for p in problems] == [("wait_job", ("on_job_complete",))]


def test_many_problems_are_all_listed():
	template = with_step("job", action="send_fax", params="{bad")
	template = {**template, "trigger_event": "nope"}
	assert [p.step_id for p in find_problems(template, ACTIONS)] == [None, "job", "job"]


def test_event_catalog():
	names = [e.name for e in CATALOG]
	assert list(EVENTS) == names and len(names) == len(set(names)) == 17
	assert names[0] == "on_payment_received" and {"on_optical_alarm", "on_ticket_classified"} <= set(names)
	assert all(e.description for e in CATALOG)
	assert is_known_event("on_job_complete") and not is_known_event("on_nothing") and not is_known_event(None)
