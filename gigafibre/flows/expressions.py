"""Sandboxed Jinja2 for flow conditions and templated step parameters.

Templates are written by administrators, but they run inside document hooks and read documents
that customers fill in, so everything goes through Jinja's immutable sandbox: no attribute that
starts with an underscore, no mutation of the context, bounded `range`, and here also bounded
`*` and `**` so one expression cannot exhaust memory inside a web request.

Undefined names raise (StrictUndefined): a misspelt field in a condition must fail the run with
a message naming it, not silently take the `else` branch. Templates test optional values with
`doc.get('field')` or `x is defined`.
"""

import copy
import re
from collections.abc import Callable, Mapping
from functools import lru_cache
from typing import Any

from jinja2 import StrictUndefined, Undefined
from jinja2.exceptions import SecurityError, TemplateSyntaxError
from jinja2.sandbox import ImmutableSandboxedEnvironment

from gigafibre.flows.errors import ExpressionError, FlowDefinitionError
from gigafibre.i18n import _

MAX_EXPONENT = 1024
MAX_REPEAT = 100_000
_CACHE_SIZE = 2048
# One `{{ expr }}` and nothing else (outer blanks allowed): the only case rendered to a native value.
_SINGLE_OUTPUT = re.compile(r"\{\{(-?)(.*?)(-?)\}\}", re.S)


class _FlowEnvironment(ImmutableSandboxedEnvironment):
	# Intercepting also stops Jinja from constant-folding these at compile time.
	intercepted_binops = frozenset({"*", "**"})

	def call_binop(self, context, operator: str, left: Any, right: Any) -> Any:
		if operator == "**" and isinstance(right, int) and abs(right) > MAX_EXPONENT:
			raise SecurityError(f"exponent {right} is larger than {MAX_EXPONENT}")
		if operator == "*":
			for seq, times in ((left, right), (right, left)):
				if (
					isinstance(seq, str | list | tuple)
					and isinstance(times, int)
					and len(seq) * times > MAX_REPEAT
				):
					raise SecurityError(f"repeating a sequence beyond {MAX_REPEAT} items")
		return super().call_binop(context, operator, left, right)


ENVIRONMENT = _FlowEnvironment(undefined=StrictUndefined, autoescape=False)


def is_templated(value: Any) -> bool:
	"""Whether `value` is a string that Jinja must render."""
	return isinstance(value, str) and ("{{" in value or "{%" in value)


@lru_cache(maxsize=_CACHE_SIZE)
def _compiled_expression(source: str):
	try:
		# undefined_to_none=False: keep the Undefined so that _run raises with its message.
		return ENVIRONMENT.compile_expression(source, undefined_to_none=False)
	except TemplateSyntaxError as exc:
		raise FlowDefinitionError(_("The expression {0} is not valid: {1}"), source, exc.message) from exc


@lru_cache(maxsize=_CACHE_SIZE)
def _compiled_template(source: str):
	try:
		return ENVIRONMENT.from_string(source)
	except TemplateSyntaxError as exc:
		raise FlowDefinitionError(_("The template {0} is not valid: {1}"), source, exc.message) from exc


@lru_cache(maxsize=_CACHE_SIZE)
def _native_source(value: str) -> str | None:
	"""The inner expression when `value` is exactly one `{{ expr }}`, else None."""
	match = _SINGLE_OUTPUT.fullmatch(value.strip())
	if not match or "{{" in match.group(2) or "{%" in match.group(2) or "{#" in match.group(2):
		return None
	inner = match.group(2).strip()
	try:
		_compiled_expression(inner)
	except FlowDefinitionError:
		return None  # let the full template compile report the syntax error
	return inner


def _failure(source: str, exc: Exception) -> ExpressionError:
	if isinstance(exc, SecurityError):
		return ExpressionError(_("The expression {0} was refused: {1}"), source, str(exc))
	return ExpressionError(_("The expression {0} failed: {1}"), source, str(exc) or type(exc).__name__)


def _run(source: str, context: Mapping[str, Any]) -> Any:
	compiled = _compiled_expression(source)
	try:
		value = compiled(dict(context))
		if isinstance(value, Undefined):
			str(value)  # a StrictUndefined raises here, with the name that was missing
	except Exception as exc:  # any failure inside user-written code becomes one clear error
		raise _failure(source, exc) from exc
	return value


def check_expression(expr: str | None) -> None:
	"""Raise FlowDefinitionError when `expr` is empty or not a valid Jinja expression."""
	source = (expr or "").strip()
	if not source:
		raise FlowDefinitionError(_("The expression is empty."))
	_compiled_expression(source)


def check_template(value: Any) -> None:
	"""Raise FlowDefinitionError for the first templated string in `value` that does not compile."""
	if isinstance(value, Mapping):
		for item in value.values():
			check_template(item)
	elif isinstance(value, list | tuple):
		for item in value:
			check_template(item)
	elif is_templated(value) and _native_source(value) is None:
		_compiled_template(value)


def evaluate(expr: str, context: Mapping[str, Any]) -> Any:
	"""The native value of the expression `expr` (raises ExpressionError / FlowDefinitionError)."""
	source = (expr or "").strip()
	check_expression(source)
	return _run(source, context)


@lru_cache(maxsize=_CACHE_SIZE)
def compile_condition(expr: str) -> Callable[[Mapping[str, Any]], bool]:
	"""A compiled condition: call it with the context to get a bool (ExpressionError on failure)."""
	source = (expr or "").strip()
	check_expression(source)

	def condition(context: Mapping[str, Any]) -> bool:
		value = _run(source, context)
		return bool(value)

	return condition


def render(value: Any, context: Mapping[str, Any]) -> Any:
	"""Render templated strings in `value`, recursing into dicts and lists; other values untouched.

	A string that is exactly one `{{ expr }}` (outer blanks ignored) gives the expression's
	native value (number, bool, dict...), not its text.
	"""
	if isinstance(value, str):
		if not is_templated(value):
			return value
		inner = _native_source(value)
		if inner is not None:
			result = _run(inner, context)
			# A copy, so an effect's params never alias the run's context.
			return copy.deepcopy(result) if isinstance(result, dict | list) else result
		template = _compiled_template(value)
		try:
			return template.render(dict(context))
		except Exception as exc:
			raise _failure(value, exc) from exc
	if isinstance(value, Mapping):
		return {key: render(item, context) for key, item in value.items()}
	if isinstance(value, list | tuple):
		return type(value)(render(item, context) for item in value)
	return value
