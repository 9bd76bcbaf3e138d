"""The flow engine: (template, run state, what happened, now) -> (next run state, effects).

Pure and deterministic: no I/O, no clock, no global state, inputs never mutated. The Frappe shell
(`flows/runner.py`) loads templates and runs, calls one function here, stores the returned state,
appends the returned log entries, and performs the effects.

Life of a run. `start` enters the first row and walks the steps until one of them must pause:
- an action step emits one ActionEffect and stops with status Running on that step, because
  later steps may read its output (`steps.<step_id>`); the shell reports back with
  `action_succeeded` or `action_failed` (which retries with exponential backoff);
- a wait step stops with status Waiting: until `wake_at` (duration, until_field, action retry)
  and/or for `waiting_event` (event wait, bounded by its timeout); an until_field wait waits for
  the time in a document field (a Date field: its midnight) plus `wait_seconds` (negative: before);
- an end step, or running past the last row, completes the run.

`RunState.log` holds the entries appended by the call that returned it (never the earlier ones),
so the shell can insert them as they are; `simulate` is the exception and returns the whole log.
"""

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from typing import Any, NamedTuple

from gigafibre.flows.errors import ExpressionError, FlowDefinitionError
from gigafibre.flows.expressions import compile_condition, evaluate, render
from gigafibre.i18n import _

RUNNING = "Running"
WAITING = "Waiting"
COMPLETED = "Completed"
FAILED = "Failed"
CANCELLED = "Cancelled"
STATUSES = (RUNNING, WAITING, COMPLETED, FAILED, CANCELLED)

STEP_TYPES = ("condition", "action", "wait", "set", "end")
WAIT_KINDS = ("duration", "until_field", "event")
OUTCOMES = (
	"started",
	"condition_true",
	"condition_false",
	"action_requested",
	"action_succeeded",
	"action_retry",
	"action_failed",
	"waiting",
	"resumed",
	"timed_out",
	"set",
	"completed",
	"cancelled",
	"failed",  # any failure that is not an action's last attempt (bad expression, loop, timeout)
)

# Transitions allowed in one call without pausing; more means a loop that never waits.
MAX_TRANSITIONS = 1000
# Context keys the engine owns; `now` is added to every evaluation but never stored.
RESERVED_CONTEXT_KEYS = frozenset({"doc", "event", "steps", "vars", "now"})


def _text(value: Any) -> str:
	return "" if value is None else str(value).strip()


def _int(value: Any, default: int = 0) -> int:
	try:
		return int(value)
	except (TypeError, ValueError):
		try:
			return int(float(value))
		except (TypeError, ValueError):
			return default


@dataclass(frozen=True)
class StepDef:
	"""One row of a template's steps table (the Flow Step child doctype)."""

	step_id: str
	step_type: str
	next_step: str = ""
	else_step: str = ""
	expression: str = ""
	action: str = ""
	params: Any = None  # dict, JSON text (the doctype's Code field) or None
	wait_kind: str = ""
	wait_seconds: int = 0
	wait_field: str = ""
	wait_event: str = ""
	timeout_seconds: int = 0
	timeout_step: str = ""
	set_key: str = ""

	@classmethod
	def from_dict(cls, row: "Mapping[str, Any] | StepDef") -> "StepDef":
		"""Build from a child-table row; other keys (name, idx, parent...) are ignored."""
		if isinstance(row, StepDef):
			return row
		text = {
			key: _text(row.get(key))
			for key in (
				"step_id",
				"step_type",
				"next_step",
				"else_step",
				"action",
				"wait_kind",
				"wait_field",
				"wait_event",
				"timeout_step",
				"set_key",
			)
		}
		return cls(
			**text,
			expression=_text(row.get("expression")),
			params=row.get("params"),
			wait_seconds=_int(row.get("wait_seconds")),
			timeout_seconds=_int(row.get("timeout_seconds")),
		)

	def parsed_params(self) -> dict:
		"""The params as a dict; FlowDefinitionError when they are not a JSON object."""
		params = self.params
		if params is None or (isinstance(params, str) and not params.strip()):
			return {}
		if isinstance(params, str):
			try:
				params = json.loads(params)
			except json.JSONDecodeError as exc:
				raise FlowDefinitionError(
					_("The parameters are not valid JSON: {0}"), exc.msg, step_id=self.step_id
				) from exc
		if not isinstance(params, Mapping):
			raise FlowDefinitionError(_("The parameters must be a JSON object."), step_id=self.step_id)
		return dict(params)


@dataclass(frozen=True)
class FlowTemplate:
	"""A flow template (the Flow Template doctype); the first step is the entry step."""

	name: str
	trigger_event: str
	steps: tuple[StepDef, ...] = ()
	reference_doctype: str | None = None
	condition: str = ""
	max_attempts: int = 3
	retry_backoff_seconds: int = 60
	_index: dict[str, int] = field(init=False, repr=False, compare=False)

	def __post_init__(self):
		index: dict[str, int] = {}
		for position, step in enumerate(self.steps):
			index.setdefault(step.step_id, position)  # a duplicate id resolves to its first row
		object.__setattr__(self, "_index", index)

	@classmethod
	def from_dict(cls, data: "Mapping[str, Any] | FlowTemplate") -> "FlowTemplate":
		"""Build from the doctype's dict (`doc.as_dict()`); a FlowTemplate is returned as is."""
		if isinstance(data, FlowTemplate):
			return data
		return cls(
			name=_text(data.get("name")),
			trigger_event=_text(data.get("trigger_event")),
			steps=tuple(StepDef.from_dict(row) for row in data.get("steps") or ()),
			reference_doctype=_text(data.get("reference_doctype")) or None,
			condition=_text(data.get("condition")),
			max_attempts=_int(data.get("max_attempts"), 3),
			retry_backoff_seconds=_int(data.get("retry_backoff_seconds"), 60),
		)

	@property
	def entry(self) -> str | None:
		return self.steps[0].step_id if self.steps else None

	def step(self, step_id: str | None) -> StepDef | None:
		position = self._index.get(step_id or "")
		return None if position is None else self.steps[position]

	def following(self, step: StepDef) -> str | None:
		"""The step after `step`: its next_step, else the next row; None after the last row."""
		if step.next_step:
			return step.next_step
		position = self._index.get(step.step_id)
		if position is None or position + 1 >= len(self.steps):
			return None
		return self.steps[position + 1].step_id


@dataclass
class RunState:
	"""A run's state (the Flow Run doctype). `log` holds only the returning call's entries."""

	status: str
	current_step: str = ""
	context: dict = field(default_factory=dict)
	wake_at: datetime | None = None
	waiting_event: str | None = None
	attempts: int = 0
	last_error: str = ""
	log: list[dict] = field(default_factory=list)

	@classmethod
	def from_dict(cls, data: "Mapping[str, Any] | RunState") -> "RunState":
		if isinstance(data, RunState):
			return data
		wake_at = data.get("wake_at")
		if isinstance(wake_at, str):
			wake_at = datetime.fromisoformat(wake_at) if wake_at.strip() else None
		context = data.get("context") or {}
		if isinstance(context, str):  # a JSON / Long Text column read back as text
			context = json.loads(context) if context.strip() else {}
		return cls(
			status=_text(data.get("status")) or RUNNING,
			current_step=_text(data.get("current_step")),
			context=dict(context),
			wake_at=wake_at or None,
			waiting_event=_text(data.get("waiting_event")) or None,
			attempts=_int(data.get("attempts")),
			last_error=_text(data.get("last_error")),
			log=list(data.get("log") or ()),
		)

	def to_dict(self) -> dict:
		return {
			"status": self.status,
			"current_step": self.current_step,
			"context": self.context,
			"wake_at": self.wake_at,
			"waiting_event": self.waiting_event,
			"attempts": self.attempts,
			"last_error": self.last_error,
			"log": self.log,
		}


@dataclass(frozen=True)
class ActionEffect:
	"""Perform `action` with `params` (already rendered), then report back to the engine.

	`attempt` counts from 1; (run, step_id, attempt) makes a job id that dedupes a re-sent request.
	"""

	step_id: str
	action: str
	params: dict
	attempt: int = 1


Effect = ActionEffect


class Step(NamedTuple):
	"""What a call returns: `state, effects = engine.start(...)`."""

	state: RunState
	effects: list[Effect]


class _Run:
	"""One call's working copy of a run; never touches the caller's objects."""

	def __init__(self, template: FlowTemplate, state: RunState, now: datetime):
		self.template = template
		self.now = now
		self.effects: list[Effect] = []
		context = dict(state.context)
		context["steps"] = dict(context.get("steps") or {})
		context["vars"] = dict(context.get("vars") or {})
		self.state = replace(state, context=context, log=[])

	def result(self) -> Step:
		return Step(self.state, self.effects)

	def note(self, outcome: str, step_id: str | None, message: str = "", *args: Any) -> None:
		self.state.log.append(
			{
				"at": self.now,
				"step_id": step_id or "",
				"outcome": outcome,
				"message": message.format(*args) if args else message,
			}
		)

	def scope(self) -> dict:
		return {**self.state.context, "now": self.now}

	def pause_cleared(self) -> None:
		self.state.status = RUNNING
		self.state.wake_at = None
		self.state.waiting_event = None

	def fail(self, step_id: str | None, error: str, outcome: str = "failed") -> None:
		self.pause_cleared()
		self.state.status = FAILED
		self.state.last_error = error
		self.note(outcome, step_id, error)

	def complete(self, step_id: str | None) -> None:
		self.pause_cleared()
		self.state.status = COMPLETED
		self.state.attempts = 0
		self.note("completed", step_id)

	def guarded(self, step: StepDef, work) -> Any:
		"""Run `work()`; a bad definition or failing expression fails the run instead of raising."""
		try:
			return work()
		except (ExpressionError, FlowDefinitionError) as exc:
			self.fail(step.step_id, exc.message.format(*exc.args_))
			return _STOP

	def advance(self, step_id: str | None) -> None:
		"""Walk from `step_id` until a step pauses, the run ends, or the loop guard trips."""
		for _count in range(MAX_TRANSITIONS):
			if step_id is None:
				self.complete(None)
				return
			step = self.template.step(step_id)
			if step is None:
				self.fail(self.state.current_step, _("Step {0} does not exist.").format(step_id))
				return
			self.state.current_step = step.step_id
			self.state.attempts = 0  # attempts count the current action only
			step_id = self.guarded(step, lambda step=step: self.enter(step))
			if step_id is _STOP:
				return
		self.fail(
			self.state.current_step,
			_("More than {0} steps without a wait or an action: the flow loops.").format(MAX_TRANSITIONS),
		)

	def enter(self, step: StepDef) -> Any:
		"""Do `step`; return the next step id, None to complete, or _STOP when the run pauses/ended."""
		steps = self.state.context["steps"]
		if step.step_type == "condition":
			outcome = compile_condition(step.expression)(self.scope())
			steps[step.step_id] = outcome
			self.note("condition_true" if outcome else "condition_false", step.step_id, step.expression)
			# An empty else_step makes the condition a guard: false ends the run.
			return self.template.following(step) if outcome else (step.else_step or None)
		if step.step_type == "action":
			self.request_action(step)
			return _STOP
		if step.step_type == "set":
			if not step.set_key:
				raise FlowDefinitionError(_("No variable name to set."))
			value = evaluate(step.expression, self.scope())
			self.state.context["vars"][step.set_key] = value
			steps[step.step_id] = value
			self.note("set", step.step_id, "{0} = {1!r}", step.set_key, value)
			return self.template.following(step)
		if step.step_type == "wait":
			return self.begin_wait(step)
		if step.step_type == "end":
			self.complete(step.step_id)
			return _STOP
		raise FlowDefinitionError(_("Unknown step type {0}."), step.step_type)

	def request_action(self, step: StepDef) -> None:
		if not step.action:
			raise FlowDefinitionError(_("No action to perform."))
		params = render(step.parsed_params(), self.scope())
		self.pause_cleared()
		self.state.attempts += 1
		self.effects.append(ActionEffect(step.step_id, step.action, params, self.state.attempts))
		self.note("action_requested", step.step_id, "{0} (attempt {1})", step.action, self.state.attempts)

	def begin_wait(self, step: StepDef) -> Any:
		if step.wait_kind == "duration":
			if step.wait_seconds <= 0:
				raise FlowDefinitionError(_("The wait must last more than 0 seconds."))
			return self.wait_until(step, self.now + timedelta(seconds=step.wait_seconds))
		if step.wait_kind == "until_field":
			target = self.until_time(step)
			if target is None or target <= self.now:
				self.state.context["steps"][step.step_id] = {"timed_out": False}
				self.note("resumed", step.step_id, "{0} is empty or past", step.wait_field)
				return self.template.following(step)
			return self.wait_until(step, target)
		if step.wait_kind == "event":
			if not step.wait_event:
				raise FlowDefinitionError(_("No event to wait for."))
			if step.timeout_seconds <= 0:
				raise FlowDefinitionError(_("A wait for an event needs a timeout."))
			self.state.status = WAITING
			self.state.waiting_event = step.wait_event
			self.state.wake_at = self.now + timedelta(seconds=step.timeout_seconds)
			self.note(
				"waiting", step.step_id, "{0} until {1}", step.wait_event, self.state.wake_at.isoformat()
			)
			return _STOP
		raise FlowDefinitionError(_("Unknown wait kind {0}."), step.wait_kind)

	def wait_until(self, step: StepDef, when: datetime) -> Any:
		self.state.status = WAITING
		self.state.waiting_event = None
		self.state.wake_at = when
		self.note("waiting", step.step_id, "until {0}", when.isoformat())
		return _STOP

	def until_time(self, step: StepDef) -> datetime | None:
		"""When an until_field wait ends: the field's time plus the step's wait_seconds (an offset,
		negative for before), or None when the field is empty."""
		value = self.field_time(step)
		return None if value is None else value + timedelta(seconds=step.wait_seconds)

	def field_time(self, step: StepDef) -> datetime | None:
		"""The datetime in doc[wait_field], in the clock's convention (naive or aware like `now`)."""
		if not step.wait_field:
			raise FlowDefinitionError(_("No field to wait for."))
		doc = self.state.context.get("doc") or {}
		value = doc.get(step.wait_field)
		if value is None or (isinstance(value, str) and not value.strip()):
			return None
		if isinstance(value, str):
			try:
				value = datetime.fromisoformat(value.strip())
			except ValueError:
				value = None
		elif isinstance(value, date) and not isinstance(value, datetime):
			value = datetime.combine(value, time())
		if not isinstance(value, datetime):
			raise FlowDefinitionError(
				_("Field {0} holds {1}, which is not a date and time."),
				step.wait_field,
				doc.get(step.wait_field),
			)
		if value.tzinfo is None and self.now.tzinfo is not None:
			return value.replace(tzinfo=self.now.tzinfo)  # naive document times are in the site's zone
		if value.tzinfo is not None and self.now.tzinfo is None:
			raise FlowDefinitionError(
				_("Field {0} holds a time with a time zone but the run's clock has none."), step.wait_field
			)
		return value


_STOP = object()


def _doc_dict(doc: Any) -> dict:
	"""A plain dict of the document's fields (accepts a Frappe Document without importing Frappe)."""
	if doc is None:
		return {}
	if hasattr(doc, "as_dict"):
		return dict(doc.as_dict())
	return dict(doc)


def _unchanged(state: RunState) -> Step:
	return Step(replace(state, log=[]), [])


def should_start(
	template: Mapping[str, Any] | FlowTemplate, doc: Any, context: Mapping[str, Any] | None = None
) -> bool:
	"""Whether the template's trigger condition holds for `doc` (an empty condition always holds).

	Raises ExpressionError when the condition fails to evaluate: the shell logs it and must not
	block the document's save.
	"""
	flow = FlowTemplate.from_dict(template)
	if not flow.condition:
		return True
	scope = {"event": flow.trigger_event, "steps": {}, "vars": {}, **(context or {}), "doc": _doc_dict(doc)}
	return compile_condition(flow.condition)(scope)


def start(
	template: Mapping[str, Any] | FlowTemplate, doc: Any, event: str, now: datetime, **extra_context: Any
) -> Step:
	"""Start a run of `template` for `doc`, fired by `event`, and walk it until it pauses or ends."""
	clash = RESERVED_CONTEXT_KEYS & extra_context.keys()
	if clash:
		raise TypeError(f"reserved context keys: {sorted(clash)}")
	flow = FlowTemplate.from_dict(template)
	context = {"doc": _doc_dict(doc), "event": event, "steps": {}, "vars": {}, **extra_context}
	run = _Run(flow, RunState(status=RUNNING, context=context), now)
	run.note("started", None, "{0}", event)
	if flow.entry is None:
		run.fail(None, _("Flow {0} has no steps.").format(flow.name))
	else:
		run.advance(flow.entry)
	return run.result()


def _fresh_context(context: Mapping[str, Any] | None) -> dict:
	"""What a waking run takes in afresh beside its document (say the customer, read again)."""
	clash = RESERVED_CONTEXT_KEYS & (context or {}).keys()
	if clash:
		raise TypeError(f"reserved context keys: {sorted(clash)}")
	return dict(context or {})


def _resumed(
	flow: FlowTemplate, state: RunState, now: datetime, doc: Any, context: Mapping[str, Any] | None = None
) -> tuple[_Run, StepDef | None]:
	"""A working copy of a paused run with its fresh document and context, and the step it paused
	on (None, with the run Failed, when the template no longer has that step)."""
	run = _Run(flow, state, now)
	if doc is not None:
		run.state.context["doc"] = _doc_dict(doc)
	run.state.context.update(context or {})
	step = flow.step(state.current_step)
	if step is None:
		run.fail(state.current_step, _("Step {0} does not exist.").format(state.current_step))
	return run, step


def resume_on_time(
	template: Mapping[str, Any] | FlowTemplate,
	state: RunState | Mapping,
	now: datetime,
	doc: Any = None,
	context: Mapping[str, Any] | None = None,
) -> Step:
	"""Wake a Waiting run whose wake_at has come; anything else is returned unchanged.

	A duration wait goes on; an until_field wait re-reads its field (pass the fresh `doc` to take a
	rescheduling into account) and goes on or waits again; an event wait times out to its
	timeout_step, or Fails when it has none; an action awaiting its retry is requested again.
	`context`: keys read afresh (the start's extra context as it is now, e.g. `customer`) replace
	the stored ones, so a run that slept for days decides on today's facts; others are kept.
	"""
	flow = FlowTemplate.from_dict(template)
	state = RunState.from_dict(state)
	fresh = _fresh_context(context)
	if state.status != WAITING or state.wake_at is None or state.wake_at > now:
		return _unchanged(state)
	run, step = _resumed(flow, state, now, doc, fresh)
	if step is None:
		return run.result()
	if step.step_type == "action":
		run.note("resumed", step.step_id, "retry of {0}", step.action)
		run.guarded(step, lambda: run.request_action(step))
	elif step.step_type == "wait" and step.wait_kind == "event":
		run.pause_cleared()
		run.state.context["steps"][step.step_id] = {"event": step.wait_event, "timed_out": True}
		run.note("timed_out", step.step_id, "{0}", step.wait_event)
		if step.timeout_step:
			run.advance(step.timeout_step)
		else:
			run.fail(step.step_id, _("Timed out waiting for {0}.").format(step.wait_event))
	elif step.step_type == "wait":
		run.pause_cleared()
		if step.wait_kind == "until_field":
			# The field may have moved since the run went to sleep (a rescheduled job).
			target = run.guarded(step, lambda: run.until_time(step))
			if target is _STOP:
				return run.result()
			if target is not None and target > now:
				run.wait_until(step, target)
				return run.result()
		run.state.context["steps"][step.step_id] = {"timed_out": False}
		run.note("resumed", step.step_id)
		run.advance(flow.following(step))
	else:
		run.fail(step.step_id, _("Step {0} cannot wait.").format(step.step_id))
	return run.result()


def resume_on_event(
	template: Mapping[str, Any] | FlowTemplate,
	state: RunState | Mapping,
	event: str,
	doc: Any,
	now: datetime,
	context: Mapping[str, Any] | None = None,
) -> Step:
	"""Resume a run waiting for `event`; context["doc"] becomes `doc` (None keeps the old one) and
	the keys of `context` are replaced as in `resume_on_time`.

	A run not waiting for this event is returned unchanged, with no effects.
	"""
	flow = FlowTemplate.from_dict(template)
	state = RunState.from_dict(state)
	fresh = _fresh_context(context)
	if state.status != WAITING or not state.waiting_event or state.waiting_event != event:
		return _unchanged(state)
	run, step = _resumed(flow, state, now, doc, fresh)
	if step is None:
		return run.result()
	run.pause_cleared()
	run.state.context["steps"][step.step_id] = {"event": event, "timed_out": False}
	run.note("resumed", step.step_id, "{0}", event)
	run.advance(flow.following(step))
	return run.result()


def _pending_action(flow: FlowTemplate, state: RunState) -> StepDef | None:
	step = flow.step(state.current_step)
	if state.status != RUNNING or step is None or step.step_type != "action":
		return None
	return step


def action_succeeded(
	template: Mapping[str, Any] | FlowTemplate, state: RunState | Mapping, output: Any, now: datetime
) -> Step:
	"""Record the current action's output in steps[step_id] and walk on.

	A run that is not Running on an action step (cancelled meanwhile, stale report) is unchanged.
	"""
	flow = FlowTemplate.from_dict(template)
	state = RunState.from_dict(state)
	step = _pending_action(flow, state)
	if step is None:
		return _unchanged(state)
	run = _Run(flow, state, now)
	run.state.context["steps"][step.step_id] = {} if output is None else output
	run.state.last_error = ""
	run.note("action_succeeded", step.step_id, "{0}", step.action)
	run.advance(flow.following(step))
	return run.result()


def retry_delay(template: Mapping[str, Any] | FlowTemplate, attempt: int) -> timedelta:
	"""How long to wait after failed attempt number `attempt` (1-based): backoff * 2**(attempt-1)."""
	flow = FlowTemplate.from_dict(template)
	return timedelta(seconds=max(flow.retry_backoff_seconds, 0) * 2 ** (max(attempt, 1) - 1))


def action_failed(
	template: Mapping[str, Any] | FlowTemplate, state: RunState | Mapping, error: str, now: datetime
) -> Step:
	"""Schedule a retry of the current action (status Waiting until wake_at), or Fail after max_attempts."""
	flow = FlowTemplate.from_dict(template)
	state = RunState.from_dict(state)
	step = _pending_action(flow, state)
	if step is None:
		return _unchanged(state)
	run = _Run(flow, state, now)
	attempt = max(state.attempts, 1)
	if attempt >= max(flow.max_attempts, 1):
		run.fail(step.step_id, error, outcome="action_failed")
		return run.result()
	run.state.status = WAITING
	run.state.wake_at = now + retry_delay(flow, attempt)
	run.state.last_error = error
	run.note(
		"action_retry",
		step.step_id,
		"attempt {0} of {1} failed: {2}; next at {3}",
		attempt,
		flow.max_attempts,
		error,
		run.state.wake_at.isoformat(),
	)
	return run.result()


def cancel(state: RunState | Mapping, now: datetime) -> Step:
	"""Cancel a run that is not yet Completed or Cancelled (a Failed run may be cancelled)."""
	state = RunState.from_dict(state)
	if state.status in (COMPLETED, CANCELLED):
		return _unchanged(state)
	run = _Run(FlowTemplate(name="", trigger_event=""), state, now)
	run.pause_cleared()
	run.state.status = CANCELLED
	run.note("cancelled", state.current_step)
	return run.result()


def retry(template: Mapping[str, Any] | FlowTemplate, state: RunState | Mapping, now: datetime) -> Step:
	"""Restart a Failed run at the step where it failed, with attempts reset; others are unchanged."""
	flow = FlowTemplate.from_dict(template)
	state = RunState.from_dict(state)
	if state.status != FAILED:
		return _unchanged(state)
	run = _Run(flow, state, now)
	run.pause_cleared()
	run.state.last_error = ""
	run.state.attempts = 0
	step_id = state.current_step or flow.entry
	run.note("resumed", step_id, "retry")
	if step_id is None:
		run.fail(None, _("Flow {0} has no steps.").format(flow.name))
	else:
		run.advance(step_id)
	return run.result()


def simulate(
	template: Mapping[str, Any] | FlowTemplate,
	doc: Any,
	event: str,
	now: datetime,
	action_outputs: Mapping[str, Any] | None = None,
	max_rounds: int = 200,
	**extra_context: Any,
) -> tuple[list[str], list[Effect], RunState]:
	"""Dry run: every action succeeds (output from `action_outputs[step_id]`, else {}), every wait
	is satisfied (its event arrives, or the clock jumps to wake_at), and the path is returned.

	Returns (step ids in the order visited, all effects, final state with the whole log). A flow
	that loops through a wait stops after `max_rounds` resumptions, still Waiting or Running.
	"""
	flow = FlowTemplate.from_dict(template)
	outputs = action_outputs or {}
	state, effects = start(flow, doc, event, now, **extra_context)
	log = list(state.log)
	all_effects = list(effects)
	clock = now
	for _round in range(max_rounds):
		if state.status == RUNNING:
			state, effects = action_succeeded(flow, state, outputs.get(state.current_step, {}), clock)
		elif state.status == WAITING and state.waiting_event:
			state, effects = resume_on_event(flow, state, state.waiting_event, None, clock)
		elif state.status == WAITING and state.wake_at is not None:
			clock = max(clock, state.wake_at)
			state, effects = resume_on_time(flow, state, clock)
		else:
			break
		log.extend(state.log)
		all_effects.extend(effects)
	path: list[str] = []
	for entry in log:
		if entry["step_id"] and (not path or path[-1] != entry["step_id"]):
			path.append(entry["step_id"])
	return path, all_effects, replace(state, log=log)


def run_key(
	template_name: str,
	event: str,
	reference_doctype: str | None,
	reference_name: str | None,
	discriminator: str = "",
) -> str:
	"""A stable sha256 hex key: the same event for the same reference and template starts one run."""
	parts = [template_name, event, reference_doctype or "", reference_name or "", discriminator or ""]
	# JSON keeps the parts apart: ("a b", "c") and ("a", "b c") never collide.
	raw = json.dumps(parts, ensure_ascii=False, separators=(",", ":"))
	return hashlib.sha256(raw.encode("utf-8")).hexdigest()
