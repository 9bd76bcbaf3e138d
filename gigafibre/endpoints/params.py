"""An endpoint's parameters checked against its signature, before it runs (pure: no Frappe).

`bind(fn, given)` reads what the function's signature declares — which parameters are required
(no default), and the type each is annotated with — and checks the request's values against it:

- a required parameter that is absent (or JSON `null` where `None` is not allowed): missing;
- a required parameter sent blank ("" or spaces) whose type does not allow `None`: empty. A
  required parameter annotated `X | None` must be sent but may be blank (`assign`'s technician:
  blank takes the job back);
- `int`, `float`, `bool` sent as text (a form field always is) are read as such: "abc", "1.5"
  for an int, "nan" or "inf" for a float, "maybe" for a bool are wrong types; blank means
  "not given" (the default, or `None`);
- `dict` and `list` sent as text are decoded as JSON: not JSON is malformed, a list where an
  object is expected is a wrong type. A parameter that also accepts `str` is left as text: the
  endpoint reads it itself;
- `str` refuses objects and lists (a JSON body can send them); a number becomes its text.

Anything else (no annotation, a class, `Any`) is only checked for presence. Parameters the
function does not declare are left alone (Frappe drops them). The answer is the values to
write back (decoded and converted); a refusal is a `BadParameter` naming the parameter, with
an English template the shell translates.
"""

import inspect
import json
import math
import types
import typing
from collections.abc import Callable, Mapping
from typing import Any

from gigafibre.errors import InvalidValue
from gigafibre.i18n import _

MISSING = _("Missing parameter: {0}")
EMPTY = _("Empty parameter: {0}")
NOT_JSON = _("Parameter {0} is not valid JSON.")
EXPECTED = {
	"dict": _("Parameter {0} must be a JSON object."),
	"list": _("Parameter {0} must be a JSON list."),
	"int": _("Parameter {0} must be a whole number."),
	"float": _("Parameter {0} must be a number."),
	"bool": _("Parameter {0} must be true or false (1 or 0)."),
	"str": _("Parameter {0} must be text."),
}
# The order a wrong type is explained in: the most specific expectation first.
EXPLAIN_ORDER = ("dict", "list", "int", "float", "bool", "str")

TRUE = frozenset({"1", "true", "yes", "on", "oui", "vrai"})
FALSE = frozenset({"0", "false", "no", "off", "non", "faux"})

KINDS = {str: "str", int: "int", float: "float", bool: "bool", dict: "dict", list: "list"}


class BadParameter(InvalidValue):
	"""A request parameter that is missing, empty, malformed or of the wrong type."""

	def __init__(self, message: str, param: str):
		super().__init__(message, param)
		self.param = param


def kinds_of(annotation: Any) -> frozenset[str] | None:
	"""The kinds of value an annotation accepts ("str", "int", …, "none"); None when unknown."""
	if annotation is inspect.Parameter.empty or annotation is Any:
		return None
	if annotation is None or annotation is type(None):
		return frozenset({"none"})
	origin = typing.get_origin(annotation)
	if origin is typing.Union or origin is types.UnionType:
		found: set[str] = set()
		for arg in typing.get_args(annotation):
			kinds = kinds_of(arg)
			if kinds is None:
				return None
			found |= kinds
		return frozenset(found)
	kind = KINDS.get(origin or annotation)
	if kind is None:
		return None
	return frozenset({kind})


def _hints(fn: Callable) -> dict[str, Any]:
	target = inspect.unwrap(fn)
	try:
		return typing.get_type_hints(target)
	except Exception:  # an annotation that cannot be resolved: fall back to what is written
		return dict(getattr(target, "__annotations__", {}))


def bind(fn: Callable, given: Mapping[str, Any]) -> dict[str, Any]:
	"""The values to pass `fn` for `given`, decoded and converted; `BadParameter` otherwise."""
	hints = _hints(fn)
	changed: dict[str, Any] = {}
	for name, param in inspect.signature(fn).parameters.items():
		if param.kind in (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD):
			continue
		required = param.default is inspect.Parameter.empty
		kinds = kinds_of(hints.get(name, param.annotation))
		if name not in given:
			if required:
				raise BadParameter(MISSING, name)
			continue
		value = check(name, given[name], kinds, required, param.default)
		if value is not given[name]:
			changed[name] = value
	return changed


def check(name: str, value: Any, kinds: frozenset[str] | None, required: bool, default: Any = None) -> Any:
	"""One parameter's value as the function should receive it."""
	if kinds is None:
		if required and (value is None or (isinstance(value, str) and not value.strip())):
			raise BadParameter(MISSING if value is None else EMPTY, name)
		return value
	if value is None:
		if "none" in kinds:
			return None
		if required:
			raise BadParameter(MISSING, name)
		return default
	if isinstance(value, str):
		return _from_text(name, value, kinds, required, default)
	return _from_json(name, value, kinds)


def _from_text(name: str, value: str, kinds: frozenset[str], required: bool, default: Any) -> Any:
	if not value.strip():
		if "str" in kinds and (not required or "none" in kinds):
			return value
		if "none" in kinds:
			return None
		if not required:
			return default
		raise BadParameter(EMPTY, name)
	if "str" in kinds:
		return value
	text = value.strip()
	if "int" in kinds:
		try:
			return int(text)
		except ValueError:
			pass
	if "float" in kinds:
		try:
			number = float(text)
		except ValueError:
			number = None
		if number is not None and math.isfinite(number):
			return number
	if "bool" in kinds and text.lower() in TRUE | FALSE:
		return text.lower() in TRUE
	if kinds & {"dict", "list"}:
		try:
			decoded = json.loads(text)
		except ValueError:
			raise BadParameter(NOT_JSON, name) from None
		return _from_json(name, decoded, kinds)
	raise BadParameter(_explain(kinds), name)


def _from_json(name: str, value: Any, kinds: frozenset[str]) -> Any:
	"""A value that already has a type (a JSON body, or a JSON parameter once decoded)."""
	if value is None and "none" in kinds:
		return None
	if isinstance(value, bool):
		if "bool" in kinds:
			return value
	elif isinstance(value, int):
		if "int" in kinds:
			return value
		if "float" in kinds:
			return float(value)
		if "str" in kinds:
			return str(value)
	elif isinstance(value, float):
		if "float" in kinds and math.isfinite(value):
			return value
		if "int" in kinds and value.is_integer():
			return int(value)
		if "str" in kinds and math.isfinite(value):
			return str(value)
	elif isinstance(value, dict):
		if "dict" in kinds:
			return value
	elif isinstance(value, list):
		if "list" in kinds:
			return value
	elif isinstance(value, str):
		if "str" in kinds:
			return value
	raise BadParameter(_explain(kinds), name)


def _explain(kinds: frozenset[str]) -> str:
	return next((EXPECTED[kind] for kind in EXPLAIN_ORDER if kind in kinds), EXPECTED["str"])
