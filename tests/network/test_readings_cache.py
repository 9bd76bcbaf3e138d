"""The OLT poller's readings cache: what `merge_readings` keeps of each poll (pure)."""

from gigafibre.errors import ServiceError
from gigafibre.network.olt_snmp import OltPoll, OnuSnapshot
from gigafibre.network.tasks import merge_readings


def _poll(olt, *onus, error=None):
	return OltPoll(olt=olt, onus=[OnuSnapshot(olt, *onu) for onu in onus], error=error)


def test_first_poll_keeps_every_onu_with_its_time():
	memory = merge_readings(
		None, [_poll("OLT-A", ("0/1/1", 1, "online", -18.2), ("0/1/1", 2, "offline"))], "T1"
	)
	assert memory == {
		"OLT-A": {"at": "T1", "onus": [["0/1/1", 1, "online", -18.2], ["0/1/1", 2, "offline", None]]}
	}


def test_a_new_poll_replaces_the_olts_readings_whole():
	before = {"OLT-A": {"at": "T1", "onus": [["0/1/1", 1, "online", -18.2], ["0/1/1", 2, "online", -20.0]]}}
	after = merge_readings(before, [_poll("OLT-A", ("0/1/1", 1, "online", -25.5))], "T2")
	# ONU 2 is gone from the OLT's answer: gone from the readings too.
	assert after == {"OLT-A": {"at": "T2", "onus": [["0/1/1", 1, "online", -25.5]]}}
	assert before["OLT-A"]["at"] == "T1"  # the memory given is not changed in place


def test_an_olt_that_did_not_answer_keeps_its_previous_poll_and_others_are_kept():
	before = {
		"OLT-A": {"at": "T1", "onus": [["0/1/1", 1, "online", -18.2]]},
		"OLT-B": {"at": "T1", "onus": [["0/2/1", 3, "online", -21.0]]},
	}
	failed = _poll("OLT-A", error=ServiceError("OLT {0} did not answer", "OLT-A"))
	after = merge_readings(before, [failed, _poll("OLT-C", ("0/1/1", 1, "online", -6.0))], "T2")
	assert after["OLT-A"] == {"at": "T1", "onus": [["0/1/1", 1, "online", -18.2]]}
	assert after["OLT-B"] == before["OLT-B"]  # not polled this time: kept
	assert after["OLT-C"] == {"at": "T2", "onus": [["0/1/1", 1, "online", -6.0]]}


def test_a_failed_first_poll_stores_nothing_and_an_empty_answer_is_kept_empty():
	failed = _poll("OLT-A", error=ServiceError("OLT {0} did not answer", "OLT-A"))
	assert merge_readings({}, [failed], "T1") == {}
	assert merge_readings(None, [_poll("OLT-B")], "T1") == {"OLT-B": {"at": "T1", "onus": []}}
