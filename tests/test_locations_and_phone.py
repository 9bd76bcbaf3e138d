import pytest

from gigafibre.errors import InvalidValue
from gigafibre.locations.postal import check_coordinates, normalize_postal_code
from gigafibre.messaging.phone import to_e164


@pytest.mark.parametrize("raw", ["h2x1y4", "H2X 1Y4", " h2x-1y4 ", "H2X1Y4"])
def test_postal_code_normal_form(raw):
	assert normalize_postal_code(raw) == "H2X 1Y4"


@pytest.mark.parametrize("raw", ["", None, "12345", "H2X 1Y", "D2X 1Y4", "W2X 1Y4", "H2X 1O4", "H2X 1Y4 9"])
def test_bad_postal_codes_refused(raw):
	with pytest.raises(InvalidValue, match="postal code"):
		normalize_postal_code(raw)


def test_coordinates_both_or_neither():
	check_coordinates(None, None)
	check_coordinates(0, 0)
	check_coordinates(45.5017, -73.5673)
	with pytest.raises(InvalidValue, match="together"):
		check_coordinates(45.5, None)
	with pytest.raises(InvalidValue, match="Latitude"):
		check_coordinates(95, -73)
	with pytest.raises(InvalidValue, match="Longitude"):
		check_coordinates(45, -190)


@pytest.mark.parametrize(
	"raw", ["514 555-0199", "(514) 555-0199", "1-514-555-0199", "+1 514 555 0199", "5145550199"]
)
def test_phone_to_e164(raw):
	assert to_e164(raw) == "+15145550199"


def test_empty_phone_is_none():
	assert to_e164("") is None
	assert to_e164(None) is None


@pytest.mark.parametrize("raw", ["555-0199", "abc", "514 555 01999 9", "+1 000 000 0000"])
def test_bad_phone_refused(raw):
	with pytest.raises(InvalidValue, match="Phone number"):
		to_e164(raw)


def test_foreign_number_kept_in_its_country():
	assert to_e164("+33 1 42 68 53 00") == "+33142685300"
