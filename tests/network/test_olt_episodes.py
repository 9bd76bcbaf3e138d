"""OLT alarm episodes: one event when an alarm starts, none while it lasts, a new one after it cleared."""

from gigafibre.network.olt_episodes import (
	StatusChange,
	onu_key,
	onu_states,
	optical_episodes,
	status_changes,
)
from gigafibre.network.olt_snmp import DYING_GASP, LOS, OFFLINE, ONLINE, UNKNOWN, OnuSnapshot
from gigafibre.network.tasks import rx_threshold

LOW, HIGH = -27.0, -8.0
WEAK = "OLT-1|0/1/1|5|onu_rx_low"


def _onu(onu_id=5, status=ONLINE, rx=-20.0, olt="OLT-1"):
	return OnuSnapshot(olt, "0/1/1", onu_id, status, rx, 2.0)


def _poll(memory, *snapshots, now="t"):
	return optical_episodes(memory, snapshots, now, LOW, HIGH)


def test_an_episode_raises_once_while_it_lasts():
	first = _poll({}, _onu(rx=-28.4), _onu(6), now="t1")
	assert [(a.onu_id, a.event, a.rx_dbm) for a in first.started] == [(5, "onu_rx_low", -28.4)]
	assert first.memory == {WEAK: "t1"}
	second = _poll(first.memory, _onu(rx=-29.0), _onu(6), now="t2")
	assert second.started == [] and [a.onu_id for a in second.ongoing] == [5]
	assert second.memory == {WEAK: "t1"}  # the episode keeps its start


def test_clears_only_on_a_good_reading_then_a_new_episode_raises_again():
	memory = _poll({}, _onu(rx=-28.4), now="t1").memory
	# offline (no reading) or the OLT did not answer (not in the poll): the episode goes on
	for snapshots in ([_onu(status=OFFLINE, rx=None)], [_onu(status=ONLINE, rx=None)], []):
		poll = _poll(memory, *snapshots)
		assert poll.started == [] and poll.ended == [] and poll.memory == memory
	cleared = _poll(memory, _onu(rx=-21.0), now="t3")
	assert cleared.ended == [WEAK] and cleared.memory == {}
	again = _poll(cleared.memory, _onu(rx=-27.5), now="t4")
	assert len(again.started) == 1 and again.memory == {WEAK: "t4"}


def test_low_and_high_are_separate_episodes_and_memory_is_not_mutated():
	memory = {WEAK: "t1"}
	poll = _poll(memory, _onu(rx=-6.0), now="t2")
	assert [a.event for a in poll.started] == ["onu_rx_high"]
	assert poll.ended == [WEAK] and poll.memory == {"OLT-1|0/1/1|5|onu_rx_high": "t2"}
	assert memory == {WEAK: "t1"}
	assert _poll(None, _onu(rx=-27.0)).started == []  # at the threshold is not below it


def test_onu_states_in_equipment_terms():
	states = onu_states(
		[_onu(1), _onu(2, OFFLINE), _onu(3, LOS), _onu(4, DYING_GASP), _onu(5, UNKNOWN), _onu(6, "logging")]
	)
	assert states == {
		onu_key("OLT-1", "0/1/1", 1): "Online",
		onu_key("OLT-1", "0/1/1", 2): "Offline",
		onu_key("OLT-1", "0/1/1", 3): "Offline",
		onu_key("OLT-1", "0/1/1", 4): "Offline",
	}


def test_offline_is_announced_once_and_recovery_only_after_offline():
	key = onu_key("OLT-1", "0/1/1", 5)
	assert status_changes([("SE-1", key, "Online")], {key: "Offline"}) == [
		StatusChange("SE-1", "Online", "Offline", True)
	]
	assert status_changes([("SE-1", key, "Offline")], {key: "Offline"}) == []  # still the same episode
	assert status_changes([("SE-1", key, "Offline")], {key: "Online"}) == [
		StatusChange("SE-1", "Offline", "Online", True)
	]
	# first poll after install: Unknown -> Online is recorded, not announced; Unknown -> Offline is
	assert status_changes([("SE-1", key, "Unknown")], {key: "Online"}) == [
		StatusChange("SE-1", "Unknown", "Online", False)
	]
	assert status_changes([("SE-1", key, None)], {key: "Offline"})[0].announce
	assert status_changes([("SE-1", key, "Online")], {}) == []  # not in this poll: no change


def test_rx_threshold_setting():
	assert rx_threshold(-25.5) == -25.5 and rx_threshold("-30") == -30.0
	for raw in (None, "", "abc", 0, 5, -80):
		assert rx_threshold(raw) == -27.0
