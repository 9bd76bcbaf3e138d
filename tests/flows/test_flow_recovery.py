from datetime import datetime, timedelta

from gigafibre.flows import engine
from gigafibre.flows.engine import COMPLETED, FAILED, RUNNING, WAITING, FlowTemplate
from gigafibre.flows.recovery import lost_reason, retry_lost, worker_lost

NOW = datetime(2026, 12, 1, 12, 0, 0)


def template(max_attempts=3, backoff=60):
	return FlowTemplate.from_dict(
		{
			"name": "Lost",
			"trigger_event": "on_job_assigned",
			"max_attempts": max_attempts,
			"retry_backoff_seconds": backoff,
			"steps": [
				{"step_id": "hook", "step_type": "action", "action": "call_webhook", "params": {"url": "x"}},
				{"step_id": "todo", "step_type": "action", "action": "create_todo", "params": {}},
			],
		}
	)


def running_on_first_action(flow):
	state, effects = engine.start(flow, {"name": "JOB-1"}, "on_job_assigned", NOW)
	assert (state.status, state.current_step, state.attempts) == (RUNNING, "hook", 1)
	assert [e.step_id for e in effects] == ["hook"]
	return state


def test_lost_attempt_counts_and_the_action_is_requested_again_once_its_backoff_is_over():
	flow = template(backoff=60)
	state = running_on_first_action(flow)
	lapsed = NOW + timedelta(minutes=6)
	state, effects = worker_lost(flow, state, lapsed, lapsed + timedelta(minutes=2))
	assert (state.status, state.current_step, state.attempts) == (RUNNING, "hook", 2)
	assert [(e.step_id, e.attempt) for e in effects] == [("hook", 2)]
	outcomes = [entry["outcome"] for entry in state.log]
	assert outcomes == ["action_retry", "resumed", "action_requested"]
	assert lost_reason("hook") in state.log[0]["message"]
	# and it goes on to complete, once
	state, effects = engine.action_succeeded(flow, state, {"ok": True}, lapsed)
	state, effects = engine.action_succeeded(flow, state, {}, lapsed)
	assert state.status == COMPLETED


def test_lost_attempt_waits_out_a_backoff_not_yet_over():
	flow = template(backoff=3600)
	state = running_on_first_action(flow)
	lapsed = NOW + timedelta(minutes=6)
	state, effects = worker_lost(flow, state, lapsed, lapsed + timedelta(minutes=2))
	assert (state.status, state.wake_at, effects) == (WAITING, lapsed + timedelta(hours=1), [])
	assert state.last_error == lost_reason("hook")


def test_last_attempt_lost_fails_the_run_with_the_reason():
	flow = template(max_attempts=1)
	state = running_on_first_action(flow)
	state, effects = worker_lost(flow, state, NOW, NOW + timedelta(minutes=1))
	assert (state.status, effects) == (FAILED, [])
	assert state.last_error == "Worker lost during step hook."
	assert state.log[-1]["outcome"] == "action_failed"


def test_not_running_is_unchanged_and_a_step_gone_fails():
	flow = template()
	waiting = engine.RunState(status=WAITING, current_step="hook", wake_at=NOW)
	state, effects = worker_lost(flow, waiting, NOW, NOW)
	assert (state.status, state.log, effects) == (WAITING, [], [])
	gone = engine.RunState(status=RUNNING, current_step="removed")
	state, effects = worker_lost(flow, gone, NOW, NOW)
	assert (state.status, state.last_error, effects) == (FAILED, lost_reason("removed"), [])


def test_retry_of_a_lost_run_restarts_its_step_with_attempts_reset():
	flow = template()
	state = running_on_first_action(flow)
	state = engine.RunState.from_dict({**state.to_dict(), "attempts": 3})
	state, effects = retry_lost(flow, state, NOW)
	assert (state.status, state.current_step, state.attempts) == (RUNNING, "hook", 1)
	assert [e.step_id for e in effects] == ["hook"]
	assert [entry["outcome"] for entry in state.log] == ["failed", "resumed", "action_requested"]
	done = engine.RunState(status=COMPLETED, current_step="todo")
	assert retry_lost(flow, done, NOW).effects == []
