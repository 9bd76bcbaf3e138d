"""The Oktopus MQTT worker against the Mosquitto broker on 127.0.0.1:1883 (real MQTT, no mocks).

Each test uses its own topic prefix, so parallel runs on the shared broker do not see each other.
"""

import queue
import socket
import time
import uuid

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from gigafibre.network.oktopus_mqtt import (
	HEARTBEAT,
	OFFLINE,
	ONLINE,
	OktopusMqttWorker,
	parse_message,
	usp_record_from_id,
)
from tests.network.tcp_relay import TcpRelay

BROKER = ("127.0.0.1", 1883)


def _broker_up() -> bool:
	try:
		socket.create_connection(BROKER, timeout=1).close()
		return True
	except OSError:
		return False


pytestmark = pytest.mark.skipif(not _broker_up(), reason="no MQTT broker on 127.0.0.1:1883")


def usp_record(from_id: str, to_id: str = "oktopusController") -> bytes:
	"""A USP Record (protobuf wire format): version, to_id, from_id, no_session_context{payload}."""

	def field(number: int, data: bytes) -> bytes:
		return bytes([number << 3 | 2, len(data)]) + data

	inner = field(1, b"\x0a\x08notify-1\x12\x02\x08\x03")  # an opaque USP Msg
	return field(1, b"1.3") + field(2, to_id.encode()) + field(3, from_id.encode()) + field(7, inner)


@pytest.fixture
def prefix():
	return f"gf-test-{uuid.uuid4().hex[:8]}/oktopus/usp/v1"


@pytest.fixture
def publisher():
	client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=f"gf-pub-{uuid.uuid4().hex[:8]}")
	client.connect(*BROKER)
	client.loop_start()
	yield client
	client.disconnect()
	client.loop_stop()


def _publish(client, topic, payload, qos=1):
	client.publish(topic, payload, qos=qos).wait_for_publish(5)


def _take(events: queue.Queue, n: int, timeout: float = 5) -> list:
	out = []
	deadline = time.monotonic() + timeout
	while len(out) < n:
		out.append(events.get(timeout=max(0.01, deadline - time.monotonic())))
	return out


def test_status_and_heartbeat_messages_become_events(prefix, publisher):
	events: queue.Queue = queue.Queue()
	with OktopusMqttWorker(events.put, *BROKER, prefix=prefix) as worker:
		assert worker.wait_connected(5)
		time.sleep(0.2)  # SUBACK
		_publish(publisher, f"{prefix}/status/os::00D09E-2237A8M000123", b"1")
		_publish(publisher, f"{prefix}/controller", usp_record("os::00D09E-2237A8M000123"))
		_publish(publisher, f"{prefix}/status/os::00D09E-2237A8M000123", b"0")
		_publish(publisher, f"{prefix}/status/os::00D09E-XX230v-ZZ9", b'{"status": "online"}')
		_publish(publisher, f"{prefix}/status/noise", b"maybe")  # ignored
		_publish(publisher, f"{prefix}/agent/os::00D09E-2237A8M000123", b"x")  # not subscribed
		got = _take(events, 4)
	assert [(e.kind, e.device_id, e.serial) for e in got] == [
		(ONLINE, "os::00D09E-2237A8M000123", "2237A8M000123"),
		(HEARTBEAT, "os::00D09E-2237A8M000123", "2237A8M000123"),
		(OFFLINE, "os::00D09E-2237A8M000123", "2237A8M000123"),
		(ONLINE, "os::00D09E-XX230v-ZZ9", "ZZ9"),
	]
	assert got[0].at.tzinfo is not None
	assert events.empty() and worker.events_delivered == 4


def test_a_failing_callback_does_not_stop_the_worker(prefix, publisher):
	seen = []

	def flaky(event):
		seen.append(event)
		if len(seen) == 1:
			raise RuntimeError("boom")

	with OktopusMqttWorker(flaky, *BROKER, prefix=prefix) as worker:
		assert worker.wait_connected(5)
		time.sleep(0.2)
		_publish(publisher, f"{prefix}/status/dev-1", b"1")
		_publish(publisher, f"{prefix}/status/dev-2", b"1")
		deadline = time.monotonic() + 5
		while len(seen) < 2 and time.monotonic() < deadline:
			time.sleep(0.02)
	assert [e.device_id for e in seen] == ["dev-1", "dev-2"] and worker.callback_errors == 1


def test_reconnects_with_backoff_and_resubscribes(prefix, publisher):
	relay = TcpRelay(BROKER)  # the worker talks to the broker through a relay the test cuts
	relay.accept()
	relay.refuse()  # broker unreachable when the worker starts
	events: queue.Queue = queue.Queue()
	worker = OktopusMqttWorker(
		events.put, "127.0.0.1", relay.port, prefix=prefix, reconnect_min=1, reconnect_max=2
	)
	worker.start()
	try:
		assert not worker.wait_connected(1.2)
		relay.accept()
		assert worker.wait_connected(6), "no connection once the broker came back"
		assert worker.connections == 1
		relay.cut()  # the broker connection drops
		deadline = time.monotonic() + 8
		while worker.connections < 2 and time.monotonic() < deadline:
			time.sleep(0.05)
		assert worker.connections == 2 and worker.wait_connected(1)
		time.sleep(0.3)  # SUBACK of the new session (clean session: subscriptions are ours to redo)
		_publish(publisher, f"{prefix}/status/dev-after-reconnect", b"1")
		(event,) = _take(events, 1)
		assert (event.kind, event.device_id) == (ONLINE, "dev-after-reconnect")
	finally:
		worker.stop()
		relay.close()
	assert not worker.connected.is_set()


def test_clean_shutdown_sends_disconnect_and_joins(prefix):
	worker = OktopusMqttWorker(lambda e: None, *BROKER, prefix=prefix).start()
	assert worker.wait_connected(5)
	worker.stop()
	assert not worker.client.is_connected() and not worker.connected.is_set()


def test_parse_message_is_pure_and_strict():
	assert parse_message("other/topic/status/x", b"1") is None
	assert parse_message("oktopus/usp/v1/status/", b"1") is None
	assert parse_message("oktopus/usp/v1/controller", b"\xff\xff") is None  # not a USP record, no id
	event = parse_message("oktopus/usp/v1/api/os::012345-SN1", b"")
	assert (event.kind, event.device_id, event.serial) == (HEARTBEAT, "os::012345-SN1", "SN1")
	assert usp_record_from_id(usp_record("proto::controller-x")) == "proto::controller-x"
	assert usp_record_from_id(b"\x1a\x50short") is None  # length beyond the payload


def test_run_forever_delivers_and_returns_on_stop(prefix, publisher):
	import threading

	events: queue.Queue = queue.Queue()
	worker = OktopusMqttWorker(events.put, *BROKER, prefix=prefix)
	thread = threading.Thread(
		target=worker.run_forever, kwargs={"install_signal_handlers": False}, daemon=True
	)
	thread.start()
	assert worker.wait_connected(5)
	time.sleep(0.2)
	_publish(publisher, f"{prefix}/status/dev-fg", b"0")
	(event,) = _take(events, 1)
	assert (event.kind, event.device_id) == (OFFLINE, "dev-fg")
	worker.stop()
	thread.join(5)
	assert not thread.is_alive()


# ------------------------------------------------------------------ persistent session


@pytest.mark.parametrize("mqtt_version", [5, 4])
def test_messages_published_while_disconnected_arrive_after_reconnecting(prefix, publisher, mqtt_version):
	"""A fixed client id keeps the session on the broker: QoS 1 messages published while the
	worker's connection is down are queued there and delivered once it is back."""
	relay = TcpRelay(BROKER).accept()
	events: queue.Queue = queue.Queue()
	states: list[dict] = []
	client_id = f"gf-test-worker-{uuid.uuid4().hex[:8]}"
	worker = OktopusMqttWorker(
		events.put,
		"127.0.0.1",
		relay.port,
		prefix=prefix,
		client_id=client_id,
		reconnect_min=1,
		reconnect_max=1,
		mqtt_version=mqtt_version,
		session_expiry=60,
		on_state=states.append,
		state_every=0.2,
	)
	worker.start()
	try:
		assert worker.wait_connected(5)
		time.sleep(0.3)  # SUBACK
		assert states and states[-1]["connected"] is True and states[-1]["client_id"] == client_id
		relay.refuse()
		relay.cut()  # the worker is away: its reconnection attempts are refused
		deadline = time.monotonic() + 5
		while worker.connected.is_set() and time.monotonic() < deadline:
			time.sleep(0.02)
		assert not worker.connected.is_set()
		# The disconnection is reported just after the flag drops, from the network thread.
		while states[-1]["connected"] and time.monotonic() < deadline:
			time.sleep(0.02)
		assert states[-1]["connected"] is False and states[-1]["disconnected_at"]
		for n in range(3):
			_publish(publisher, f"{prefix}/status/dev-away-{n}", b"1")
		assert events.empty()
		relay.accept()
		got = _take(events, 3, timeout=8)
		assert sorted(e.device_id for e in got) == ["dev-away-0", "dev-away-1", "dev-away-2"]
		assert worker.connections == 2 and worker.session_resumed == 1
		time.sleep(0.3)
		assert states[-1]["connected"] is True and states[-1]["last_message_at"]
	finally:
		worker.stop()
		relay.close()
		_drop_session(client_id)


def test_a_throwaway_worker_without_client_id_keeps_no_session(prefix, publisher):
	worker = OktopusMqttWorker(lambda e: None, *BROKER, prefix=prefix)
	assert worker.persistent is False
	worker.start()
	try:
		assert worker.wait_connected(5)
		assert worker.session_resumed == 0
	finally:
		worker.stop()


def _drop_session(client_id: str) -> None:
	"""End a test's persistent session on the shared broker (a clean connection with its id)."""
	client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=client_id, clean_session=True)
	client.connect(*BROKER)
	client.disconnect()


def _free_port() -> int:
	with socket.socket() as sock:
		sock.bind(("127.0.0.1", 0))
		return sock.getsockname()[1]


@pytest.fixture
def private_broker(tmp_path):
	"""A Mosquitto of the test's own, on a free port, with persistence: `restart()` stops it (it saves
	its sessions) and starts it again on the same port."""
	import getpass
	import shutil
	import subprocess

	exe = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
	if not shutil.os.path.exists(exe):
		pytest.skip("mosquitto is not installed")
	port = _free_port()
	conf = tmp_path / "mosquitto.conf"
	conf.write_text(
		f"listener {port} 127.0.0.1\nallow_anonymous true\npersistence true\n"
		# run as ourselves (as root, mosquitto would become `mosquitto` and could not save in tmp_path)
		f"persistence_location {tmp_path}/\nuser {getpass.getuser()}\nlog_dest none\n"
	)

	class Broker:
		proc = None

		def start(self):
			self.proc = subprocess.Popen([exe, "-c", str(conf)])
			deadline = time.monotonic() + 5
			while time.monotonic() < deadline:
				try:
					socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
					return
				except OSError:
					time.sleep(0.05)
			raise RuntimeError("private mosquitto did not start")

		def stop(self):
			self.proc.terminate()
			self.proc.wait(5)

		def restart(self):
			self.stop()
			self.start()

	broker = Broker()
	broker.port = port
	broker.start()
	yield broker
	broker.stop()


def test_broker_restart_loses_nothing(prefix, private_broker):
	"""The issue's case: the broker restarts with the worker running; devices publish before the
	worker is back. The broker kept the worker's session across its restart and delivers them."""
	events: queue.Queue = queue.Queue()
	worker = OktopusMqttWorker(
		events.put,
		"127.0.0.1",
		private_broker.port,
		prefix=prefix,
		client_id="gf-test-restart",
		reconnect_min=2,
		reconnect_max=2,
	)
	worker.start()
	try:
		assert worker.wait_connected(5)
		time.sleep(0.3)  # SUBACK
		private_broker.restart()
		device = mqtt.Client(CallbackAPIVersion.VERSION2, client_id="gf-test-device")
		device.connect("127.0.0.1", private_broker.port)
		device.loop_start()
		try:
			assert not worker.connected.is_set()
			_publish(device, f"{prefix}/status/dev-during-restart", b"0")
			_publish(device, f"{prefix}/controller", usp_record("os::00D09E-SNRESTART"))
		finally:
			device.disconnect()
			device.loop_stop()
		got = _take(events, 2, timeout=10)
	finally:
		worker.stop()
	assert [(e.kind, e.device_id) for e in got] == [
		(OFFLINE, "dev-during-restart"),
		(HEARTBEAT, "os::00D09E-SNRESTART"),
	]
	assert worker.session_resumed == 1
