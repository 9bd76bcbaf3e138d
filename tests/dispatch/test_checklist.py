"""The checklist rules (gigafibre.dispatch.checklist): what a template item must say, and what
keeps a job from being completed."""

import pytest

from gigafibre.dispatch import checklist
from gigafibre.errors import InvalidValue

RX = {
	"name": "r1",
	"label": "Puissance ONU",
	"kind": "Measurement",
	"required": 1,
	"unit": "dBm",
	"use_min": 1,
	"min_value": -27,
	"use_max": 1,
	"max_value": -8,
}


def row(**values):
	return {"name": values.pop("name", "r"), "required": 1, "kind": "Check", **values}


def test_a_required_check_is_missing_until_ticked():
	assert [m.row for m in checklist.missing([row(name="a", label="Visite")])] == ["a"]
	assert checklist.missing([row(label="Visite", done=1)]) == []


def test_optional_items_never_hold_the_job():
	rows = [row(label="Photo", kind="Photo", required=0), {**RX, "required": 0, "done": 1, "value": -40}]
	assert checklist.missing(rows) == []


def test_measurement_in_range_inclusive_counts_as_done():
	for value in (-27, -19.5, -8):
		assert checklist.missing([{**RX, "done": 1, "value": value}]) == []


def test_measurement_out_of_range_is_missing_with_a_clear_reason():
	(found,) = checklist.missing([{**RX, "done": 1, "value": -30.25}])
	assert found.reason == checklist.OUT_OF_RANGE
	assert found.message() == "Puissance ONU: -30.25 dBm is out of range (-27 … -8 dBm)"


def test_measurement_not_entered_is_missing_even_at_zero():
	(found,) = checklist.missing([{**RX, "value": 0, "done": 0}])
	assert found.message() == "Puissance ONU: no value entered"


def test_one_sided_ranges():
	speed = row(label="Vitesse", kind="Measurement", unit="Mbit/s", use_min=1, min_value=100, done=1)
	assert checklist.missing([{**speed, "value": 940}]) == []
	assert checklist.missing([{**speed, "value": 12}])[0].args == ("12 Mbit/s", "≥ 100 Mbit/s")
	loss = row(label="Perte", kind="Measurement", unit="dB", use_max=1, max_value=3, done=1, value=2)
	assert checklist.missing([loss]) == [] and checklist.describe_range(loss) == "≤ 3 dB"
	free = row(label="Libre", kind="Measurement", unit="V", done=1, value=-1e6)
	assert checklist.missing([free]) == [] and checklist.describe_range(free) == ""


def test_photo_and_scan_need_their_evidence_not_a_tick():
	photo = row(label="Photo ONT", kind="Photo", done=1)
	scan = row(label="Série ONT", kind="Equipment Scan", done=1)
	assert [m.reason for m in checklist.missing([photo, scan])] == [checklist.NO_PHOTO, checklist.NO_SCAN]
	assert (
		checklist.missing([{**photo, "photo": "/private/files/a.jpg"}, {**scan, "scanned_equipment": "EQ-1"}])
		== []
	)


def test_the_message_names_every_missing_item_in_order_translated():
	rows = [row(label="A"), {**RX, "done": 1, "value": 1}, row(label="C", kind="Photo")]
	french = {
		checklist.INCOMPLETE: "Incomplet : {0}.",
		checklist.NOT_DONE: "{0} : pas fait",
		checklist.OUT_OF_RANGE: "{0} : {1} hors plage ({2})",
		checklist.NO_PHOTO: "{0} : aucune photo",
	}
	message = checklist.incomplete_message(checklist.missing(rows), lambda s: french.get(s, s))
	assert (
		message
		== "Incomplet : A : pas fait; Puissance ONU : 1 dBm hors plage (-27 … -8 dBm); C : aucune photo."
	)
	assert checklist.incomplete_message([]) == ""


def test_works_on_objects_with_get_like_frappe_rows():
	class Row(dict):
		def __getattr__(self, key):
			return self.get(key)

	assert checklist.missing([Row(RX, done=1, value=-20)]) == []


@pytest.mark.parametrize(
	("text", "value"),
	[
		("-19,5", -19.5),
		("\u221219.5", -19.5),
		(" 940 ", 940.0),
		("1\u00a0000", 1000.0),
		(-8, -8.0),
		("+3", 3.0),
	],
)
def test_measurements_as_typed(text, value):
	assert checklist.parse_measurement(text) == value


@pytest.mark.parametrize("text", ["", "abc", "nan", "inf", "1,2,3", None, True, float("nan")])
def test_not_a_measurement(text):
	with pytest.raises(InvalidValue):
		checklist.parse_measurement(text)


def test_template_items_checked():
	checklist.check_items(
		[RX, row(label="Photo", kind="Photo"), row(label="ONT", kind="Equipment Scan", equipment_type="ONT")]
	)
	cases = [
		(row(label=" "), "label"),
		(row(label="X", kind="Video"), "unknown kind"),
		({**RX, "unit": ""}, "needs a unit"),
		({**RX, "min_value": -5, "max_value": -8}, "minimum (-5) must not be more than the maximum (-8)"),
		(row(label="X", use_min=1, min_value=1), "only a measurement has a range"),
		(row(label="X", kind="Photo", equipment_type="ONT"), "only an equipment scan"),
	]
	for item, words in cases:
		with pytest.raises(InvalidValue) as err:
			checklist.check_item(item)
		assert words in str(err.value)
	with pytest.raises(InvalidValue, match="listed twice"):
		checklist.check_items([row(label="Visite"), row(label="visite ")])
	# min == max is a valid (narrow) range
	checklist.check_item({**RX, "min_value": -10, "max_value": -10})


def test_equipment_to_bring_checked():
	checklist.check_bring([{"equipment_type": "ONT", "qty": 1}, {"item": "ITEM-1", "qty": 3}])
	with pytest.raises(InvalidValue, match="row 2: give an item"):
		checklist.check_bring([{"equipment_type": "ONT", "qty": 1}, {"qty": 1}])
	with pytest.raises(InvalidValue, match="at least 1"):
		checklist.check_bring([{"equipment_type": "ONT", "qty": 0}])


def test_scan_type_match_and_copy():
	assert checklist.scan_matches({"equipment_type": "ONT"}, "ONT")
	assert not checklist.scan_matches({"equipment_type": "ONT"}, "Router")
	assert checklist.scan_matches({"equipment_type": None}, "Router")
	copied = checklist.copy_item({**RX, "done": 1, "value": 3, "parent": "X"})
	assert set(copied) == set(checklist.ITEM_FIELDS) and copied["min_value"] == -27
