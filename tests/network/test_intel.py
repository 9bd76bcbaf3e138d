"""Network intel, pure: poll points, the InfluxQL of a scope run against a real influxd, the shaping
of its rows, the facts for the model and the Grafana link."""

import json
from datetime import datetime, timedelta, timezone

import pytest

from gigafibre.errors import ServiceError
from gigafibre.network import intel
from gigafibre.network.influx import InfluxClient
from gigafibre.network.olt_snmp import LOS, OFFLINE, ONLINE, OltPoll, OnuSnapshot

END = datetime(2026, 12, 1, 12, 0, tzinfo=timezone.utc)
H = timedelta(hours=1)


def poll(olt, onus, ok=True, seconds=0.5):
	p = OltPoll(olt=olt, onus=[OnuSnapshot(olt, *o) for o in onus], seconds=seconds)
	if not ok:
		p.onus = []
		p.error = ServiceError("OLT {0} did not answer", olt)
	return p


def test_poll_points_per_onu_port_and_olt():
	polls = [
		poll(
			"OLT-A",
			[
				("0/1/1", 1, ONLINE, -20.5, 2.1),
				("0/1/1", 2, ONLINE, -28.2, None),
				("0/1/1", 3, OFFLINE, None, None),
				("0/1/2", 7, LOS, None, None),
			],
		),
		poll("OLT B", [], ok=False, seconds=2.0),
	]
	points = intel.poll_points(polls, END, {("OLT-A", "0/1/1", "1"): "SL 1"}, rx_low=-27)
	ns = int(END.timestamp()) * 10**9
	assert points == [
		f"olt_poll,olt=OLT-A ok=1i,onus=4i,seconds=0.5 {ns}",
		f'onu,olt=OLT-A,onu_id=1,pon_port=0/1/1,service_location=SL\\ 1 online=1i,status="online",rx_dbm=-20.5,tx_dbm=2.1 {ns}',
		f'onu,olt=OLT-A,onu_id=2,pon_port=0/1/1 online=1i,status="online",rx_dbm=-28.2 {ns}',
		f'onu,olt=OLT-A,onu_id=3,pon_port=0/1/1 online=0i,status="offline" {ns}',
		f'onu,olt=OLT-A,onu_id=7,pon_port=0/1/2 online=0i,status="los" {ns}',
		f"pon_port,olt=OLT-A,pon_port=0/1/1 online=2i,offline=1i,total=3i,low_rx=1i {ns}",
		f"pon_port,olt=OLT-A,pon_port=0/1/2 online=0i,offline=1i,total=1i,low_rx=0i {ns}",
		f"olt_poll,olt=OLT\\ B ok=0i,onus=0i,seconds=2.0 {ns}",
	]


def test_rx_readings_are_always_floats():
	# an integral reading must not create an integer field (a later -20.5 would then be refused)
	points = intel.poll_points([poll("O", [("1/1/1", 1, ONLINE, -20, -1)])], END)
	assert "rx_dbm=-20.0,tx_dbm=-1.0" in points[1]


def test_periods():
	assert intel.period(None).name == "24h"
	assert intel.period(" 7D ").bucket == "6h"
	assert intel.period("2h") is None
	assert intel.period("24h; DROP DATABASE x") is None


def test_buckets_are_epoch_aligned_and_cover_the_period():
	p = intel.PERIODS["24h"]
	grid = intel.buckets(p, END + timedelta(minutes=30))
	assert grid[0] == END - 24 * H and grid[-1] == END and len(grid) == 25
	assert len(intel.buckets(p, END)) == 24


def test_queries_quote_what_they_are_given():
	scope = intel.Scope(olt="O'LT\\", service_location="SL' OR 1=1 --")
	q = intel.queries(scope, intel.PERIODS["1h"], END, "gigafibre")
	assert "\"service_location\" = 'SL\\' OR 1=1 --'" in q["rx"]
	assert "\"olt\" = 'O\\'LT\\\\'" in q["olt_polls"]
	assert "time >= '2026-12-01T11:00:00Z' AND time < '2026-12-01T12:00:00Z'" in q["flapping"]


def test_grafana_url():
	template = "https://g.example/d/x?var-loc={service_location}&var-olt={olt}&var-pon={pon_port}&var-onu={onu_id}&{other}"
	assert intel.grafana_url(
		template, service_location="SL 1&x", olt="OLT/1", pon_port="0/1/1", onu_id=7
	) == ("https://g.example/d/x?var-loc=SL%201%26x&var-olt=OLT%2F1&var-pon=0%2F1%2F1&var-onu=7&{other}")
	assert intel.grafana_url(template, service_location="SL-1").endswith("var-olt=&var-pon=&var-onu=&{other}")
	assert intel.grafana_url("", olt="x") is None
	assert intel.grafana_url(None) is None


def test_answer_schema_bounds_the_model():
	answer = intel.IntelAnswer.model_validate(
		{
			"summary_fr": "  Rien   de notable. ",
			"findings": [
				{"kind": "flapping", "severity": "warning", "subject": "x", "detail_fr": "y"}
				for _ in range(12)
			],
		}
	)
	assert answer.summary_fr == "Rien de notable."
	assert len(answer.findings) == 10
	with pytest.raises(ValueError):
		intel.IntelAnswer.model_validate(
			{
				"summary_fr": "x",
				"findings": [{"kind": "hack", "severity": "info", "subject": "", "detail_fr": ""}],
			}
		)


# ------------------------------------------------------------------ against a real influxd


def history():
	"""Six hours of polls every 5 minutes on OLT-A: ONU 1 (SL-1) fading from -20 to -29 dBm, ONU 2
	flapping every 30 minutes, ONU 3 steady; port 0/1/2's ONU 9 offline the last hour. OLT-A did not
	answer two polls."""
	rounds = []
	for i in range(72):
		at = END - 6 * H + timedelta(minutes=5 * i)
		if i in (10, 11):
			rounds.append((at, [poll("OLT-A", [], ok=False)]))
			continue
		onus = [
			("0/1/1", 1, ONLINE, round(-20 - 9 * i / 71, 2), 2.0),
			("0/1/1", 2, OFFLINE if (i // 6) % 2 else ONLINE, None if (i // 6) % 2 else -22.0, None),
			("0/1/1", 3, ONLINE, -18.0, 1.5),
			("0/1/2", 9, OFFLINE if i >= 60 else ONLINE, None if i >= 60 else -21.0, None),
		]
		rounds.append((at, [poll("OLT-A", onus)]))
	return rounds


@pytest.fixture(scope="module")
def written(influx):
	c = InfluxClient(influx.url, "intel_test", timeout=5)
	c.ensure("INF")
	for at, polls in history():
		c.write(intel.poll_points(polls, at, {("OLT-A", "0/1/1", "1"): "SL-1"}, rx_low=-27))
	return c


def run(client, scope, name="6h"):
	p = intel.PERIODS[name]
	return p, {key: client.query(q) for key, q in intel.queries(scope, p, END, "gigafibre").items()}


def test_an_olt_over_six_hours(written):
	scope = intel.Scope(olt="OLT-A")
	p, rows = run(written, scope)
	chart = intel.series(scope, p, END, rows)
	assert len(chart["labels"]) == 24 and chart["labels"][0] == "2026-12-01T06:00:00Z"
	assert [d["name"] for d in chart["rx"]] == ["0/1/1", "0/1/2"]
	online = {d["key"]: d["values"] for d in chart["online"]}
	assert online["offline"][-1] == 2.0  # ONU 2 down and ONU 9 down in the last bucket
	assert online["online"][0] == 4.0
	assert (
		online["online"][3] == 3.0
	)  # only poll 9 of that bucket answered (ONU 2 down): not a mean with gaps
	flaps = intel.flapping(rows["flapping"])
	assert [(f["onu_id"], f["changes"]) for f in flaps] == [("2", 11)]
	changes = intel.status_changes(rows["flapping"])
	assert [(c["onu_id"], c["changes"]) for c in changes] == [("2", 11), ("9", 1)]
	weak = intel.degraded(rows["onus"], rx_low=-27)
	assert [(w["onu_id"], w["service_location"], w["reasons"]) for w in weak] == [
		("1", "SL-1", ["below_threshold", "dropped"])
	]
	assert weak[0]["rx_min"] == -29.0 and weak[0]["rx_first"] == -20.0
	assert intel.olt_polls(rows["olt_polls"]) == {"polls": 72, "unanswered": 2}


def test_a_location_over_six_hours_and_one_hour(written):
	scope = intel.Scope(olt="OLT-A", service_location="SL-1", pon_port="0/1/1", onu_id="1")
	p, rows = run(written, scope)
	chart = intel.series(scope, p, END, rows)
	rx = {d["key"]: d["values"] for d in chart["rx"]}
	assert rx["rx"][0] > -21 and rx["rx"][-1] < -28
	assert set(rx["tx"]) - {None} == {2.0}
	assert {d["key"]: d["values"] for d in chart["online"]}["online"][0] == 100.0
	assert intel.flapping(rows["flapping"]) == []
	p, rows = run(written, scope, "1h")
	chart = intel.series(scope, p, END, rows)
	assert len(chart["labels"]) == 12 and None not in chart["rx"][0]["values"]
	data = intel.facts(
		scope,
		p,
		END,
		chart,
		intel.status_changes(rows["flapping"]),
		intel.degraded(rows["onus"]),
		[{"name": "OUT-1", "started_at": "2026-12-01 11:20:00"}],
		[],
		intel.olt_polls(rows["olt_polls"]),
	)
	assert data["scope"]["service_location"] == "SL-1"
	assert data["period"] == {
		"name": "1h",
		"from": "2026-12-01T11:00:00Z",
		"to": "2026-12-01T12:00:00Z",
		"bucket": "5m",
	}
	assert data["rx"]["Rx (dBm)"]["min"] < -28
	assert data["degraded_onus"][0]["onu_id"] == "1"
	assert json.loads(intel.prompt(data).split("\n", 1)[1]) == json.loads(json.dumps(data, default=str))
	# The summary's key: the same facts asked later are the same; any other fact is another.
	key = intel.facts_key(data)
	later = {
		**data,
		"period": {**data["period"], "from": "2026-12-01T11:04:00Z", "to": "2026-12-01T12:04:00Z"},
	}
	assert intel.facts_key(later) == key
	assert intel.facts_key({**data, "outages": []}) != key
	assert intel.facts_key({**data, "period": {**data["period"], "name": "6h"}}) != key
	assert intel.facts_key({**data, "olt_polls": {"polls": 13, "unanswered": 0}}) != key


def test_nothing_written_for_a_scope_gives_empty_charts(written):
	scope = intel.Scope(service_location="SL-NONE", olt="OLT-Z")
	p, rows = run(written, scope)
	chart = intel.series(scope, p, END, rows)
	assert all(v is None for d in chart["rx"] + chart["online"] for v in d["values"])
	assert intel.flapping(rows["flapping"]) == [] and intel.degraded(rows["onus"]) == []
	assert intel.olt_polls(rows["olt_polls"]) == {"polls": 0, "unanswered": 0}
