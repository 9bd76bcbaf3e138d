"""The OLT poller against snmpsim agents serving recorded Huawei MA5800 and ZTE C300 ONU tables."""

import asyncio
import time

import pytest

from gigafibre.errors import InvalidValue
from gigafibre.network.olt_snmp import (
	HUAWEI,
	ZTE,
	OltTarget,
	OnuSnapshot,
	build_snapshots,
	optical_alarms,
	poll_olts,
	poll_olts_blocking,
)
from tests.network.conftest import free_udp_port


def _targets(agent, **kw):
	host, port = agent
	return [
		OltTarget("OLT-LAVAL-01", host, "huawei", community="huawei-ma5800", port=port, **kw),
		OltTarget("OLT-MTL-02", host, "zte", community="zte-c300", port=port, **kw),
	]


def test_polls_both_vendors_and_maps_each_onu(snmpsim_agent):
	huawei, zte = poll_olts_blocking(_targets(snmpsim_agent), max_repetitions=20)
	assert huawei.ok and zte.ok, (huawei.error, zte.error)
	# every row of each column, across several GETBULKs (80 rows > snmpsim's 64-varbind cap), and
	# nothing from the neighbouring columns the .snmprec also holds
	assert len(huawei.onus) == 80 and huawei.varbinds == 240
	assert len(zte.onus) == 24 and zte.varbinds == 72
	by_key = {o.key: o for o in huawei.onus + zte.onus}
	assert by_key[("OLT-LAVAL-01", "0/1/0", 0)] == OnuSnapshot(
		"OLT-LAVAL-01", "0/1/0", 0, "online", -18.0, 2.15
	)
	assert by_key[("OLT-LAVAL-01", "0/1/1", 39)] == OnuSnapshot(
		"OLT-LAVAL-01", "0/1/1", 39, "offline", None, None
	)
	assert by_key[("OLT-LAVAL-01", "0/1/0", 12)].rx_dbm == -28.5
	assert by_key[("OLT-MTL-02", "1/2/1", 1)] == OnuSnapshot("OLT-MTL-02", "1/2/1", 1, "online", -19.25, 2.1)
	assert by_key[("OLT-MTL-02", "1/2/1", 5)].status == "los"
	assert by_key[("OLT-MTL-02", "1/2/2", 9)].status == "dying_gasp"
	assert by_key[("OLT-MTL-02", "1/2/2", 2)].rx_dbm == -31.0  # negative raw value on the wire
	assert {o.pon_port for o in zte.onus} == {"1/2/1", "1/2/2"}


def test_thresholds_raise_alarm_events(snmpsim_agent):
	polls = poll_olts_blocking(_targets(snmpsim_agent))
	alarms = optical_alarms(o for p in polls for o in p.onus)
	assert sorted((a.event, a.olt, a.pon_port, a.onu_id, a.rx_dbm) for a in alarms) == [
		("onu_rx_high", "OLT-LAVAL-01", "0/1/1", 3, -7.5),
		("onu_rx_low", "OLT-LAVAL-01", "0/1/0", 12, -28.5),
		("onu_rx_low", "OLT-MTL-02", "1/2/1", 8, -27.6),
		("onu_rx_low", "OLT-MTL-02", "1/2/2", 2, -31.0),
	]
	assert optical_alarms(polls[0].onus, rx_low=-30, rx_high=0) == []


def test_wrong_community_and_silent_olt_fail_alone_and_within_the_timeout(snmpsim_agent):
	host, port = snmpsim_agent
	targets = [
		OltTarget("GOOD", host, "zte", community="zte-c300", port=port),
		OltTarget("BAD-COMMUNITY", host, "zte", community="nope", port=port, timeout=0.3, retries=0),
		OltTarget("SILENT", "127.0.0.1", "huawei", port=free_udp_port(), timeout=0.3, retries=1),
	]
	started = time.monotonic()
	good, bad, silent = poll_olts_blocking(targets)
	assert time.monotonic() - started < 3
	assert good.ok and len(good.onus) == 24
	assert not bad.ok and bad.onus == [] and "did not answer" in str(bad.error) and bad.error.retryable
	assert not silent.ok and "SILENT" in str(silent.error)


def test_concurrency_is_bounded(snmpsim_agent):
	host, port = snmpsim_agent
	active = peak = 0
	import gigafibre.network.olt_snmp as olt_snmp

	real = olt_snmp.poll_olt

	async def counting(*args, **kw):
		nonlocal active, peak
		active += 1
		peak = max(peak, active)
		try:
			return await real(*args, **kw)
		finally:
			active -= 1

	olt_snmp.poll_olt = counting
	try:
		targets = [OltTarget(f"OLT-{i}", host, "zte", community="zte-c300", port=port) for i in range(6)]
		polls = asyncio.run(poll_olts(targets, concurrency=2))
	finally:
		olt_snmp.poll_olt = real
	assert peak == 2 and all(p.ok and len(p.onus) == 24 for p in polls)


def test_unknown_vendor_refused_before_any_traffic():
	with pytest.raises(InvalidValue, match="not supported"):
		poll_olts_blocking([OltTarget("X", "127.0.0.1", "nokia")])


def test_scaling_and_index_decoding():
	assert HUAWEI.port_name(4194304000 + 2 * 8192 + 15 * 256) == "0/2/15"
	assert HUAWEI.level(-2345) == -23.45 and HUAWEI.level(2147483647) is None
	assert ZTE.port_name(268566528) == "1/2/1" and ZTE.port_name(268500992 + 256 * 7) == "1/1/8"
	assert ZTE.level(5000) == -20.0 and ZTE.level(65035) == -31.0 and ZTE.level(65535) is None
	# an offline ONU's stale reading is dropped; rows missing a level give None
	onus = build_snapshots(
		"O", HUAWEI, [((4194312192, 1), 2), ((4194312192, 2), 1)], [((4194312192, 1), -1900)], []
	)
	assert [(o.status, o.rx_dbm, o.tx_dbm) for o in onus] == [("offline", None, None), ("online", None, None)]
