"""A run left Running by a lost worker (killed, timed out, its queue flushed): what happens next.

Pure, like the engine it calls. The runner commits a Running run, with a lease, before it performs
the action of its current step, and commits the action's outcome with the next state; so a run
still Running on a step after its lease lapsed is one whose action's outcome is unknown. That
attempt counts as a failed one, with the reason, and the template's retry policy applies: the
action is requested again (at once when its backoff, counted from the lapse, is over) or, after
the last attempt, the run is Failed with "Worker lost during step X".
"""

from dataclasses import replace
from datetime import datetime
from typing import Any

from gigafibre.flows import engine
from gigafibre.i18n import _


def lost_reason(step_id: str) -> str:
	return _("Worker lost during step {0}.").format(step_id or "?")


def _failed(state: engine.RunState, reason: str, at: datetime) -> engine.Step:
	entry = {"at": at, "step_id": state.current_step, "outcome": "failed", "message": reason}
	failed = replace(
		state, status=engine.FAILED, wake_at=None, waiting_event=None, last_error=reason, log=[entry]
	)
	return engine.Step(failed, [])


def worker_lost(
	template: engine.FlowTemplate,
	state: engine.RunState,
	lapsed_at: datetime,
	now: datetime,
	doc: Any = None,
	context: Any = None,
) -> engine.Step:
	"""The next step of a Running run whose lease lapsed at `lapsed_at` (see the module doc).

	A run that is not Running is returned unchanged; one Running on anything but an action step
	(its template changed under it) is Failed with the reason. `doc` and `context`: the run's
	document and extra context as they are now, for the retry (see `engine.resume_on_time`).
	"""
	if state.status != engine.RUNNING:
		return engine.Step(replace(state, log=[]), [])
	reason = lost_reason(state.current_step)
	step = template.step(state.current_step)
	if step is None or step.step_type != "action":
		return _failed(state, reason, lapsed_at)
	lost = engine.action_failed(template, state, reason, lapsed_at)
	if lost.state.status != engine.WAITING or lost.state.wake_at is None or lost.state.wake_at > now:
		return lost
	again = engine.resume_on_time(template, lost.state, now, doc=doc, context=context)
	return engine.Step(replace(again.state, log=lost.state.log + again.state.log), again.effects)


def retry_lost(template: engine.FlowTemplate, state: engine.RunState, now: datetime) -> engine.Step:
	"""A person's Retry of a run left Running by a lost worker: as a Failed run's Retry (the
	current step again, attempts reset), with the loss in the log."""
	if state.status != engine.RUNNING:
		return engine.Step(replace(state, log=[]), [])
	failed = _failed(state, lost_reason(state.current_step), now).state
	again = engine.retry(template, failed, now)
	return engine.Step(replace(again.state, log=failed.log + again.state.log), again.effects)
