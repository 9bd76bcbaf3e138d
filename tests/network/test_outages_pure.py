"""Uptime Kuma messages and monitor names → outage decisions (pure half of gigafibre.network.outages)."""

import pytest

from gigafibre.errors import InvalidValue
from gigafibre.network import outages


@pytest.mark.parametrize(
	"name, expected",
	[
		("OLT-MTL-01", ("OLT-MTL-01", None)),
		("OLT-MTL-01 1/1/3", ("OLT-MTL-01", "1/1/3")),
		("olt-lav-02 PON 0/2/7", ("OLT-LAV-02", "0/2/7")),
		("OLT-MTL-01 - 1/3", ("OLT-MTL-01", "1/3")),
		("  OLT_QC_3  ", ("OLT_QC_3", None)),
		("Website gigafibre.ca", None),
		("Core router", None),
		("OLT-MTL-01 uplink", None),
		("", None),
		(None, None),
	],
)
def test_parse_monitor(name, expected):
	assert outages.parse_monitor(name) == expected


def kuma(status=0, monitor_id=7, name="OLT-MTL-01 1/1/3", time="2026-11-25 22:40:01.123"):
	return {
		"heartbeat": {"status": status, "time": time, "msg": "timeout", "monitorID": monitor_id},
		"monitor": {"id": monitor_id, "name": name},
		"msg": f"[{name}] [🔴 Down] timeout",
	}


def test_parse_kuma_down_and_up():
	down = outages.parse_kuma(kuma())
	assert (down.monitor_id, down.monitor_name, down.status, down.message) == (
		"7",
		"OLT-MTL-01 1/1/3",
		"down",
		"timeout",
	)
	assert down.event_id == "7-2026-11-25 22:40:01.123-down"
	assert outages.parse_kuma(kuma(status=1)).status == "up"
	assert outages.parse_kuma(kuma(status=3)).status == "maintenance"


def test_parse_kuma_test_notification_is_none():
	assert outages.parse_kuma({"heartbeat": None, "monitor": None, "msg": "Gigafibre Testing"}) is None


@pytest.mark.parametrize(
	"payload",
	[
		[],
		{"heartbeat": {"status": 0, "time": "t"}},
		{"heartbeat": {"status": 9, "time": "t"}, "monitor": {"id": 1}},
		{"heartbeat": {"status": "x", "time": "t"}, "monitor": {"id": 1}},
		{"heartbeat": {"status": 0}, "monitor": {"id": 1}},
		{"heartbeat": {"status": 0, "time": "t"}, "monitor": {"name": "x"}},
	],
)
def test_parse_kuma_refuses_malformed(payload):
	with pytest.raises(InvalidValue):
		outages.parse_kuma(payload)


def test_action():
	assert outages.action("down", False) == "open"
	assert outages.action("down", True) is None  # no duplicate while one is open
	assert outages.action("up", True) == "resolve"
	assert outages.action("up", False) is None
	assert outages.action("pending", False) is None
	assert outages.action("maintenance", True) is None


def test_module_imports_without_frappe():
	import sys

	assert "frappe" not in sys.modules or outages.__dict__.get("frappe") is None


# The OLT targets setting read by the scheduled poll (gigafibre.network.tasks.parse_targets).


def test_parse_olt_targets():
	from gigafibre.network.tasks import parse_targets

	targets, problems = parse_targets(
		'[{"name": "OLT-MTL-01", "host": "127.0.0.1", "vendor": "huawei", "port": 1161, "community": ""},'
		' {"name": "OLT-X", "host": "127.0.0.1", "vendor": "nokia"}, {"host": "h"}, "x"]'
	)
	assert [(t.name, t.vendor, t.port, t.community) for t in targets] == [
		("OLT-MTL-01", "huawei", 1161, "public")
	]
	assert len(problems) == 3 and "nokia" in problems[0]
	assert parse_targets(None) == ([], [])
	assert parse_targets("") == ([], [])
	assert parse_targets("{nope")[1][0].startswith("olt_targets is not valid JSON")
	assert parse_targets('{"a": 1}') == ([], ["olt_targets must be a JSON list"])


def test_provisioning_preset_per_data_model():
	import json

	from gigafibre.network.provisioning import preset_for

	tr181 = preset_for("5C628B-XX230v-1", "TR-181")
	assert json.loads(tr181["precondition"]) == {"_id": "5C628B-XX230v-1"}
	assert tr181["configurations"][0] == {
		"type": "value",
		"name": "Device.ManagementServer.PeriodicInformInterval",
		"value": "300",
	}
	assert preset_for("x", None)["configurations"][0]["name"].startswith("InternetGatewayDevice.")
	assert {"type": "add_tag", "tag": "gigafibre-provisioned"} in tr181["configurations"]
