"""The Traccar client against a loopback server speaking Traccar's published API."""

from datetime import datetime, timedelta, timezone

import pytest

from gigafibre.errors import InvalidValue, ServiceError
from gigafibre.field.traccar import TraccarClient, device_index, parse_position, parse_time, parse_update
from tests.field.traccar_peer import EMAIL, PASSWORD, TOKEN, TraccarPeer

T0 = datetime(2026, 12, 2, 14, 0, tzinfo=timezone.utc)


@pytest.fixture
def peer():
	with TraccarPeer() as p:
		yield p


@pytest.fixture
def client(peer):
	c = TraccarClient(peer.url, EMAIL, PASSWORD, timeout=3, backoff=0.01)
	yield c
	c.close()


def test_login_keeps_the_session_cookie_and_lists_devices(client, peer):
	user = client.login()
	assert user["email"] == EMAIL and client.session_cookie() in peer.sessions
	assert [d["uniqueId"] for d in client.devices()] == ["358240051111110", "358240052222220"]
	assert peer.requests[:2] == [("POST", "/api/session"), ("GET", "/api/devices")]


def test_token_login(peer):
	c = TraccarClient(peer.url, token=TOKEN, timeout=3)
	c.login()
	assert c.session_cookie() in peer.sessions and c.devices()


def test_wrong_password_is_a_clear_refusal(peer):
	c = TraccarClient(peer.url, EMAIL, "nope", timeout=3)
	with pytest.raises(ServiceError, match="refused the user") as err:
		c.devices()
	assert not err.value.retryable


def test_not_configured():
	with pytest.raises(ServiceError, match="not configured"):
		TraccarClient("http://127.0.0.1:1", "", "")
	with pytest.raises(ServiceError, match="not configured"):
		TraccarClient("", EMAIL, PASSWORD)


def test_latest_positions_in_kmh_and_utc(client, peer):
	peer.store(peer.position(1, 45.5017, -73.5673, T0, speed_kmh=50))
	peer.store(peer.position(1, 45.5020, -73.5670, T0 + timedelta(seconds=5), speed_kmh=40))
	peer.store(peer.position(2, 45.55, -73.70, T0))
	positions = sorted(client.positions(), key=lambda p: p.device_id)
	assert [(p.device_id, p.latitude, p.speed_kmh) for p in positions] == [(1, 45.502, 40.0), (2, 45.55, 0.0)]
	assert positions[0].at == T0 + timedelta(seconds=5) and positions[0].at.tzinfo is not None


def test_route_report_for_a_period(client, peer):
	for minute in range(0, 60, 10):
		peer.store(peer.position(1, 45.5 + minute / 1000, -73.56, T0 + timedelta(minutes=minute)))
	peer.store(peer.position(2, 45.6, -73.6, T0))
	route = client.route(1, T0 + timedelta(minutes=10), T0 + timedelta(minutes=30))
	assert [p.at for p in route] == [T0 + timedelta(minutes=m) for m in (10, 20, 30)]
	request = [r for r in peer.requests if r[1] == "/api/reports/route"]
	assert request
	with pytest.raises(InvalidValue):
		client.route(1, T0, T0)
	with pytest.raises(InvalidValue):
		client.route(1, T0.replace(tzinfo=None), T0.replace(tzinfo=None) + timedelta(hours=1))


def test_a_forgotten_session_logs_in_again(client, peer):
	client.devices()
	peer.sessions.clear()  # a restarted Traccar
	assert client.devices()
	assert [r for r in peer.requests if r == ("POST", "/api/session")].__len__() == 2


def test_unreachable_and_5xx_are_retryable():
	c = TraccarClient("http://127.0.0.1:9", EMAIL, PASSWORD, timeout=1, retries=0)
	with pytest.raises(ServiceError) as err:
		c.devices()
	assert err.value.retryable


def test_live_socket_sends_the_latest_then_each_new_position(client, peer):
	peer.store(peer.position(1, 45.5, -73.5, T0))
	with client.socket() as sock:
		first = sock.receive(timeout=3)
		assert [p.device_id for p in first.positions] == [1]
		assert peer.wait_sockets(1)
		peer.push(peer.position(2, 45.6, -73.6, T0 + timedelta(seconds=1)))
		update = sock.receive(timeout=3)
		assert [(p.device_id, p.latitude) for p in update.positions] == [(2, 45.6)]
		peer.keepalive()
		assert sock.receive(timeout=3).positions == []
		assert sock.receive(timeout=0.1) is None  # nothing more
		peer.stop()
		with pytest.raises(ServiceError) as err:
			sock.receive(timeout=3)
		assert err.value.retryable


def test_socket_without_a_session_is_refused(peer):
	from gigafibre.field.traccar import TraccarSocket

	with pytest.raises(ServiceError, match="HTTP 401") as err:
		TraccarSocket(f"ws://127.0.0.1:{peer.port}/api/socket", "stale", timeout=3)
	assert err.value.status == 401


def test_parsing():
	assert parse_time("2026-12-02T14:03:11.000+00:00") == datetime(
		2026, 12, 2, 14, 3, 11, tzinfo=timezone.utc
	)
	assert parse_time("2026-12-02T09:03:11-05:00") == datetime(2026, 12, 2, 14, 3, 11, tzinfo=timezone.utc)
	assert parse_time("2026-12-02T14:03:11Z").tzinfo is not None
	assert parse_time("nope") is None and parse_time(None) is None
	assert (
		parse_position({"deviceId": 1, "latitude": 0, "longitude": 0, "fixTime": "2026-12-02T14:03:11Z"})
		is None
	)
	assert (
		parse_position({"deviceId": 1, "latitude": 91, "longitude": 0, "fixTime": "2026-12-02T14:03:11Z"})
		is None
	)
	assert parse_position({"deviceId": "x"}) is None and parse_position([]) is None
	assert parse_update("{}").positions == [] and parse_update('{"devices": [{"id": 3}]}').devices == [
		{"id": 3}
	]
	with pytest.raises(ServiceError):
		parse_update("not json")
	assert device_index([{"id": 7, "uniqueId": "IMEI7"}, {"id": "x"}]) == {"IMEI7": 7, "7": 7}
	# the identifier people see wins over another device's numeric id
	assert device_index([{"id": 1, "uniqueId": "2"}, {"id": 2, "uniqueId": "A"}])["2"] == 1
