import copy
import json
from datetime import datetime, timedelta, timezone

import pytest

from gigafibre.flows import engine
from gigafibre.flows.engine import (
	CANCELLED,
	COMPLETED,
	FAILED,
	MAX_TRANSITIONS,
	RUNNING,
	WAITING,
	ActionEffect,
	FlowTemplate,
	RunState,
	action_failed,
	action_succeeded,
	cancel,
	resume_on_event,
	resume_on_time,
	retry,
	run_key,
	should_start,
	simulate,
	start,
)
from gigafibre.flows.errors import ExpressionError

NOW = datetime(2025, 3, 10, 9, 0, 0)
EVENT = "on_payment_received"


def flow(*steps, **fields):
	return {
		"name": "Test flow",
		"trigger_event": EVENT,
		"reference_doctype": "Payment Entry",
		"condition": "",
		"max_attempts": 3,
		"retry_backoff_seconds": 60,
		"steps": list(steps),
		**fields,
	}


def outcomes(state):
	return [(entry["step_id"], entry["outcome"]) for entry in state.log]


BRANCH = flow(
	{
		"step_id": "check",
		"step_type": "condition",
		"expression": "doc.paid_amount > 100",
		"next_step": "big",
		"else_step": "small",
	},
	{"step_id": "big", "step_type": "set", "set_key": "size", "expression": "'big'", "next_step": "end"},
	{"step_id": "small", "step_type": "set", "set_key": "size", "expression": "'small'"},
	{"step_id": "end", "step_type": "end"},
)


# --- conditions and set ---------------------------------------------------------------------


def test_condition_true_branch():
	state, effects = start(BRANCH, {"paid_amount": 500}, EVENT, NOW)
	assert state.status == COMPLETED
	assert state.context["vars"] == {"size": "big"}
	assert outcomes(state) == [
		("", "started"),
		("check", "condition_true"),
		("big", "set"),
		("end", "completed"),
	]
	assert effects == []


def test_condition_false_branch():
	state, _ = start(BRANCH, {"paid_amount": 5}, EVENT, NOW)
	assert state.status == COMPLETED
	assert state.context["vars"] == {"size": "small"}
	assert [e["step_id"] for e in state.log][1:] == ["check", "small", "end"]
	assert state.log[1]["outcome"] == "condition_false"


def test_condition_without_else_step_is_a_guard():
	template = flow(
		{"step_id": "guard", "step_type": "condition", "expression": "doc.ok"},
		{"step_id": "act", "step_type": "action", "action": "send_sms"},
	)
	state, effects = start(template, {"ok": False}, EVENT, NOW)
	assert state.status == COMPLETED and effects == []
	state, effects = start(template, {"ok": True}, EVENT, NOW)
	assert state.status == RUNNING and [e.action for e in effects] == ["send_sms"]


def test_set_and_action_output_are_read_by_later_conditions():
	template = flow(
		{
			"step_id": "greet",
			"step_type": "set",
			"set_key": "greeting",
			"expression": "'Bonjour ' ~ doc.customer_name",
		},
		{
			"step_id": "lookup",
			"step_type": "action",
			"action": "find_device",
			"params": {"serial": "{{ doc.serial }}"},
		},
		{
			"step_id": "online",
			"step_type": "condition",
			"expression": "steps.lookup.online and vars.greeting == 'Bonjour Ana'",
			"next_step": "tell",
			"else_step": "escalate",
		},
		{
			"step_id": "tell",
			"step_type": "action",
			"action": "send_sms",
			"params": '{"body": "{{ vars.greeting }}!"}',
			"next_step": "done",
		},
		{"step_id": "escalate", "step_type": "action", "action": "open_ticket"},
		{"step_id": "done", "step_type": "end"},
	)
	state, effects = start(template, {"customer_name": "Ana", "serial": "SN1"}, EVENT, NOW)
	assert state.status == RUNNING and state.current_step == "lookup"
	assert effects == [ActionEffect("lookup", "find_device", {"serial": "SN1"}, 1)]

	online, effects = action_succeeded(template, state, {"online": True}, NOW)
	assert online.context["steps"]["lookup"] == {"online": True}
	assert effects == [ActionEffect("tell", "send_sms", {"body": "Bonjour Ana!"}, 1)]
	done, effects = action_succeeded(template, online, None, NOW)
	assert done.status == COMPLETED and done.current_step == "done" and effects == []

	offline, effects = action_succeeded(template, state, {"online": False}, NOW)
	assert [e.action for e in effects] == ["open_ticket"]


def test_engine_stops_after_one_action_even_when_more_follow():
	template = flow(
		{"step_id": "a", "step_type": "action", "action": "one"},
		{"step_id": "b", "step_type": "action", "action": "two"},
	)
	state, effects = start(template, {}, EVENT, NOW)
	assert [e.step_id for e in effects] == ["a"]
	assert state.status == RUNNING and state.current_step == "a" and state.attempts == 1
	state, effects = action_succeeded(template, state, {"id": 1}, NOW)
	assert [e.step_id for e in effects] == ["b"]
	state, effects = action_succeeded(template, state, {}, NOW)
	# Past the last row the run completes.
	assert state.status == COMPLETED and effects == []
	assert state.log[-1]["outcome"] == "completed"


def test_inputs_are_never_mutated_and_log_holds_this_call_only():
	doc = {"paid_amount": 500}
	template = copy.deepcopy(BRANCH)
	template["steps"][1] = {"step_id": "big", "step_type": "action", "action": "notify"}
	state, _ = start(template, doc, EVENT, NOW)
	snapshot = copy.deepcopy(state)
	after, _ = action_succeeded(template, state, {"sent": True}, NOW)
	assert state == snapshot
	assert doc == {"paid_amount": 500}
	assert template["steps"][1] == {"step_id": "big", "step_type": "action", "action": "notify"}
	assert outcomes(after)[0] == ("big", "action_succeeded")
	assert all(entry["at"] == NOW for entry in after.log)


def test_start_accepts_extra_context_but_not_reserved_keys():
	template = flow({"step_id": "c", "step_type": "condition", "expression": "source == 'stripe'"})
	state, _ = start(template, {}, EVENT, NOW, source="stripe")
	assert state.context["source"] == "stripe"
	assert state.log[1]["outcome"] == "condition_true"
	with pytest.raises(TypeError):
		start(template, {}, EVENT, NOW, vars={})


def test_expressions_see_now():
	template = flow({"step_id": "c", "step_type": "set", "set_key": "late", "expression": "now > doc.due"})
	state, _ = start(template, {"due": NOW - timedelta(days=1)}, EVENT, NOW)
	assert state.context["vars"] == {"late": True}
	assert "now" not in state.context


def test_start_accepts_a_document_object():
	class FakeDocument:
		def as_dict(self):
			return {"paid_amount": 500}

	state, _ = start(BRANCH, FakeDocument(), EVENT, NOW)
	assert state.context["doc"] == {"paid_amount": 500} and state.context["vars"] == {"size": "big"}


# --- failures inside a run ------------------------------------------------------------------


def test_bad_expression_fails_the_run_with_a_clear_message():
	template = flow({"step_id": "c", "step_type": "condition", "expression": "doc.paid_amout > 0"})
	state, effects = start(template, {"paid_amount": 1}, EVENT, NOW)
	assert state.status == FAILED and state.current_step == "c" and effects == []
	assert "paid_amout" in state.last_error
	assert state.log[-1]["outcome"] == "failed"


def test_unsafe_params_fail_the_run():
	template = flow(
		{"step_id": "a", "step_type": "action", "action": "x", "params": {"p": "{{ ''.__class__.__mro__ }}"}}
	)
	state, effects = start(template, {}, EVENT, NOW)
	assert state.status == FAILED and effects == []
	assert "refused" in state.last_error and "__class__" in state.last_error


def test_unknown_target_and_empty_template_fail():
	state, _ = start(
		flow({"step_id": "a", "step_type": "set", "set_key": "k", "expression": "1", "next_step": "ghost"}),
		{},
		EVENT,
		NOW,
	)
	assert state.status == FAILED and "ghost" in state.last_error
	state, _ = start(flow(), {}, EVENT, NOW)
	assert state.status == FAILED and "no steps" in state.last_error


def test_loop_guard_fails_a_loop_that_never_pauses():
	template = flow(
		{
			"step_id": "a",
			"step_type": "set",
			"set_key": "n",
			"expression": "vars.n + 1 if vars.n is defined else 1",
			"next_step": "b",
		},
		{"step_id": "b", "step_type": "condition", "expression": "true", "next_step": "a"},
	)
	state, effects = start(template, {}, EVENT, NOW)
	assert state.status == FAILED and effects == []
	assert str(MAX_TRANSITIONS) in state.last_error and "loop" in state.last_error
	assert state.context["vars"]["n"] == MAX_TRANSITIONS // 2


# --- waits ----------------------------------------------------------------------------------


def wait_flow(wait_step, **fields):
	return flow(
		{"step_id": "before", "step_type": "set", "set_key": "x", "expression": "1"},
		wait_step,
		{"step_id": "after", "step_type": "action", "action": "send_sms"},
		{"step_id": "escalate", "step_type": "action", "action": "open_ticket"},
		**fields,
	)


DURATION = wait_flow({"step_id": "w", "step_type": "wait", "wait_kind": "duration", "wait_seconds": 3600})


def test_duration_wait_sleeps_then_continues():
	state, effects = start(DURATION, {}, EVENT, NOW)
	assert (state.status, state.current_step, state.wake_at, state.waiting_event) == (
		WAITING,
		"w",
		NOW + timedelta(hours=1),
		None,
	)
	assert effects == []

	early, effects = resume_on_time(DURATION, state, NOW + timedelta(minutes=59))
	assert early.status == WAITING and early.wake_at == state.wake_at and effects == [] and early.log == []

	woke, effects = resume_on_time(DURATION, state, NOW + timedelta(hours=1))
	assert woke.status == RUNNING and woke.wake_at is None
	assert [e.action for e in effects] == ["send_sms"]
	assert outcomes(woke) == [("w", "resumed"), ("after", "action_requested")]


def until(value, now=NOW):
	template = wait_flow(
		{"step_id": "w", "step_type": "wait", "wait_kind": "until_field", "wait_field": "scheduled_start"}
	)
	return template, start(template, {"scheduled_start": value}, EVENT, now)


@pytest.mark.parametrize(
	"value", [None, "", "2025-03-10 08:00:00", NOW - timedelta(seconds=1), NOW, datetime(2025, 3, 9).date()]
)
def test_until_field_past_or_empty_continues_at_once(value):
	_, (state, effects) = until(value)
	assert state.status == RUNNING and [e.action for e in effects] == ["send_sms"]
	assert ("w", "resumed") in outcomes(state)


@pytest.mark.parametrize(
	"value", ["2025-03-11 14:30:00", "2025-03-11T14:30:00", datetime(2025, 3, 11, 14, 30)]
)
def test_until_field_future_waits_until_that_time(value):
	template, (state, effects) = until(value)
	assert state.status == WAITING and state.wake_at == datetime(2025, 3, 11, 14, 30) and effects == []
	woke, effects = resume_on_time(template, state, datetime(2025, 3, 11, 14, 30))
	assert [e.action for e in effects] == ["send_sms"]


def test_until_field_follows_a_rescheduled_document():
	template, (state, _) = until("2025-03-11 14:30:00")
	later = {"scheduled_start": "2025-03-12 08:00:00"}
	again, effects = resume_on_time(template, state, datetime(2025, 3, 11, 14, 30), doc=later)
	assert again.status == WAITING and again.wake_at == datetime(2025, 3, 12, 8) and effects == []
	assert again.context["doc"] == later


def test_until_field_with_aware_clock_and_bad_values():
	aware_now = NOW.replace(tzinfo=timezone.utc)
	_, (state, _) = until("2025-03-11 14:30:00", now=aware_now)
	assert state.wake_at == datetime(2025, 3, 11, 14, 30, tzinfo=timezone.utc)
	_, (state, _) = until("2025-03-11T14:30:00+00:00")
	assert state.status == FAILED and "time zone" in state.last_error
	_, (state, _) = until("next tuesday")
	assert state.status == FAILED and "next tuesday" in state.last_error


def test_a_waking_run_reads_its_extra_context_afresh():
	# The customer read at the start; days later they have a payment arrangement.
	template = flow(
		{"step_id": "w", "step_type": "wait", "wait_kind": "duration", "wait_seconds": 3600},
		{"step_id": "not_held", "step_type": "condition", "expression": "not customer.payment_arrangement"},
		{"step_id": "dun", "step_type": "action", "action": "send_sms"},
	)
	state, _ = start(
		template, {"name": "INV-1"}, EVENT, NOW, customer={"payment_arrangement": False}, extra=1
	)
	later = NOW + timedelta(hours=1)
	stale, effects = resume_on_time(template, state, later)
	assert [e.action for e in effects] == ["send_sms"]  # nothing read afresh: the start's facts
	woke, effects = resume_on_time(
		template, state, later, context={"customer": {"payment_arrangement": True}}
	)
	assert woke.status == COMPLETED and effects == []
	assert woke.context["customer"] == {"payment_arrangement": True}
	assert woke.context["extra"] == 1  # keys not read afresh are kept
	assert state.context["customer"] == {"payment_arrangement": False}  # the input is not mutated


def test_fresh_context_on_an_event_and_never_over_the_engines_own_keys():
	template = wait_flow(EVENT_WAIT)
	state, _ = start(template, {}, EVENT, NOW, customer={"name": "C-1", "mobile_no": None})
	fresh = {"customer": {"name": "C-1", "mobile_no": "+15145550101"}}
	woke, _ = resume_on_event(template, state, "on_job_complete", None, NOW, context=fresh)
	assert woke.context["customer"]["mobile_no"] == "+15145550101"
	for key in ("doc", "steps", "vars", "event", "now"):
		with pytest.raises(TypeError):
			resume_on_time(template, state, NOW, context={key: {}})
	# A run that is not due keeps what it had, whatever is offered.
	unchanged, effects = resume_on_time(DURATION, start(DURATION, {}, EVENT, NOW).state, NOW, context=fresh)
	assert "customer" not in unchanged.context and effects == []


EVENT_WAIT = {
	"step_id": "w",
	"step_type": "wait",
	"wait_kind": "event",
	"wait_event": "on_job_complete",
	"timeout_seconds": 259200,
	"timeout_step": "escalate",
	"next_step": "after",
}


def test_event_wait_resumes_on_its_event_only():
	template = wait_flow(EVENT_WAIT)
	state, _ = start(template, {"name": "PE-1"}, EVENT, NOW)
	assert state.status == WAITING and state.waiting_event == "on_job_complete"
	assert state.wake_at == NOW + timedelta(days=3)

	other, effects = resume_on_event(template, state, "on_job_started", {"name": "JOB-1"}, NOW)
	assert (
		other.status == WAITING
		and other.context["doc"] == {"name": "PE-1"}
		and effects == []
		and other.log == []
	)

	job = {"name": "JOB-1", "status": "Completed"}
	woke, effects = resume_on_event(template, state, "on_job_complete", job, NOW + timedelta(hours=5))
	assert woke.context["doc"] == job and woke.waiting_event is None and woke.wake_at is None
	assert woke.context["steps"]["w"] == {"event": "on_job_complete", "timed_out": False}
	assert [e.action for e in effects] == ["send_sms"]
	# The event for a run that is no longer waiting changes nothing.
	again, effects = resume_on_event(template, woke, "on_job_complete", job, NOW)
	assert again.status == RUNNING and effects == []


def test_event_wait_timeout_goes_to_timeout_step():
	template = wait_flow(EVENT_WAIT)
	state, _ = start(template, {}, EVENT, NOW)
	not_yet, effects = resume_on_time(template, state, NOW + timedelta(days=3) - timedelta(seconds=1))
	assert not_yet.status == WAITING and effects == []
	timed_out, effects = resume_on_time(template, state, NOW + timedelta(days=3))
	assert [e.action for e in effects] == ["open_ticket"]
	assert timed_out.context["steps"]["w"]["timed_out"] is True
	assert outcomes(timed_out)[0] == ("w", "timed_out")


def test_event_wait_timeout_without_timeout_step_fails():
	template = wait_flow({**EVENT_WAIT, "timeout_step": ""})
	state, _ = start(template, {}, EVENT, NOW)
	failed, effects = resume_on_time(template, state, NOW + timedelta(days=4))
	assert failed.status == FAILED and effects == []
	assert failed.last_error == "Timed out waiting for on_job_complete."
	assert failed.current_step == "w" and failed.waiting_event is None and failed.wake_at is None


def test_unbounded_event_wait_fails_at_run_time():
	state, _ = start(wait_flow({**EVENT_WAIT, "timeout_seconds": 0}), {}, EVENT, NOW)
	assert state.status == FAILED and "timeout" in state.last_error


# --- action retries -------------------------------------------------------------------------

ACTION = flow(
	{"step_id": "sms", "step_type": "action", "action": "send_sms", "params": {"to": "{{ doc.mobile }}"}},
	{"step_id": "done", "step_type": "end"},
	max_attempts=3,
	retry_backoff_seconds=60,
)


def test_action_retries_with_exponential_backoff_then_fails():
	state, effects = start(ACTION, {"mobile": "555"}, EVENT, NOW)
	assert effects == [ActionEffect("sms", "send_sms", {"to": "555"}, 1)]

	state, effects = action_failed(ACTION, state, "Twilio 503", NOW)
	assert (state.status, state.wake_at, state.attempts, state.last_error) == (
		WAITING,
		NOW + timedelta(seconds=60),
		1,
		"Twilio 503",
	)
	assert effects == [] and outcomes(state) == [("sms", "action_retry")]
	assert resume_on_time(ACTION, state, NOW + timedelta(seconds=59)).effects == []

	t1 = NOW + timedelta(seconds=60)
	state, effects = resume_on_time(ACTION, state, t1)
	assert state.status == RUNNING and effects == [ActionEffect("sms", "send_sms", {"to": "555"}, 2)]
	state, _ = action_failed(ACTION, state, "Twilio 503", t1)
	assert state.wake_at == t1 + timedelta(seconds=120) and state.attempts == 2

	t2 = t1 + timedelta(seconds=120)
	state, effects = resume_on_time(ACTION, state, t2)
	assert effects[0].attempt == 3
	state, effects = action_failed(ACTION, state, "Twilio 500", t2)
	assert state.status == FAILED and state.last_error == "Twilio 500" and state.wake_at is None
	assert effects == [] and outcomes(state) == [("sms", "action_failed")]


def test_action_success_after_a_retry_resets_attempts():
	state, _ = start(ACTION, {"mobile": "555"}, EVENT, NOW)
	state, _ = action_failed(ACTION, state, "boom", NOW)
	state, _ = resume_on_time(ACTION, state, NOW + timedelta(minutes=1))
	state, _ = action_succeeded(ACTION, state, {"sid": "SM1"}, NOW + timedelta(minutes=1))
	assert state.status == COMPLETED and state.attempts == 0 and state.last_error == ""
	assert state.context["steps"]["sms"] == {"sid": "SM1"}


def test_retry_delay_formula():
	template = flow(retry_backoff_seconds=30)
	assert [engine.retry_delay(template, n).total_seconds() for n in (1, 2, 3, 4)] == [30, 60, 120, 240]


def test_stale_action_reports_change_nothing():
	state, _ = start(ACTION, {"mobile": "555"}, EVENT, NOW)
	cancelled, _ = cancel(state, NOW)
	for call in (
		lambda: action_succeeded(ACTION, cancelled, {}, NOW),
		lambda: action_failed(ACTION, cancelled, "late", NOW),
	):
		after, effects = call()
		assert after.status == CANCELLED and effects == [] and after.log == []


# --- cancel and retry -----------------------------------------------------------------------


def test_cancel_a_waiting_run():
	state, _ = start(DURATION, {}, EVENT, NOW)
	cancelled, effects = cancel(state, NOW)
	assert cancelled.status == CANCELLED and cancelled.wake_at is None and effects == []
	assert outcomes(cancelled) == [("w", "cancelled")]
	assert resume_on_time(DURATION, cancelled, NOW + timedelta(days=1)).state.status == CANCELLED
	completed, _ = start(BRANCH, {"paid_amount": 1}, EVENT, NOW)
	assert cancel(completed, NOW).state.status == COMPLETED


def test_retry_restarts_a_failed_run_at_its_step():
	state, _ = start(ACTION, {"mobile": "555"}, EVENT, NOW)
	for attempt in range(3):
		if attempt:
			state, _ = resume_on_time(ACTION, state, state.wake_at)
		state, _ = action_failed(ACTION, state, "down", NOW + timedelta(hours=attempt))
	assert state.status == FAILED
	again, effects = retry(ACTION, state, NOW + timedelta(days=1))
	assert again.status == RUNNING and again.last_error == "" and again.attempts == 1
	assert effects == [ActionEffect("sms", "send_sms", {"to": "555"}, 1)]
	assert outcomes(again) == [("sms", "resumed"), ("sms", "action_requested")]
	# Only a Failed run can be retried.
	assert retry(ACTION, again, NOW).effects == []


def test_retry_after_fixing_the_document_re_evaluates():
	template = flow({"step_id": "c", "step_type": "condition", "expression": "doc.amount > 0"})
	state, _ = start(template, {}, EVENT, NOW)
	assert state.status == FAILED
	state.context["doc"] = {"amount": 5}
	fixed, _ = retry(template, state, NOW)
	assert fixed.status == COMPLETED


# --- should_start, simulate, run_key, state round trip --------------------------------------


def test_should_start():
	assert should_start(flow(condition=""), {"paid_amount": 0}, {}) is True
	assert should_start(flow(condition="doc.paid_amount > 0"), {"paid_amount": 10}, {}) is True
	assert should_start(flow(condition="doc.paid_amount > 0"), {"paid_amount": 0}, {}) is False
	assert should_start(
		flow(condition="event == 'on_payment_received' and source == 'stripe'"), {}, {"source": "stripe"}
	)
	with pytest.raises(ExpressionError):
		should_start(flow(condition="doc.nope > 0"), {}, {})


def test_simulate_shows_the_whole_path():
	template = flow(
		{
			"step_id": "check",
			"step_type": "condition",
			"expression": "doc.paid_amount > 0",
			"else_step": "end",
		},
		{"step_id": "create_job", "step_type": "action", "action": "create_job"},
		{"step_id": "wait_job", **{k: v for k, v in EVENT_WAIT.items() if k not in ("step_id", "next_step")}},
		{"step_id": "pause", "step_type": "wait", "wait_kind": "duration", "wait_seconds": 600},
		{
			"step_id": "ok",
			"step_type": "condition",
			"expression": "steps.create_job.job == 'J-1'",
			"next_step": "sms",
			"else_step": "end",
		},
		{
			"step_id": "sms",
			"step_type": "action",
			"action": "send_sms",
			"params": {"job": "{{ steps.create_job.job }}"},
		},
		{"step_id": "end", "step_type": "end"},
		{"step_id": "escalate", "step_type": "action", "action": "open_ticket"},
	)
	path, effects, final = simulate(
		template, {"paid_amount": 10}, EVENT, NOW, action_outputs={"create_job": {"job": "J-1"}}
	)
	assert path == ["check", "create_job", "wait_job", "pause", "ok", "sms", "end"]
	assert [(e.action, e.params) for e in effects] == [("create_job", {}), ("send_sms", {"job": "J-1"})]
	assert final.status == COMPLETED
	assert final.log[0]["outcome"] == "started" and final.log[-1]["outcome"] == "completed"
	assert final.log[-1]["at"] == NOW + timedelta(seconds=600)  # the simulated clock went through the waits

	path, effects, final = simulate(template, {"paid_amount": 0}, EVENT, NOW)
	assert path == ["check", "end"] and effects == [] and final.status == COMPLETED


def test_simulate_stops_a_loop_through_a_wait():
	template = flow(
		{"step_id": "w", "step_type": "wait", "wait_kind": "duration", "wait_seconds": 60},
		{"step_id": "again", "step_type": "condition", "expression": "true", "next_step": "w"},
	)
	path, _, final = simulate(template, {}, EVENT, NOW, max_rounds=5)
	assert final.status == WAITING and path == ["w", "again"] * 5 + ["w"]


def test_run_key_is_stable_and_distinguishes_every_part():
	base = ("Install after payment", EVENT, "Payment Entry", "PE-0001")
	key = run_key(*base)
	assert key == run_key(*base) == run_key(*base, discriminator="")
	assert len(key) == 64 and int(key, 16) >= 0
	variants = [
		("Other", EVENT, "Payment Entry", "PE-0001"),
		(base[0], "on_invoice_submitted", "Payment Entry", "PE-0001"),
		(base[0], EVENT, "Sales Invoice", "PE-0001"),
		(base[0], EVENT, "Payment Entry", "PE-0002"),
	]
	keys = {key, *(run_key(*v) for v in variants), run_key(*base, discriminator="2")}
	assert len(keys) == 6
	# Parts cannot bleed into each other.
	assert run_key("a b", "c", None, None) != run_key("a", "b c", None, None)
	assert run_key("t", "e", None, None) == run_key("t", "e", "", "")


def test_run_key_known_value():
	import hashlib

	expected = hashlib.sha256(b'["T","on_payment_received","Payment Entry","PE-1",""]').hexdigest()
	assert run_key("T", EVENT, "Payment Entry", "PE-1") == expected


def test_state_and_template_round_trip_through_dicts():
	state, _ = start(DURATION, {"a": 1}, EVENT, NOW)
	stored = state.to_dict()
	stored["wake_at"] = stored["wake_at"].isoformat(sep=" ")  # as a Datetime column reads back
	loaded = RunState.from_dict(stored)
	assert loaded == state
	woke, effects = resume_on_time(DURATION, stored, NOW + timedelta(hours=2))
	assert [e.action for e in effects] == ["send_sms"]
	as_text = {**stored, "context": json.dumps(stored["context"])}
	assert RunState.from_dict(as_text) == state
	template = FlowTemplate.from_dict(
		{
			**DURATION,
			"steps": [{**s, "name": "row1", "idx": 1, "doctype": "Flow Step"} for s in DURATION["steps"]],
		}
	)
	assert FlowTemplate.from_dict(template) is template
	assert start(template, {"a": 1}, EVENT, NOW).state == state


def test_until_field_with_an_offset_counts_from_a_date_fields_midnight():
	template = wait_flow(
		{
			"step_id": "w",
			"step_type": "wait",
			"wait_kind": "until_field",
			"wait_field": "due_date",
			"wait_seconds": 3 * 86400 + 10 * 3600,  # day 3 after the due date, 10:00
		}
	)
	state, _ = start(template, {"due_date": "2025-03-10"}, EVENT, NOW)  # due today
	assert state.status == WAITING and state.wake_at == datetime(2025, 3, 13, 10)
	moved, _ = resume_on_time(template, state, datetime(2025, 3, 13, 10), doc={"due_date": "2025-03-12"})
	assert moved.wake_at == datetime(2025, 3, 15, 10)  # the due date moved: so does the wait
	past, effects = start(template, {"due_date": datetime(2025, 3, 1).date()}, EVENT, NOW)
	assert past.status == RUNNING and [e.action for e in effects] == ["send_sms"]
	before = wait_flow({**template["steps"][1], "wait_seconds": -86400})
	assert start(before, {"due_date": "2025-03-12"}, EVENT, NOW).state.wake_at == datetime(2025, 3, 11)
