"""3CX call events: the field spellings 3CX templates use, durations, direction."""

import pytest

from gigafibre.errors import InvalidValue
from gigafibre.messaging.pbx_events import parse_call_event, parse_duration


def test_snake_case_inbound():
	event = parse_call_event(
		{
			"call_id": "42",
			"state": "Ended",
			"direction": "inbound",
			"from": "+15145550123",
			"to": "101",
			"duration": 83,
			"agent": "101 Julie",
		}
	)
	assert (event.call_id, event.state, event.direction, event.number) == (
		"42",
		"ended",
		"inbound",
		"+15145550123",
	)
	assert (event.duration_seconds, event.agent) == (83, "101 Julie")


def test_3cx_template_variables_outbound():
	event = parse_call_event(
		{
			"CallID": "00000ABC",
			"CallType": "Outbound",
			"Number": "514 555-0123",
			"Duration": "00:01:23",
			"Agent": "102",
		}
	)
	assert (event.call_id, event.direction, event.number, event.duration_seconds) == (
		"00000ABC",
		"outbound",
		"514 555-0123",
		83,
	)


def test_outbound_number_is_the_callee():
	event = parse_call_event({"call_id": "7", "direction": "outbound", "from": "101", "to": "+15145550123"})
	assert event.number == "+15145550123" and event.state == "event"


def test_missed_is_inbound_notanswered_is_outbound():
	assert parse_call_event({"CallID": "1", "CallType": "Missed", "Number": "x"}).direction == "inbound"
	assert parse_call_event({"CallID": "1", "CallType": "Notanswered", "Number": "x"}).direction == "outbound"


@pytest.mark.parametrize(
	"value,seconds", [(None, 0), ("", 0), (5, 5), ("83", 83), ("01:23", 83), ("1:00:00", 3600), ("12.7", 12)]
)
def test_durations(value, seconds):
	assert parse_duration(value) == seconds


def test_bad_duration_and_missing_id_are_clear():
	with pytest.raises(InvalidValue, match="duration"):
		parse_duration("soon")
	with pytest.raises(InvalidValue, match="no call id"):
		parse_call_event({"state": "ended"})
