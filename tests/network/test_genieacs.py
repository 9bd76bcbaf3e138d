"""The GenieACS NBI client against a loopback NBI serving device documents in both data models."""

import time

import pytest

from gigafibre.errors import InvalidValue, ServiceError
from gigafibre.network.genieacs import SUMMARY_PROJECTION, GenieAcsClient
from gigafibre.network.genieacs_summary import TR098, TR181, summarize
from gigafibre.tests.peers import LoopbackPeer, Reply
from tests.network.nbi_peer import NbiPeer, load

HUAWEI = load("device_tr098_huawei_hg8245q2.json")
TPLINK = load("device_tr181_tplink_xx230v.json")


@pytest.fixture
def nbi():
	with NbiPeer([HUAWEI, TPLINK], online={TPLINK["_id"]}) as peer:
		yield peer


@pytest.fixture
def client(nbi):
	return GenieAcsClient(nbi.url, timeout=2, retries=2, backoff=0.01, connection_request_timeout_ms=500)


def test_lookup_by_serial_sends_the_query_and_projection(client, nbi):
	device = client.device_by_serial(" 2237a8m000123 ", projection=SUMMARY_PROJECTION)
	assert device["_id"] == TPLINK["_id"]
	(request,) = nbi.requests
	assert request.path == "/devices/"
	assert request.query["query"] == ['{"_deviceId._SerialNumber":"2237A8M000123"}']
	assert request.query["projection"] == [",".join(SUMMARY_PROJECTION)]
	assert "Device" in device and "InternetGatewayDevice" not in device
	assert client.device_by_serial("NOPE0000") is None


def test_lookup_by_mac_matches_either_case_and_either_data_model(client):
	# The Huawei reports its WAN MAC in lower case, the label prints it upper case with dashes.
	assert client.device_by_mac("E0-24-7F-1A-2B-3C")["_id"] == HUAWEI["_id"]
	assert client.device_by_mac("5c628b9a0b1c")["_id"] == TPLINK["_id"]
	assert client.device_by_mac("00:00:00:00:00:01") is None
	with pytest.raises(InvalidValue):
		client.device_by_mac("not-a-mac")


def test_lookup_by_tag(client):
	assert [d["_id"] for d in client.devices_by_tag("olt-lav-01")] == [HUAWEI["_id"]]
	assert len(client.devices_by_tag("gigafibre", projection=["_id"])) == 2


def test_more_than_one_device_for_a_serial_is_an_error(nbi, client):
	twin = dict(TPLINK, _id="5C628B-XX230v-TWIN")
	nbi.devices[twin["_id"]] = twin
	with pytest.raises(ServiceError, match="more than one device"):
		client.device_by_serial("2237A8M000123")


def test_summary_of_both_data_models_from_the_wire(client):
	tr098 = summarize(client.get_device(HUAWEI["_id"], SUMMARY_PROJECTION))
	tr181 = summarize(client.get_device(TPLINK["_id"], SUMMARY_PROJECTION))
	assert tr098.data_model == TR098 and tr181.data_model == TR181
	assert (tr098.primary_wan.ip, tr098.primary_wan.pppoe_username, tr098.primary_wan.uptime_s) == (
		"142.118.40.17",
		"gf0012345@gigafibre.ca",
		86012,
	)
	assert (tr181.primary_wan.ip, tr181.primary_wan.pppoe_username, tr181.primary_wan.uptime_s) == (
		"142.118.52.201",
		"gf0067890@gigafibre.ca",
		43208,
	)
	assert tr098.optical.rx_dbm == -19.37 and tr098.optical.tx_dbm == 2.21
	assert tr181.optical.rx_dbm == -21.45 and tr181.optical.tx_dbm == 1.87  # 0.001 dBm on the wire
	assert [(w.ssid, w.band, w.channel, w.clients) for w in tr098.wifi] == [
		("Gigafibre-2B3C", "2.4GHz", 6, 3),
		("Gigafibre-2B3C-5G", "5GHz", 149, 2),
	]
	assert [(w.ssid, w.band, w.channel, w.clients) for w in tr181.wifi] == [
		("Gigafibre-0B1C", "2.4GHz", 11, 1),
		("Gigafibre-0B1C-5G", "5GHz", 44, 2),
	]
	assert (tr098.lan.ip, tr098.lan.dhcp_min, tr098.lan.dhcp_max) == (
		"192.168.100.1",
		"192.168.100.2",
		"192.168.100.254",
	)
	assert (tr181.lan.ip, tr181.lan.subnet_mask, tr181.lan.dhcp_enabled) == (
		"192.168.0.1",
		"255.255.255.0",
		True,
	)
	assert [(h.mac, h.hostname, h.active) for h in tr181.hosts] == [
		("F0:D4:15:AA:00:01", "Galaxy-S24", True),
		("D8:3A:DD:12:34:56", "raspberrypi", True),
		("00:11:32:DE:AD:01", "NAS-Synology", True),
	]
	assert [h.mac for h in tr098.hosts if not h.active] == ["00:1A:11:AA:BB:CC"]
	# loopback and the LAN bridge are not WANs
	assert [w.path for w in tr181.wan] == ["Device.IP.Interface.2."]
	assert tr181.to_dict()["primary_wan"]["ip"] == "142.118.52.201"


def test_tasks_with_connection_request(client, nbi):
	done = client.refresh(TPLINK["_id"], "Device.WiFi.")
	queued = client.reboot(HUAWEI["_id"])  # offline: GenieACS queues it (202)
	assert done.done and done.task_id and done.name == "refreshObject"
	assert not queued.done and queued.task_id
	refresh, reboot = nbi.requests
	assert refresh.method == "POST" and refresh.path == f"/devices/{TPLINK['_id']}/tasks"
	assert refresh.query == {"connection_request": [""], "timeout": ["500"]}
	assert refresh.json() == {"name": "refreshObject", "objectName": "Device.WiFi."}
	assert reboot.json() == {"name": "reboot"}


def test_set_parameter_values_types_the_values(client, nbi):
	client.set_parameter_values(
		TPLINK["_id"],
		[
			("Device.WiFi.SSID.1.SSID", "Maison"),
			("Device.WiFi.Radio.1.Channel", 6, "xsd:unsignedInt"),
			("Device.WiFi.SSID.2.Enable", False),
		],
		connection_request=False,
	)
	(request,) = nbi.requests
	assert "connection_request" not in request.query
	assert request.json() == {
		"name": "setParameterValues",
		"parameterValues": [
			["Device.WiFi.SSID.1.SSID", "Maison", "xsd:string"],
			["Device.WiFi.Radio.1.Channel", 6, "xsd:unsignedInt"],
			["Device.WiFi.SSID.2.Enable", False, "xsd:boolean"],
		],
	}
	with pytest.raises(InvalidValue):
		client.set_parameter_values(TPLINK["_id"], [])
	with pytest.raises(InvalidValue):
		client.set_parameter_values(TPLINK["_id"], [("Device.WiFi.", "x")])


def test_device_ids_with_reserved_characters_are_encoded():
	odd = dict(TPLINK, _id="00259E-HG8245 Q2/x-123")
	with NbiPeer([odd]) as peer:
		result = GenieAcsClient(peer.url, timeout=2).reboot(odd["_id"])
		assert result.done
		assert peer.requests[0].path == "/devices/00259E-HG8245%20Q2%2Fx-123/tasks"


def test_unknown_device_task_is_a_clear_error(client):
	with pytest.raises(ServiceError, match="HTTP 404") as err:
		client.reboot("NO-SUCH-DEVICE")
	assert err.value.retryable is False


def test_tags_and_presets(client, nbi):
	client.add_tag(HUAWEI["_id"], "provisioned")
	assert "provisioned" in nbi.devices[HUAWEI["_id"]]["_tags"]
	client.remove_tag(HUAWEI["_id"], "provisioned")
	assert "provisioned" not in nbi.devices[HUAWEI["_id"]]["_tags"]
	preset = {
		"weight": 0,
		"channel": "gigafibre",
		"events": {"0 BOOTSTRAP": True},
		"precondition": '{"_deviceId._SerialNumber": "2237A8M000123"}',
		"configurations": [{"type": "value", "name": "Device.WiFi.SSID.1.SSID", "value": "Maison"}],
	}
	client.put_preset("gf-2237A8M000123", preset)
	assert nbi.presets == {"gf-2237A8M000123": preset}
	assert nbi.requests[-1].method == "PUT" and nbi.requests[-1].path == "/presets/gf-2237A8M000123"
	client.delete_preset("gf-2237A8M000123")
	assert nbi.presets == {}


def test_bounded_retries_on_503_for_reads_only(client, nbi):
	nbi.fail_next = [503, 503]
	assert client.device_by_serial("2237A8M000123") is not None
	assert len(nbi.requests) == 3
	nbi.requests.clear()
	nbi.fail_next = [503, 503, 503, 503]
	with pytest.raises(ServiceError) as err:
		client.device_by_serial("2237A8M000123")
	assert err.value.retryable and len(nbi.requests) == 3  # 1 + 2 retries, then it gives up
	nbi.requests.clear()
	nbi.fail_next = [503]
	with pytest.raises(ServiceError) as err:
		client.reboot(TPLINK["_id"])  # a POST that creates a task is never replayed
	assert err.value.retryable and len(nbi.requests) == 1


def test_timeout_is_bounded():
	with LoopbackPeer(lambda r: Reply(200, [], delay=1.5)) as peer:
		client = GenieAcsClient(peer.url, timeout=0.3, retries=0)
		started = time.monotonic()
		with pytest.raises(ServiceError, match="did not answer") as err:
			client.device_by_serial("2237A8M000123")
	assert err.value.retryable and time.monotonic() - started < 1.2


def test_unreachable_peer_is_retryable():
	with LoopbackPeer(lambda r: Reply(200, [])) as peer:
		url = peer.url
	client = GenieAcsClient(url, timeout=0.5, retries=1, backoff=0.01)
	with pytest.raises(ServiceError, match="could not be reached") as err:
		client.devices_by_tag("x")
	assert err.value.retryable


def test_basic_auth_is_sent():
	with LoopbackPeer(lambda r: Reply(200, [])) as peer:
		GenieAcsClient(peer.url, username="nbi", password="s3cret").devices_by_tag("x")
	assert peer.requests[0].headers["authorization"] == "Basic bmJpOnMzY3JldA=="


def test_missing_url_is_named():
	with pytest.raises(ServiceError, match="GenieACS is not configured"):
		GenieAcsClient("")
