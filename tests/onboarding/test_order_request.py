"""The order form's input, checked before anything is written."""

import pytest

from gigafibre.errors import InvalidValue
from gigafibre.onboarding import order_request
from gigafibre.onboarding.order_request import OrderLine

GOOD = dict(
	key="web-2026-abcdef12",
	items='[{"item_code": "FIBRE-500", "qty": 1}, {"item_code": "MESH", "qty": "2"}]',
	first_name=" Marie ",
	last_name="Tremblay",
	civic_number="4500",
	street="rue  Saint-Denis",
	city="Montréal",
	postal_code="h2j2l3",
)


def test_parse_good_request():
	request = order_request.parse(**GOOD)
	assert request.order_key == "web-2026-abcdef12"
	assert request.lines == (OrderLine("FIBRE-500", 1), OrderLine("MESH", 2))
	assert request.first_name == "Marie"
	assert request.street == "rue Saint-Denis"
	assert request.postal_code == "H2J 2L3"


def test_same_item_twice_adds_up():
	assert order_request.lines([{"item_code": "A"}, {"item_code": "A", "qty": 2}]) == (OrderLine("A", 3),)


@pytest.mark.parametrize("key", [None, "", "short", "x" * 65, "has space 123", "semi;colon12"])
def test_bad_order_keys(key):
	with pytest.raises(InvalidValue, match="order key"):
		order_request.order_key(key)


@pytest.mark.parametrize(
	"items",
	[None, "", "not json", "[]", "{}", [{"qty": 1}], [{"item_code": " "}], [{"item_code": "A"}] * 21],
)
def test_no_product(items):
	with pytest.raises(InvalidValue, match="at least one product"):
		order_request.lines(items)


@pytest.mark.parametrize("qty", [0, -1, 11, "1.5", 2.0, True, "deux"])
def test_bad_quantities(qty):
	with pytest.raises(InvalidValue, match="whole number"):
		order_request.lines([{"item_code": "A", "qty": qty}])


@pytest.mark.parametrize("field", ["first_name", "last_name", "civic_number", "street", "city"])
def test_required_text(field):
	with pytest.raises(InvalidValue, match="Enter "):
		order_request.parse(**{**GOOD, field: "  "})
	with pytest.raises(InvalidValue, match="characters at most"):
		order_request.parse(**{**GOOD, field: "x" * 141})


def test_bad_postal_code():
	with pytest.raises(InvalidValue, match="postal code"):
		order_request.parse(**{**GOOD, "postal_code": "90210"})


def test_angle_brackets_are_refused_with_a_clear_message():
	with pytest.raises(InvalidValue, match="cannot contain < or >"):
		order_request.parse(
			"order-key-0001", [{"item_code": "P"}], "<b>Marie</b>", "T", "1", "rue A", "Laval", "H7N1A1"
		)


def test_quantities_read_as_people_write_them():
	from gigafibre.onboarding.order_request import quantity

	assert (quantity(1.0), quantity("2"), quantity(1.5), quantity(None)) == (1, 2, 1.5, 0)
	assert isinstance(quantity(1.0), int)
