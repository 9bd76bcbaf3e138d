"""The modem bridge HTTP service on a loopback port, driving real Chromium against the fake XX230v
UI; and its client (what the device summary uses) against that same server."""

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests

from gigafibre.errors import ServiceError
from gigafibre.network.bridge_client import BridgeClient
from gigafibre.network.bridge_server import TOKEN_ENV, BridgeServer
from gigafibre.network.modem_bridge import ModemBridge
from tests.network.fake_modem import TR181, FakeModem
from tests.network.test_modem_bridge import CHROMIUM, TOKEN

pytestmark = pytest.mark.skipif(
	not CHROMIUM, reason="chromium is not installed (apt-get install -y chromium)"
)

OPTICAL = "Device.Optical.Interface.1.OpticalSignalLevel"
ROOT = Path(__file__).resolve().parents[2]


def _server(**kw) -> BridgeServer:
	options = {"timeout": 20, "step_timeout": 8, "pool_size": 2}
	max_pending = kw.pop("max_pending", None)
	options.update(kw)
	return BridgeServer(
		ModemBridge(TOKEN, executable_path=CHROMIUM, **options), port=0, max_pending=max_pending
	)


@pytest.fixture(scope="module")
def modem():
	with FakeModem() as fake:
		yield fake


@pytest.fixture(scope="module")
def bridge():
	with _server() as server:
		yield server


def _read(server, body, headers=None, token=TOKEN):
	headers = dict(headers or {})
	if token and "X-Bridge-Token" not in headers:
		headers["Authorization"] = f"Bearer {token}"
	data = body if isinstance(body, bytes) else json.dumps(body).encode()
	return requests.post(f"{server.url}/read", data=data, headers=headers, timeout=30)


def _body(modem, **fields):
	return {"url": modem.url, "username": "admin", "password": "modem-pass", "paths": [OPTICAL], **fields}


def test_read_with_either_token_header(bridge, modem):
	answer = _read(bridge, _body(modem, paths=[OPTICAL, "Device.WiFi.SSID.1.SSID", "Device.Nothing"]))
	assert answer.status_code == 200
	assert answer.json() == {
		"values": {OPTICAL: "-21450", "Device.WiFi.SSID.1.SSID": TR181["Device.WiFi.SSID.1.SSID"]}
	}
	other = _read(bridge, _body(modem), headers={"X-Bridge-Token": TOKEN}, token=None)
	assert other.status_code == 200 and other.json()["values"] == {OPTICAL: "-21450"}
	assert requests.get(f"{bridge.url}/health", timeout=5).json()["status"] == "ok"


def test_no_or_wrong_token_is_401_before_anything_else():
	with _server() as server:
		for headers, token in (
			({}, None),
			({}, "bridge-token-0123456789abcdeX"),
			({"X-Bridge-Token": "x"}, None),
		):
			answer = _read(server, b"not even json", headers=headers, token=token)
			assert answer.status_code == 401
			assert answer.headers["WWW-Authenticate"].startswith("Bearer")
			assert "not valid" in answer.json()["error"]
		assert server.bridge.launches == 0


def test_bad_input_is_400(bridge, modem):
	for body in (
		b"{not json",
		b"[1, 2]",
		{"paths": [OPTICAL]},
		_body(modem, paths="Device.X"),
		_body(modem, paths=[]),
		_body(modem, url="ftp://127.0.0.1/"),
		_body(modem, paths=["Device.X'); alert(1)//"]),
		_body(modem, password=12),
	):
		answer = _read(bridge, body)
		assert answer.status_code == 400, body
		assert answer.json()["error"]
	huge = _read(bridge, _body(modem, paths=["Device.A"] * 20000))
	assert huge.status_code == 413


def test_modem_errors_are_502_and_a_hanging_modem_504(bridge, modem):
	refused = _read(bridge, _body(modem, password="not-it"))
	assert refused.status_code == 502
	assert refused.json()["message"] == "The modem at {0} refused the login: {1}"
	assert refused.json()["args"] == ["127.0.0.1", "The password is incorrect."]
	unreachable = _read(bridge, _body(modem, url="http://127.0.0.1:9/"))
	assert unreachable.status_code == 502 and unreachable.json()["retryable"] is True
	with _server(timeout=3, step_timeout=1.5) as quick, FakeModem(hang_paths=("/",)) as hanging:
		started = time.monotonic()
		answer = _read(quick, _body(hanging))
	assert answer.status_code == 504 and answer.json()["retryable"] is True
	assert time.monotonic() - started < 10


def test_pool_is_bounded_and_excess_waiters_get_503(modem):
	with _server(pool_size=2, max_pending=4) as server:
		answers = []

		def one():
			answers.append(_read(server, _body(modem)).status_code)

		threads = [threading.Thread(target=one) for _ in range(8)]
		for thread in threads:
			thread.start()
		for thread in threads:
			thread.join(60)
		assert server.bridge.peak == 2 and server.bridge.launches == 1
	assert sorted(set(answers)) in ([200], [200, 503])
	assert answers.count(200) >= 4


def test_client_reads_and_carries_the_bridges_error_templates(bridge, modem):
	client = BridgeClient(bridge.url, TOKEN, timeout=30)
	try:
		assert client.read(modem.url, "admin", "modem-pass", [OPTICAL]) == {OPTICAL: "-21450"}
		with pytest.raises(ServiceError) as err:
			client.read(modem.url, "admin", "not-it", [OPTICAL])
		assert err.value.message == "The modem at {0} refused the login: {1}"
		assert err.value.args_ == ("127.0.0.1", "The password is incorrect.")
	finally:
		client.close()
	with pytest.raises(ServiceError, match="refused our token"):
		BridgeClient(bridge.url, "wrong-token-0123456789", timeout=5).read(modem.url, "admin", "x", [OPTICAL])
	with pytest.raises(ServiceError, match="not configured"):
		BridgeClient(bridge.url, "")


def _free_port() -> int:
	with socket.socket() as sock:
		sock.bind(("127.0.0.1", 0))
		return sock.getsockname()[1]


def test_standalone_process_serves_then_stops_cleanly_on_sigterm(modem):
	port = _free_port()
	env = dict(os.environ, **{TOKEN_ENV: TOKEN, "CHROMIUM": CHROMIUM, "PYTHONPATH": str(ROOT)})
	proc = subprocess.Popen(
		[sys.executable, "-m", "gigafibre.network.bridge_server", "--port", str(port)],
		env=env,
		stdout=subprocess.PIPE,
		stderr=subprocess.STDOUT,
		text=True,
	)
	url = f"http://127.0.0.1:{port}"
	try:
		deadline = time.monotonic() + 20
		while True:
			try:
				requests.get(f"{url}/health", timeout=1)
				break
			except requests.ConnectionError:
				assert proc.poll() is None and time.monotonic() < deadline, proc.stdout.read()
				time.sleep(0.1)
		answer = requests.post(
			f"{url}/read", json=_body(modem), headers={"Authorization": f"Bearer {TOKEN}"}, timeout=30
		)
		assert answer.status_code == 200 and answer.json()["values"] == {OPTICAL: "-21450"}
		proc.send_signal(signal.SIGTERM)
		assert proc.wait(20) == 0
		output = proc.stdout.read()
		assert "modem bridge stopped" in output and "modem-pass" not in output
	finally:
		if proc.poll() is None:
			proc.kill()
			proc.wait()
	with pytest.raises(requests.ConnectionError):
		requests.get(f"{url}/health", timeout=1)


def test_standalone_process_needs_a_token():
	env = {k: v for k, v in os.environ.items() if k != TOKEN_ENV}
	env["PYTHONPATH"] = str(ROOT)
	done = subprocess.run(
		[sys.executable, "-m", "gigafibre.network.bridge_server", "--port", "0"],
		env=env,
		capture_output=True,
		text=True,
		timeout=30,
	)
	assert done.returncode == 2 and TOKEN_ENV in done.stderr
