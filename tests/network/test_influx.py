"""The InfluxDB 1.x client: line protocol (pure) and the client against a real influxd."""

import socket
from datetime import datetime, timedelta, timezone

import pytest

from gigafibre.errors import InvalidValue, ServiceError
from gigafibre.network import influx as lp
from gigafibre.network.influx import InfluxClient, line

T0 = datetime(2026, 12, 1, 12, 0, tzinfo=timezone.utc)
NS = 1_796_126_400 * 10**9  # T0


# ------------------------------------------------------------------ line protocol


def test_a_plain_point():
	assert line("onu", {"olt": "OLT-1", "pon_port": "0/1/1"}, {"rx_dbm": -20.5, "online": 1}, T0) == (
		f"onu,olt=OLT-1,pon_port=0/1/1 rx_dbm=-20.5,online=1i {NS}"
	)


def test_tags_are_sorted_and_empty_ones_left_out():
	assert line("m", {"b": "2", "a": "1", "c": "", "d": None}, {"v": 1}) == "m,a=1,b=2 v=1i"


def test_field_types():
	text = line("m", None, {"i": -3, "f": 2.0, "t": True, "n": False, "s": "ok", "none": None, "big": 1e300})
	assert text == 'm i=-3i,f=2.0,t=true,n=false,s="ok",big=1e+300'


def test_escaping_of_names_tags_and_strings():
	assert line("my m,x", {"tag key=": "va l,u=e"}, {"f k": 'say "hi" \\o/'}) == (
		'my\\ m\\,x,tag\\ key\\==va\\ l\\,u\\=e f\\ k="say \\"hi\\" \\\\o/"'
	)


def test_what_the_protocol_cannot_carry():
	# a newline would end the line; a backslash before a special character or at the end would escape it
	assert line("m", {"t": "a\nb\r\nc"}, {"v": 1}) == "m,t=a\\ b\\ c v=1i"
	assert line("m", {"t": "end\\"}, {"v": 1}) == "m,t=end\\  v=1i"
	assert line("m", {"t": "a\\,b"}, {"v": 1}) == "m,t=a\\ \\,b v=1i"
	assert line("m", {"t": "C:\\temp"}, {"v": 1}) == "m,t=C:\\temp v=1i"  # kept: nothing to escape after it
	assert line("m", None, {"nan": float("nan"), "inf": float("inf"), "v": 1.5}) == "m v=1.5"
	for bad in (
		lambda: line("", None, {"v": 1}),
		lambda: line("#comment", None, {"v": 1}),
		lambda: line("m", None, {}),
		lambda: line("m", None, {"nan": float("nan")}),
		lambda: line("m", {"time": "x"}, {"v": 1}),
		lambda: line("m", None, {"time": 1}),
		lambda: line("m", None, {"v": 2**63}),
	):
		with pytest.raises(InvalidValue):
			bad()


def test_timestamps():
	assert lp.timestamp_ns(T0) == NS
	assert lp.timestamp_ns(T0.replace(tzinfo=None)) == NS  # naive is UTC
	assert lp.timestamp_ns(T0.astimezone(timezone(timedelta(hours=-5)))) == NS
	assert lp.timestamp_ns(1_796_126_400) == NS
	assert lp.timestamp_ns(1_796_126_400.25) == NS + 250_000_000
	assert lp.timestamp_ns(T0 + timedelta(microseconds=7)) == NS + 7000


def test_influxql_quoting():
	assert lp.ident('we"ird\\db') == '"we\\"ird\\\\db"'
	assert lp.literal("O'Brien\\") == "'O\\'Brien\\\\'"
	assert lp.time_literal(T0.astimezone(timezone(timedelta(hours=-5)))) == "'2026-12-01T12:00:00Z'"


def test_retention_durations():
	assert lp.retention_seconds("90d") == 90 * 86400
	assert lp.retention_seconds(" 52W ") == 52 * 7 * 86400
	assert lp.retention_seconds("12h") == 12 * 3600
	assert lp.retention_seconds("INF") == 0
	for bad in ("", None, "90", "5m", "0d", "forever", "1y"):
		with pytest.raises(InvalidValue):
			lp.retention_seconds(bad)
	assert lp.shown_seconds("2160h0m0s") == 90 * 86400
	assert lp.shown_seconds("0s") == 0
	assert lp.influx_duration(90 * 86400) == "90d"
	assert lp.influx_duration(36 * 3600) == "36h"
	assert lp.influx_duration(0) == "INF"


def test_rows_of_merges_series_tags():
	result = {
		"series": [
			{
				"name": "onu",
				"tags": {"pon_port": "0/1/1"},
				"columns": ["time", "rx"],
				"values": [["t1", -20]],
			},
			{
				"name": "onu",
				"tags": {"pon_port": "0/1/2"},
				"columns": ["time", "rx"],
				"values": [["t1", -21]],
			},
		]
	}
	assert lp.rows_of(result) == [
		{"pon_port": "0/1/1", "time": "t1", "rx": -20, "_measurement": "onu"},
		{"pon_port": "0/1/2", "time": "t1", "rx": -21, "_measurement": "onu"},
	]
	assert lp.rows_of({}) == []


def test_client_needs_a_url_and_a_database():
	with pytest.raises(ServiceError, match="URL"):
		InfluxClient("", "db")
	with pytest.raises(ServiceError, match="database"):
		InfluxClient("http://127.0.0.1:1", " ")


# ------------------------------------------------------------------ against a real influxd

NASTY = [
	"plain",
	"with space",
	"com,ma",
	"eq=ual",
	'dou"ble',
	"sin'gle",
	"uni côté — 😀",
	"a=b,c d",
	"back\\slash",
]


def client(server, database="gigafibre_test", **kw) -> InfluxClient:
	return InfluxClient(server.url, database, timeout=5, **kw)


def test_ensure_makes_the_database_and_a_default_policy_then_alters_it(influx):
	c = client(influx, "ensure_db")
	assert c.ensure("30d") == "created"
	assert c.ensure("30d") == "unchanged"
	policies = {row["name"]: row for row in c.query('SHOW RETENTION POLICIES ON "ensure_db"')}
	assert policies["gigafibre"]["default"] is True
	assert lp.shown_seconds(policies["gigafibre"]["duration"]) == 30 * 86400
	assert c.ensure("52w") == "altered"
	policies = {row["name"]: row for row in c.query('SHOW RETENTION POLICIES ON "ensure_db"')}
	assert lp.shown_seconds(policies["gigafibre"]["duration"]) == 52 * 7 * 86400
	assert c.ensure("INF") == "altered"
	policies = {row["name"]: row for row in c.query('SHOW RETENTION POLICIES ON "ensure_db"')}
	assert policies["gigafibre"]["duration"] == "0s"
	# another policy made the default by hand: ours becomes the default again
	c.statement(
		'CREATE RETENTION POLICY "other" ON "ensure_db" DURATION 1h REPLICATION 1 DEFAULT', write=True
	)
	assert c.ensure("INF") == "altered"
	policies = {row["name"]: row for row in c.query('SHOW RETENTION POLICIES ON "ensure_db"')}
	assert policies["gigafibre"]["default"] is True and policies["other"]["default"] is False
	with pytest.raises(InvalidValue):
		c.ensure("soon")


def test_nasty_values_round_trip(influx):
	c = client(influx, "nasty")
	c.ensure("1w")
	points = [
		line(
			"nasty meas,urement",
			{"tag key": value, "i": str(i)},
			{"text": value + "\n2nd line", "field, key=": float(i)},
			T0 + timedelta(seconds=i),
		)
		for i, value in enumerate(NASTY)
	]
	assert c.write(points) == len(NASTY)
	rows = c.query(
		'SELECT "text", "field, key=", "tag key" FROM "gigafibre"."nasty meas,urement" ORDER BY time ASC'
	)
	assert [r["tag key"] for r in rows] == NASTY
	assert [r["text"] for r in rows] == [v + "\n2nd line" for v in NASTY]
	assert [r["field, key="] for r in rows] == [float(i) for i in range(len(NASTY))]
	# a quoted tag value in a WHERE clause finds its point
	for i, value in enumerate(NASTY):
		found = c.query(f'SELECT "i", "text" FROM "nasty meas,urement" WHERE "tag key" = {lp.literal(value)}')
		assert [r["i"] for r in found] == [str(i)], value


def test_a_rejected_point_is_a_clear_error(influx):
	c = client(influx, "conflict")
	c.ensure("1w")
	c.write([line("m", None, {"v": 1}, T0)])
	with pytest.raises(ServiceError) as err:
		c.write([line("m", None, {"v": 1.5}, T0 + timedelta(seconds=1))])
	assert "refused some points" in err.value.message
	assert "type conflict" in str(err.value)


def test_writing_to_a_database_that_does_not_exist(influx):
	c = client(influx, "never_made")
	with pytest.raises(ServiceError) as err:
		c.write([line("m", None, {"v": 1}, T0)])
	assert "never_made" in str(err.value)
	with pytest.raises(ServiceError) as err:
		c.query('SELECT * FROM "m"')
	assert "no database never_made" in str(err.value)


def test_a_bad_query_names_influx_s_reason(influx):
	c = client(influx, "bad_query")
	c.ensure("1w")
	with pytest.raises(ServiceError) as err:
		c.query("SELEKT nothing")
	assert "refused the query" in err.value.message


def test_unreachable_and_timeout_are_retryable():
	with socket.socket() as sock:
		sock.bind(("127.0.0.1", 0))
		port = sock.getsockname()[1]
	c = InfluxClient(f"http://127.0.0.1:{port}", "db", timeout=1, retries=1, backoff=0)
	with pytest.raises(ServiceError) as err:
		c.ping()
	assert err.value.retryable and "could not be reached" in err.value.message

	listener = socket.socket()
	listener.bind(("127.0.0.1", 0))
	listener.listen(5)  # accepts the connection, never answers
	try:
		c = InfluxClient(f"http://127.0.0.1:{listener.getsockname()[1]}", "db", timeout=0.5, retries=0)
		with pytest.raises(ServiceError) as err:
			c.query("SHOW DATABASES")
		assert err.value.retryable and "did not answer" in err.value.message
	finally:
		listener.close()


def test_credentials_refused_say_what_to_check():
	from gigafibre.tests.peers import LoopbackPeer, Reply

	with LoopbackPeer(lambda r: Reply(401, {"error": "authorization failed"})) as peer:
		c = InfluxClient(peer.url, "db", username="u", password="secret-pw")
		with pytest.raises(ServiceError) as err:
			c.query("SHOW DATABASES")
		assert "username and password" in err.value.message
		assert "secret-pw" not in str(err.value)
		assert peer.requests[0].headers["authorization"].startswith("Basic ")
