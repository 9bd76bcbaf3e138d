import pytest
from jinja2.exceptions import SecurityError, UndefinedError

from gigafibre.flows.errors import ExpressionError, FlowDefinitionError
from gigafibre.flows.expressions import (
	check_expression,
	check_template,
	compile_condition,
	evaluate,
	render,
)

CONTEXT = {
	"doc": {"name": "PE-0001", "paid_amount": 120.5, "mobile": "+15145550000", "flag": False, "n": 3},
	"event": "on_payment_received",
	"steps": {"lookup": {"found": True, "rows": [1, 2]}},
	"vars": {"greeting": "Bonjour"},
}


@pytest.mark.parametrize(
	("source", "expected"),
	[
		("{{ doc.n }}", 3),
		("{{ doc.paid_amount }}", 120.5),
		("{{ doc.flag }}", False),
		("{{ [1, doc.n] }}", [1, 3]),
		("{{ {'a': doc.n} }}", {"a": 3}),
		("{{ none }}", None),
		("  {{ doc.n }}  ", 3),
		("{{- doc.n -}}", 3),
		("{{ steps.lookup.rows }}", [1, 2]),
	],
)
def test_single_expression_renders_native_value(source, expected):
	value = render(source, CONTEXT)
	assert value == expected
	assert type(value) is type(expected)


@pytest.mark.parametrize(
	("source", "expected"),
	[
		("n={{ doc.n }}", "n=3"),
		("{{ doc.n }}{{ doc.n }}", "33"),
		("{{ doc.n }} and {{ doc.n }}", "3 and 3"),
		("{{ vars.greeting }} {{ doc.name }}", "Bonjour PE-0001"),
		("{% if doc.flag %}yes{% else %}no{% endif %}", "no"),
	],
)
def test_mixed_templates_render_to_text(source, expected):
	assert render(source, CONTEXT) == expected


def test_render_recurses_and_leaves_other_values_alone():
	params = {
		"to": "{{ doc.mobile }}",
		"amount": "{{ doc.paid_amount }}",
		"plain": "no braces here",
		"count": 7,
		"nothing": None,
		"{{ key }}": "keys are not rendered",
		"nested": {"list": ["{{ doc.n }}", "x{{ doc.n }}", 1.5, ("{{ doc.flag }}",)]},
	}
	assert render(params, CONTEXT) == {
		"to": "+15145550000",
		"amount": 120.5,
		"plain": "no braces here",
		"count": 7,
		"nothing": None,
		"{{ key }}": "keys are not rendered",
		"nested": {"list": [3, "x3", 1.5, (False,)]},
	}


def test_native_result_does_not_alias_the_context():
	items = render("{{ steps.lookup.rows }}", CONTEXT)
	items.append(99)
	assert CONTEXT["steps"]["lookup"]["rows"] == [1, 2]


def test_condition_returns_bool_and_is_cached():
	check = compile_condition("doc.paid_amount > 100 and steps.lookup.found")
	assert check(CONTEXT) is True
	assert compile_condition("doc.paid_amount > 100 and steps.lookup.found") is check
	assert compile_condition("doc.n")(CONTEXT) is True
	assert compile_condition("doc.flag")(CONTEXT) is False


def test_optional_values_can_be_tested_without_error():
	assert compile_condition("doc.get('missing') is none")(CONTEXT) is True
	assert compile_condition("doc.missing is not defined")(CONTEXT) is True


@pytest.mark.parametrize(
	"run",
	[
		lambda: compile_condition("doc.missing > 1")(CONTEXT),
		lambda: evaluate("doc.missing", CONTEXT),
		lambda: render("{{ doc.missing }}", CONTEXT),
		lambda: render("hello {{ doc.missing }}", CONTEXT),
		lambda: compile_condition("doc.missing")(CONTEXT),
	],
)
def test_undefined_names_fail_loudly(run):
	with pytest.raises(ExpressionError) as caught:
		run()
	assert "missing" in str(caught.value)
	assert isinstance(caught.value.__cause__, UndefinedError)


@pytest.mark.parametrize(
	"run",
	[
		lambda: render("{{ ''.__class__.__mro__ }}", CONTEXT),
		lambda: render("{{ ''.__class__ }}", CONTEXT),
		lambda: render("x {{ ''.__class__.__mro__[1].__subclasses__() }}", CONTEXT),
		lambda: compile_condition("''.__class__.__mro__")(CONTEXT),
		lambda: evaluate("doc.__init__.__globals__", CONTEXT),
		lambda: evaluate("vars.update({'greeting': 'hacked'})", CONTEXT),
		lambda: evaluate("steps.lookup['rows'].append(3)", CONTEXT),
		lambda: evaluate("'a' * 1000000", CONTEXT),
		lambda: evaluate("[0] * 1000000", CONTEXT),
		lambda: evaluate("10 ** 100000", CONTEXT),
	],
)
def test_sandbox_refuses_unsafe_access(run):
	with pytest.raises(ExpressionError) as caught:
		run()
	assert "was refused" in str(caught.value)
	assert isinstance(caught.value.__cause__, SecurityError)
	assert CONTEXT["vars"] == {"greeting": "Bonjour"}
	assert CONTEXT["steps"]["lookup"]["rows"] == [1, 2]


def test_small_arithmetic_still_works():
	assert evaluate("2 ** 10 + ('ab' * 2) | length", CONTEXT) == 1028
	assert evaluate("'Bonjour ' ~ doc.name", CONTEXT) == "Bonjour PE-0001"


def test_runtime_python_errors_are_wrapped():
	with pytest.raises(ExpressionError, match="division by zero"):
		evaluate("doc.n / 0", CONTEXT)


@pytest.mark.parametrize("source", ["doc.x >", "doc.x ==== 1", "(doc.x", "{{ doc.x }}", ""])
def test_check_expression_refuses_bad_syntax(source):
	with pytest.raises(FlowDefinitionError):
		check_expression(source)
	with pytest.raises(FlowDefinitionError):
		compile_condition(source)


def test_check_expression_accepts_good_syntax():
	check_expression("doc.paid_amount > 0 and doc.customer in ['A', 'B']")
	check_expression("'Bonjour ' ~ doc.customer_name | upper")


def test_check_template_finds_errors_deep_inside():
	check_template({"a": ["{{ doc.x }}", "hi {{ doc.y | upper }}", {"b": 1}], "c": "plain"})
	with pytest.raises(FlowDefinitionError) as caught:
		check_template({"a": [{"b": "{% if doc.x %}never closed"}]})
	assert "never closed" in str(caught.value)
	with pytest.raises(FlowDefinitionError):
		check_template("{{ doc.x + }}")
	with pytest.raises(FlowDefinitionError):
		check_template("text {{ doc.x")


def test_syntax_error_when_rendering_is_a_definition_error():
	with pytest.raises(FlowDefinitionError):
		render({"x": "{{ doc.n + }}"}, CONTEXT)


def test_flow_definition_error_carries_template_args_and_step():
	error = FlowDefinitionError("Unknown action {0}.", "send_fax", step_id="notify")
	assert error.message == "Unknown action {0}."
	assert error.args_ == ("send_fax",)
	assert error.step_id == "notify"
	assert str(error) == "Step notify: Unknown action send_fax."
	assert isinstance(error, ValueError)
	assert str(FlowDefinitionError("No steps.")) == "No steps."
