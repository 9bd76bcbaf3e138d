"""An endpoint's parameters checked against its signature (gigafibre.endpoints.params)."""

import functools

import pytest

from gigafibre.endpoints import params
from gigafibre.endpoints.params import BadParameter, bind, kinds_of


def decorated(fn):
	"""Like Frappe's whitelist / rate_limit wrappers: functools.wraps over a (*args, **kwargs)."""

	@functools.wraps(fn)
	def wrapper(*args, **kwargs):
		return fn(*args, **kwargs)

	return wrapper


@decorated
@decorated
def assign(job: str, technician: str | None, scheduled_start: str | None = None) -> dict:
	return {}


def plan(date: str | None = None, apply: bool = False, limit: int = 10, ratio: float | None = None):
	pass


def apply(plan: dict, steps: list | None = None, raw: dict | str | None = None):
	pass


def loose(anything, other=None, *args, **kwargs):
	pass


def refused(fn, given) -> tuple[str, str]:
	with pytest.raises(BadParameter) as caught:
		bind(fn, given)
	return caught.value.message, caught.value.param


def test_kinds_of_annotations():
	assert kinds_of(str) == {"str"}
	assert kinds_of(str | None) == {"str", "none"}
	assert kinds_of(dict | str) == {"dict", "str"}
	assert kinds_of(list[str] | None) == {"list", "none"}
	assert kinds_of(object) is None
	assert kinds_of(str | object) is None


def test_missing_required_parameter_is_named_through_wrappers():
	assert refused(assign, {"technician": "T-1"}) == (params.MISSING, "job")
	assert refused(assign, {"job": "J-1"}) == (params.MISSING, "technician")
	assert refused(assign, {"job": None, "technician": "T"}) == (params.MISSING, "job")


def test_blank_required_text_is_empty_unless_it_may_be_none():
	assert refused(assign, {"job": "   ", "technician": "T"}) == (params.EMPTY, "job")
	assert bind(assign, {"job": "J-1", "technician": ""}) == {}


def test_good_values_are_left_as_they_are():
	given = {"job": "J-1", "technician": "T-1", "scheduled_start": "", "unknown": "x"}
	assert bind(assign, given) == {}


def test_scalars_sent_as_text_are_converted():
	assert bind(plan, {"apply": "1", "limit": " 7 ", "ratio": "0.5"}) == {
		"apply": True,
		"limit": 7,
		"ratio": 0.5,
	}
	assert bind(plan, {"apply": "false", "limit": "", "ratio": ""}) == {
		"apply": False,
		"limit": 10,
		"ratio": None,
	}
	assert bind(plan, {"limit": "99999999999"}) == {"limit": 99999999999}


@pytest.mark.parametrize(
	"given, expected",
	[
		({"apply": "maybe"}, ("bool", "apply")),
		({"limit": "1.5"}, ("int", "limit")),
		({"limit": "abc"}, ("int", "limit")),
		({"ratio": "nan"}, ("float", "ratio")),
		({"ratio": "inf"}, ("float", "ratio")),
		({"limit": [1]}, ("int", "limit")),
		({"date": {"a": 1}}, ("str", "date")),
		({"date": [1, 2]}, ("str", "date")),
	],
)
def test_wrong_types_are_named(given, expected):
	kind, name = expected
	assert refused(plan, given) == (params.EXPECTED[kind], name)


def test_json_parameters_are_decoded_or_refused():
	assert bind(apply, {"plan": '{"moves": []}', "steps": "[1, 2]"}) == {
		"plan": {"moves": []},
		"steps": [1, 2],
	}
	assert bind(apply, {"plan": {"moves": []}}) == {}
	assert bind(apply, {"plan": "{}", "steps": " "}) == {"plan": {}, "steps": None}
	assert refused(apply, {"plan": "{"}) == (params.NOT_JSON, "plan")
	assert refused(apply, {"plan": "not json"}) == (params.NOT_JSON, "plan")
	assert refused(apply, {"plan": "[1,"}) == (params.NOT_JSON, "plan")
	assert refused(apply, {"plan": "[1]"}) == (params.EXPECTED["dict"], "plan")
	assert refused(apply, {"plan": "null"}) == (params.EXPECTED["dict"], "plan")
	assert refused(apply, {"plan": ""}) == (params.EMPTY, "plan")
	assert refused(apply, {"plan": "{}", "steps": '{"a": 1}'}) == (params.EXPECTED["list"], "steps")


def test_a_parameter_that_also_takes_text_is_left_to_the_endpoint():
	assert bind(apply, {"plan": "{}", "raw": "not json"}) == {"plan": {}}


def test_numbers_in_a_json_body():
	assert bind(plan, {"limit": 3.0, "ratio": 2, "date": 20260101}) == {
		"limit": 3,
		"ratio": 2.0,
		"date": "20260101",
	}
	assert refused(plan, {"apply": 2}) == (params.EXPECTED["bool"], "apply")
	assert refused(plan, {"limit": True}) == (params.EXPECTED["int"], "limit")


def test_unannotated_parameters_are_only_checked_for_presence():
	assert refused(loose, {}) == (params.MISSING, "anything")
	assert refused(loose, {"anything": " "}) == (params.EMPTY, "anything")
	assert bind(loose, {"anything": [1], "other": "", "more": 1}) == {}


def test_messages_name_the_parameter():
	with pytest.raises(BadParameter) as caught:
		bind(assign, {})
	assert str(caught.value) == "Missing parameter: job"
