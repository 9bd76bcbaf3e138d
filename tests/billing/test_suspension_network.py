"""A device's suspend/restore steps through the real clients, against the loopback GenieACS NBI and
Oktopus controller the network tests use (gigafibre/billing/suspension_network.py)."""

import json

import pytest

from gigafibre.billing import suspension_rules as rules
from gigafibre.billing.suspension_network import perform
from gigafibre.network.genieacs import GenieAcsClient
from gigafibre.network.oktopus import OktopusClient
from gigafibre.tests.peers import LoopbackPeer
from tests.network.nbi_peer import NbiPeer, load
from tests.network.oktopus_peer import EMAIL, PASSWORD, Controller

HUAWEI = load("device_tr098_huawei_hg8245q2.json")
WAN_ENABLE = "InternetGatewayDevice.WANDevice.1.WANConnectionDevice.2.WANPPPConnection.1.Enable"


def steps(backend: str, action: list | dict, device_id="", serial=""):
	parsed = rules.parse_steps(backend, json.dumps(action), "suspend")
	return rules.render(parsed, device_id, serial)


GENIE = [
	{"add_tag": "suspended"},
	{"task": {"name": "setParameterValues", "parameterValues": [[WAN_ENABLE, False, "xsd:boolean"]]}},
]


@pytest.fixture
def nbi():
	with NbiPeer([HUAWEI]) as peer:
		yield peer


def genie(peer):
	return GenieAcsClient(peer.url, timeout=2, retries=0)


def test_genieacs_device_answering(nbi):
	outcome = perform("GenieACS", genie(nbi), HUAWEI["_id"], steps("GenieACS", GENIE))
	assert (outcome.status, outcome.steps_done, outcome.error) == (rules.DEVICE_DONE, 2, None)
	assert nbi.devices[HUAWEI["_id"]]["_tags"][-1] == "suspended"
	assert nbi.tasks[-1]["parameterValues"] == [[WAN_ENABLE, False, "xsd:boolean"]]
	assert [a["http_status"] for a in outcome.answers] == [200, 200]
	assert outcome.answers[1]["answer"]["name"] == "setParameterValues"


def test_genieacs_device_silent_then_back(nbi):
	nbi.online.discard(HUAWEI["_id"])
	todo = steps("GenieACS", GENIE)
	first = perform("GenieACS", genie(nbi), HUAWEI["_id"], todo)
	assert (first.status, first.steps_done) == (rules.DEVICE_PENDING, 1)
	assert first.error.retryable and first.queued_task_id == nbi.tasks[-1]["_id"]
	assert first.answers[-1]["http_status"] == 202
	# Next attempt: the queued copy is deleted before the task is pushed again; the tag is not redone.
	nbi.online.add(HUAWEI["_id"])
	nbi.requests.clear()
	second = perform("GenieACS", genie(nbi), HUAWEI["_id"], todo, first.steps_done, first.queued_task_id)
	assert (second.status, second.steps_done) == (rules.DEVICE_DONE, 2)
	assert [(r.method, r.path.split("/")[1]) for r in nbi.requests] == [
		("DELETE", "tasks"),
		("POST", "devices"),
	]


def test_genieacs_unreachable_is_retried_unknown_device_fails(nbi):
	url = nbi.url
	nbi.__exit__(None, None, None)
	down = perform("GenieACS", GenieAcsClient(url, timeout=1, retries=0), "x", steps("GenieACS", GENIE))
	assert down.status == rules.DEVICE_PENDING and "could not be reached" in str(down.error)
	with NbiPeer([HUAWEI]) as peer:
		unknown = perform("GenieACS", genie(peer), "no-such-device", steps("GenieACS", GENIE))
	assert unknown.status == rules.DEVICE_FAILED
	assert unknown.answers[0]["http_status"] == 404


USP_SET = {
	"command": "set",
	"body": {
		"allow_partial": False,
		"update_objs": [
			{
				"obj_path": "Device.IP.Interface.1.",
				"param_settings": [{"param": "Enable", "value": "false", "required": True}],
			}
		],
	},
}


@pytest.fixture
def controller():
	ctl = Controller(devices=3)  # device 0 offline, 1 and 2 online
	with LoopbackPeer(ctl) as peer:
		ctl.peer = peer
		yield ctl


def okt(controller):
	return OktopusClient(controller.peer.url, EMAIL, PASSWORD, timeout=2, retries=0)


def test_oktopus_device_answering(controller):
	sn = controller.devices[1]["SN"]
	outcome = perform("Oktopus", okt(controller), sn, steps("Oktopus", USP_SET))
	assert (outcome.status, outcome.steps_done) == (rules.DEVICE_DONE, 1)
	(message,) = controller.messages
	assert (message["sn"], message["mtp"], message["command"]) == (sn, "any", "set")
	assert message["body"] == USP_SET["body"]
	assert (
		outcome.answers[0]["answer"]["updated_obj_results"][0]["requested_path"] == "Device.IP.Interface.1."
	)


def test_oktopus_offline_silent_refusing(controller):
	offline, online = controller.devices[0]["SN"], controller.devices[2]["SN"]
	away = perform("Oktopus", okt(controller), offline, steps("Oktopus", USP_SET))
	assert away.status == rules.DEVICE_PENDING and away.answers[0]["http_status"] == 503
	controller.silent.add(online)
	silent = perform("Oktopus", okt(controller), online, steps("Oktopus", USP_SET))
	assert silent.status == rules.DEVICE_PENDING and silent.answers[0]["http_status"] == 504
	controller.silent.clear()
	controller.refusing.add(online)
	refused = perform("Oktopus", okt(controller), online, steps("Oktopus", USP_SET))
	assert refused.status == rules.DEVICE_FAILED
	assert "7004: Invalid value" in str(refused.error)
	unknown = perform("Oktopus", okt(controller), "NOPE", steps("Oktopus", USP_SET))
	assert unknown.status == rules.DEVICE_FAILED and unknown.answers[0]["http_status"] == 404
