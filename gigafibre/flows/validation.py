"""Checks a flow template before it is saved, so that a run never meets a definition error.

`find_problems` lists every problem (the desk shows them all at once); `validate` raises the
first. Each problem is a FlowDefinitionError whose `step_id` names the step at fault (None for
template-level problems, "" for a row without an id).
"""

from collections.abc import Collection, Mapping
from typing import Any

from gigafibre.flows.engine import STEP_TYPES, FlowTemplate, StepDef
from gigafibre.flows.errors import FlowDefinitionError
from gigafibre.flows.events import EVENTS
from gigafibre.flows.expressions import check_expression, check_template
from gigafibre.i18n import _

_TARGET_FIELDS = ("next_step", "else_step", "timeout_step")


def _at(error: FlowDefinitionError, step_id: str | None) -> FlowDefinitionError:
	return FlowDefinitionError(error.message, *error.args_, step_id=step_id)


def _successors(flow: FlowTemplate, step: StepDef) -> list[str]:
	"""Step ids a run may go to from `step` (targets that name no step are left out)."""
	if step.step_type == "end":
		return []
	targets = [flow.following(step)]
	if step.step_type == "condition":
		targets.append(step.else_step)
	if step.step_type == "wait" and step.wait_kind == "event":
		targets.append(step.timeout_step)
	return [t for t in targets if t and flow.step(t) is not None]


def _reach(graph: Mapping[str, list[str]], origin: str) -> set[str]:
	"""Nodes reachable from `origin` in one or more moves."""
	seen: set[str] = set()
	todo = list(graph.get(origin, ()))
	while todo:
		node = todo.pop()
		if node not in seen:
			seen.add(node)
			todo.extend(graph.get(node, ()))
	return seen


def _expression_problem(expression: str, step_id: str | None) -> FlowDefinitionError | None:
	try:
		check_expression(expression)
	except FlowDefinitionError as exc:
		return _at(exc, step_id)
	return None


def _step_problems(
	flow: FlowTemplate, step: StepDef, known_actions: Collection[str], known_events: Collection[str]
) -> list[FlowDefinitionError]:
	sid = step.step_id
	problems: list[FlowDefinitionError] = []

	def add(message: str, *args: Any) -> None:
		problems.append(FlowDefinitionError(message, *args, step_id=sid))

	for fieldname in _TARGET_FIELDS:
		target = getattr(step, fieldname)
		if target and flow.step(target) is None:
			add(_("Field {0} names step {1}, which does not exist."), fieldname, target)

	kind = step.step_type
	if not kind:
		add(_("The step has no type."))
	elif kind not in STEP_TYPES:
		add(_("Unknown step type {0}."), kind)
	elif kind == "condition":
		if not step.expression:
			add(_("A condition step needs an expression."))
		elif problem := _expression_problem(step.expression, sid):
			problems.append(problem)
	elif kind == "set":
		if not step.set_key:
			add(_("A set step needs a variable name."))
		if not step.expression:
			add(_("A set step needs an expression."))
		elif problem := _expression_problem(step.expression, sid):
			problems.append(problem)
	elif kind == "action":
		if not step.action:
			add(_("An action step needs an action."))
		elif step.action not in known_actions:
			add(_("Unknown action {0}."), step.action)
		try:
			check_template(step.parsed_params())
		except FlowDefinitionError as exc:
			problems.append(_at(exc, sid))
	elif kind == "wait":
		if step.wait_kind == "duration":
			if step.wait_seconds <= 0:
				add(_("A duration wait needs a number of seconds above 0."))
		elif step.wait_kind == "until_field":
			if not step.wait_field:
				add(_("A wait until a date needs the field that holds the date."))
		elif step.wait_kind == "event":
			if not step.wait_event:
				add(_("An event wait needs the event to wait for."))
			elif step.wait_event not in known_events:
				add(_("Unknown event {0}."), step.wait_event)
			if step.timeout_seconds <= 0:
				add(_("An event wait needs a timeout: a wait must be bounded."))
		else:
			add(_("Unknown wait kind {0}."), step.wait_kind)
	return problems


def _graph_problems(flow: FlowTemplate) -> list[FlowDefinitionError]:
	order = [s.step_id for s in flow.steps if s.step_id and flow.step(s.step_id) is s]
	graph = {sid: _successors(flow, flow.step(sid)) for sid in order}
	problems: list[FlowDefinitionError] = []

	first = flow.steps[0]
	reachable = {first.step_id}
	for target in _successors(flow, first):
		reachable |= {target} | _reach(graph, target)
	for sid in order:
		if sid not in reachable:
			problems.append(FlowDefinitionError(_("No path leads to this step."), step_id=sid))

	# A loop without a wait would spin inside one call: look for cycles once waits are removed.
	waits = {sid for sid in order if flow.step(sid).step_type == "wait"}
	busy = {sid: [t for t in graph[sid] if t not in waits] for sid in order if sid not in waits}
	reach = {sid: _reach(busy, sid) for sid in busy}
	reported: set[str] = set()
	for sid in order:
		if sid in reported or sid not in busy or sid not in reach[sid]:
			continue
		loop = [other for other in order if other in reach[sid] and sid in reach.get(other, ())]
		reported.update(loop)
		problems.append(
			FlowDefinitionError(
				_("Steps {0} form a loop without a wait step; a loop must pass through a wait."),
				", ".join(loop),
				step_id=sid,
			)
		)
	return problems


def find_problems(
	template: Mapping[str, Any] | FlowTemplate,
	known_actions: Collection[str],
	known_events: Collection[str] | None = None,
) -> list[FlowDefinitionError]:
	"""Every problem of `template`, template-level first, then step by step in row order."""
	flow = FlowTemplate.from_dict(template)
	events = EVENTS if known_events is None else known_events
	problems: list[FlowDefinitionError] = []

	if not flow.trigger_event:
		problems.append(FlowDefinitionError(_("The flow has no trigger event.")))
	elif flow.trigger_event not in events:
		problems.append(FlowDefinitionError(_("Unknown trigger event {0}."), flow.trigger_event))
	if flow.condition and (problem := _expression_problem(flow.condition, None)):
		problems.append(problem)
	if flow.max_attempts < 1:
		problems.append(FlowDefinitionError(_("Max attempts must be at least 1.")))
	if flow.retry_backoff_seconds < 0:
		problems.append(FlowDefinitionError(_("The retry backoff cannot be negative.")))
	if not flow.steps:
		problems.append(FlowDefinitionError(_("The flow has no steps.")))
		return problems

	seen: set[str] = set()
	for row, step in enumerate(flow.steps, start=1):
		if not step.step_id:
			problems.append(FlowDefinitionError(_("Row {0} has no step id."), row, step_id=""))
		elif step.step_id in seen:
			problems.append(
				FlowDefinitionError(
					_("Step id {0} is used by more than one row."), step.step_id, step_id=step.step_id
				)
			)
		seen.add(step.step_id)
		problems.extend(_step_problems(flow, step, known_actions, events))
	problems.extend(_graph_problems(flow))
	return problems


# The name the brief and the doctype controller use.
validate_template = find_problems


def validate(
	template: Mapping[str, Any] | FlowTemplate,
	known_actions: Collection[str],
	known_events: Collection[str] | None = None,
) -> None:
	"""Raise the first problem of `template`, if any."""
	problems = find_problems(template, known_actions, known_events)
	if problems:
		raise problems[0]
