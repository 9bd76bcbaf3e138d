"""Pure summaries over GenieACS device documents: edge cases the wire test does not cover."""

from gigafibre.network.genieacs_summary import data_model, dbm, summarize


def _leaf(v):
	return {"_value": v, "_type": "xsd:string", "_timestamp": "2026-11-25T20:00:00.000Z", "_writable": False}


def test_dbm_units():
	assert dbm("-19.37") == -19.37
	assert dbm(-21450) == -21.45  # TR-181 0.001 dBm
	assert dbm(2210) == 2.21
	assert dbm("") is None and dbm(None) is None and dbm("n/a") is None
	assert dbm(-99999999) is None  # sentinel values are not levels


def test_empty_and_unknown_documents():
	assert data_model({"_id": "x"}) is None
	summary = summarize({"_id": "x", "_deviceId": {"_SerialNumber": "ABC"}})
	assert (
		summary.serial == "ABC"
		and summary.wan == []
		and summary.optical is None
		and summary.primary_wan is None
	)
	assert summary.to_dict()["primary_wan"] is None


def test_tr181_ipoe_wan_without_ppp_and_no_status_means_no_uptime():
	device = {
		"_id": "d",
		"Device": {
			"IP": {
				"Interface": {
					"1": {
						"Name": _leaf("wan0"),
						"Status": _leaf("Down"),
						"LastChange": _leaf(17),
						"LowerLayers": _leaf("Device.Ethernet.Link.2"),
						"IPv4Address": {"1": {"IPAddress": _leaf("100.64.1.9"), "Enable": _leaf(True)}},
					},
				}
			},
			"WiFi": {"SSID": {"1": {"SSID": _leaf("x"), "LowerLayers": _leaf("")}}},
		},
	}
	summary = summarize(device)
	(wan,) = summary.wan
	assert (wan.kind, wan.ip, wan.status, wan.uptime_s) == ("ip", "100.64.1.9", "Down", None)
	assert summary.primary_wan is wan
	assert summary.wifi[0].channel is None and summary.wifi[0].clients == 0


def test_tr098_hosts_with_bad_mac_keep_the_raw_value():
	device = {
		"InternetGatewayDevice": {
			"LANDevice": {"1": {"Hosts": {"Host": {"1": {"MACAddress": _leaf("garbage")}}}}}
		}
	}
	assert summarize(device).hosts[0].mac == "garbage"


def test_modem_bridge_readings_merge_into_the_summary():
	from gigafibre.network.genieacs_summary import merge_values
	from tests.network.nbi_peer import load

	device = load("device_tr181_tplink_xx230v.json")
	readings = {
		"Device.Optical.Interface.1.OpticalSignalLevel": "-27450",  # fresher than the last inform
		"Device.WiFi.SSID.1.SSID": "Maison",
		"Device.X_TP_New.Value": "1",
	}
	merged = merge_values(device, readings)
	summary = summarize(merged)
	assert summary.optical.rx_dbm == -27.45 and summary.wifi[0].ssid == "Maison"
	assert summary.optical.tx_dbm == 1.87  # untouched readings stay
	assert device["Device"]["WiFi"]["SSID"]["1"]["SSID"]["_value"] == "Gigafibre-0B1C"  # input not mutated
	assert (
		summarize(
			merge_values(None, {"Device.Optical.Interface.1.OpticalSignalLevel": "-20000"})
		).optical.rx_dbm
		== -20.0
	)
