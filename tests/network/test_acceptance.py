"""The acceptance gate's decision, from GenieACS summaries of both data models."""

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

from gigafibre.network import acceptance as gate
from gigafibre.network.genieacs_summary import summarize

FIXTURES = Path(__file__).parent / "fixtures"
INFORMED = datetime(2026, 11, 25, 20, 14, 3, tzinfo=timezone.utc)


def summary(name="device_tr098_huawei_hg8245q2.json", **optical):
	data = summarize(json.loads((FIXTURES / name).read_text())).to_dict()
	data["optical"].update(optical)
	return data


def test_online_and_in_range_passes():
	decision = gate.evaluate_summary("dev-1", summary(), INFORMED + timedelta(minutes=3))
	assert decision.status == gate.PASSED
	assert not decision.blocks
	assert decision.facts["rx_dbm"] == -19.37
	assert decision.facts["inform_age_minutes"] == 3.0


def test_tr181_device_passes():
	now = datetime(2026, 11, 25, 20, 40, tzinfo=timezone.utc)
	decision = gate.evaluate_summary("dev-2", summary("device_tr181_tplink_xx230v.json"), now)
	assert decision.status == gate.PASSED


def test_stale_inform_fails():
	decision = gate.evaluate_summary("dev-1", summary(), INFORMED + timedelta(minutes=40))
	assert decision.blocks
	template, args = decision.reasons[0]
	assert "last informed" in template
	assert args == ("dev-1", 40, 15)


def test_rx_too_low_and_too_high():
	low = gate.evaluate_summary("d", summary(rx_dbm=-29.5), INFORMED)
	assert low.blocks and low.reasons[0] == ("Optical rx level {0} dBm is below {1} dBm.", ("-29.5", "-27.0"))
	high = gate.evaluate_summary("d", summary(rx_dbm=-6.0), INFORMED)
	assert high.blocks and "above" in high.reasons[0][0]
	edge = gate.evaluate_summary("d", summary(rx_dbm=-27.0), INFORMED)
	assert edge.status == gate.PASSED


def test_optical_down_and_missing_rx():
	decision = gate.evaluate_summary("d", summary(status="Down", rx_dbm=None), INFORMED)
	assert [r[0] for r in decision.reasons] == [
		"The optical link of device {0} is {1}, not up.",
		"Device {0} reports no optical rx level.",
	]


def test_unknown_device_and_missing_ont():
	assert gate.evaluate_summary("d", None, INFORMED).blocks
	missing = gate.evaluate_summary(None, None, INFORMED)
	assert missing.blocks and "No installed ONT" in missing.reasons[0][0]


def test_thresholds_from_settings():
	t = gate.Thresholds.from_settings(-25, -10, 5)
	assert (t.rx_min, t.rx_max, t.inform_minutes) == (-25.0, -10.0, 5)
	assert gate.Thresholds.from_settings(None, 0, 0) == gate.Thresholds()
	decision = gate.evaluate_summary("d", summary(rx_dbm=-26.0), INFORMED + timedelta(minutes=6), t)
	assert len(decision.reasons) == 2


def test_needs_gate():
	assert gate.needs_gate("Install", "On Site", "Completed")
	assert gate.needs_gate("Repair", None, "Completed")
	assert not gate.needs_gate("Install", "Completed", "Completed")
	assert not gate.needs_gate("Survey", "On Site", "Completed")
	assert not gate.needs_gate("Install", "Assigned", "En Route")


def test_parse_time():
	assert gate.parse_time("2026-11-25T20:14:03.512Z") == INFORMED.replace(microsecond=512000)
	assert gate.parse_time(datetime(2026, 1, 1)).tzinfo is timezone.utc
	assert gate.parse_time("garbage") is None
	assert gate.parse_time(None) is None
