import pytest

from gigafibre.equipment.identifiers import normalize_gpon_serial, normalize_mac, normalize_serial
from gigafibre.errors import InvalidValue


@pytest.mark.parametrize(
	"raw",
	["aa:bb:cc:dd:ee:ff", "AA-BB-CC-DD-EE-FF", "aabb.ccdd.eeff", "AABBCCDDEEFF", " aa bb cc dd ee ff "],
)
def test_mac_forms_normalize_to_colon_upper(raw):
	assert normalize_mac(raw) == "AA:BB:CC:DD:EE:FF"


@pytest.mark.parametrize("raw", ["AA:BB:CC:DD:EE", "GG:BB:CC:DD:EE:FF", "AABBCCDDEEFF00", "hello"])
def test_bad_mac_refused_with_the_value_in_the_message(raw):
	with pytest.raises(InvalidValue) as err:
		normalize_mac(raw)
	assert raw in str(err.value)
	assert err.value.message.startswith("MAC address {0}")


@pytest.mark.parametrize("raw", [None, "", "   "])
def test_empty_mac_is_none(raw):
	assert normalize_mac(raw) is None


def test_serial_trimmed_upper_and_inner_blanks_removed():
	assert normalize_serial("  zte 12ab-34 ") == "ZTE12AB-34"


@pytest.mark.parametrize("raw", ["", "  ", None])
def test_serial_required(raw):
	with pytest.raises(InvalidValue, match="required"):
		normalize_serial(raw)


@pytest.mark.parametrize("raw", ["ABC$123", "-LEADINGDASH", "X" * 65, "é123"])
def test_serial_with_foreign_characters_refused(raw):
	with pytest.raises(InvalidValue):
		normalize_serial(raw)


def test_gpon_serial_letters_and_hex():
	assert normalize_gpon_serial("tplg1a2b3c4d") == "TPLG1A2B3C4D"
	assert normalize_gpon_serial(None) is None


def test_gpon_serial_vendor_in_hex_is_decoded():
	# 54504C47 is "TPLG" in ASCII.
	assert normalize_gpon_serial("54504C47 1A2B3C4D") == "TPLG1A2B3C4D"


@pytest.mark.parametrize("raw", ["TPL1A2B3C4D", "TPLG1A2B3C4", "TPLGZZZZZZZZ", "1234567812345678"])
def test_bad_gpon_serial_refused(raw):
	with pytest.raises(InvalidValue):
		normalize_gpon_serial(raw)
