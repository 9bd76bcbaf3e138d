"""Which devices go through the modem bridge, what it is asked, and how its values join the summary."""

import copy

from gigafibre.network.bridge_server import parse_read
from gigafibre.network.bridge_summary import bridge_paths, merge_bridge, modem_url, uses_bridge
from gigafibre.network.genieacs_summary import summarize
from gigafibre.network.modem_bridge import _valid_paths
from tests.network.nbi_peer import load

MODELS = "XX230v\n\n  # the 2025 batch\nEX520 \n"


def test_models_are_one_per_line_case_insensitive():
	assert uses_bridge("XX230V", MODELS) and uses_bridge("ex520", MODELS)
	assert not uses_bridge("HG8245Q2", MODELS)
	assert not uses_bridge(None, MODELS) and not uses_bridge("XX230v", None)
	assert not uses_bridge("# the 2025 batch", MODELS)


def test_modem_url_is_the_primary_wan_address():
	summary = summarize(load("device_tr181_tplink_xx230v.json")).to_dict()
	assert modem_url(summary) == "http://142.118.52.201/"
	assert modem_url({"primary_wan": {"ip": "2001:db8::7"}}) == "http://[2001:db8::7]/"
	for wan in (None, {"ip": None}, {"ip": "0.0.0.0"}, {"ip": "x.example/evil"}, {"ip": "10.0.0.1/24"}):
		assert modem_url({"primary_wan": wan}) is None


def test_paths_follow_the_instances_genieacs_lists_and_pass_the_bridges_check():
	device = load("device_tr181_tplink_xx230v.json")
	paths = bridge_paths(device)
	assert "Device.Optical.Interface.1.OpticalSignalLevel" in paths
	assert (
		"Device.WiFi.SSID.2.SSID" in paths
		and "Device.WiFi.AccessPoint.2.AssociatedDeviceNumberOfEntries" in paths
	)
	assert len(paths) == len(set(paths)) and _valid_paths(paths) == paths
	bare = bridge_paths({})
	assert "Device.WiFi.SSID.1.SSID" in bare and "Device.WiFi.SSID.2.SSID" in bare
	assert "Device.Optical.Interface.2.OpticalSignalLevel" not in bare


def test_bridge_values_fill_only_what_genieacs_left_empty():
	device = load("device_tr181_tplink_xx230v.json")
	del device["Device"]["Optical"]  # this firmware does not report optics to the ACS
	for key, ap in device["Device"]["WiFi"]["AccessPoint"].items():
		if not key.isdigit():
			continue
		ap.pop("AssociatedDevice", None)
		ap["AssociatedDeviceNumberOfEntries"]["_value"] = 0
	summary = summarize(device).to_dict()
	before = copy.deepcopy(summary)
	values = {
		"Device.Optical.Interface.1.OpticalSignalLevel": "-24310",
		"Device.Optical.Interface.1.TransmitOpticalLevel": "2010",
		"Device.WiFi.SSID.1.SSID": "Changed-By-Bridge",
		"Device.WiFi.AccessPoint.1.AssociatedDeviceNumberOfEntries": "4",
		"Device.WiFi.SSID.3.SSID": "Guest",
		"Device.WiFi.SSID.4.Enable": "false",
	}
	merged = merge_bridge(summary, device, values)
	assert summary == before  # input untouched
	assert merged["bridge"] == values
	assert (merged["optical"]["rx_dbm"], merged["optical"]["tx_dbm"]) == (-24.31, 2.01)
	wifi = {w["path"]: w for w in merged["wifi"]}
	assert wifi["Device.WiFi.SSID.1."]["ssid"] == "Gigafibre-0B1C"  # GenieACS's value is kept
	assert wifi["Device.WiFi.SSID.1."]["clients"] == 4  # its 0 was no reading
	assert wifi["Device.WiFi.SSID.2."]["clients"] == 0
	assert wifi["Device.WiFi.SSID.3."]["ssid"] == "Guest" and "Device.WiFi.SSID.4." not in wifi
	assert merged["bridge_filled"] == [
		"optical",
		"Device.WiFi.SSID.1.clients",
		"Device.WiFi.SSID.3.",
	]


def test_partial_optical_and_scalars_are_filled_field_by_field():
	summary = {
		"model": "XX230v",
		"serial": None,
		"software_version": "",
		"uptime_s": 5,
		"optical": {"path": "Device.Optical.Interface.1.", "rx_dbm": None, "tx_dbm": 1.5, "status": "Up"},
		"wifi": [],
	}
	values = {
		"Device.Optical.Interface.1.OpticalSignalLevel": "-19000",
		"Device.Optical.Interface.1.TransmitOpticalLevel": "3000",
		"Device.DeviceInfo.SoftwareVersion": "1.3.0",
		"Device.DeviceInfo.UpTime": "99",
	}
	merged = merge_bridge(summary, None, values)
	assert merged["optical"] == {**summary["optical"], "rx_dbm": -19.0}
	assert (merged["software_version"], merged["uptime_s"]) == ("1.3.0", 5)
	assert merged["bridge_filled"] == ["software_version", "optical.rx_dbm"]
	assert merge_bridge(summary, None, {}) == {**summary, "bridge": {}, "bridge_filled": []}


def test_read_requests_are_parsed_strictly():
	ok = parse_read(b'{"url": " http://10.0.0.1/ ", "paths": ["Device.A"], "password": null}')
	assert ok == {"url": "http://10.0.0.1/", "username": "", "password": "", "paths": ["Device.A"]}
