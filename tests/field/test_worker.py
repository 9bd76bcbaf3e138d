"""The Traccar worker's loop against the loopback Traccar server and an in-memory store."""

import threading
import time
from datetime import datetime, timedelta, timezone

import pytest

from gigafibre.field.positions import Target, backoff_delays
from gigafibre.field.traccar import TraccarClient
from gigafibre.field.worker import TechnicianRef, TraccarWorker
from tests.field.traccar_peer import EMAIL, PASSWORD, TraccarPeer

T0 = datetime.now(timezone.utc).replace(microsecond=0) - timedelta(hours=1)
SITE = (45.5017, -73.5673)


class MemoryStore:
	def __init__(self, technicians, targets=None):
		self._technicians = technicians
		self.targets = targets or {}
		self.records = []
		self.last = {}
		self.arrivals = []
		self.lock = threading.Lock()

	def technicians(self):
		return list(self._technicians)

	def target(self, technician):
		return self.targets.get(technician)

	def record(self, fix):
		with self.lock:
			self.records.append(fix)
			if fix.technician not in self.last or self.last[fix.technician].at < fix.at:
				self.last[fix.technician] = fix

	def arrived(self, job, technician, at):
		with self.lock:
			self.arrivals.append((job, technician, at))
			self.targets.pop(technician, None)
		return True


def wait_for(predicate, timeout=10.0):
	deadline = time.monotonic() + timeout
	while time.monotonic() < deadline:
		if predicate():
			return True
		time.sleep(0.01)
	return False


@pytest.fixture
def peer():
	with TraccarPeer() as p:
		yield p


def make_worker(peer, store, **kw):
	client = TraccarClient(peer.url, EMAIL, PASSWORD, timeout=3, backoff=0.01)
	kw.setdefault("publish_seconds", 0.3)
	kw.setdefault("backoff", lambda: backoff_delays(0.05, 2, 0.2))
	return TraccarWorker(client, store, **kw)


def run(worker):
	thread, stop = worker.start()
	return thread, stop


def stop(thread, stop_event):
	stop_event.set()
	thread.join(10)
	assert not thread.is_alive()


def test_maps_devices_by_unique_id_or_numeric_id_and_keeps_the_latest(peer):
	store = MemoryStore(
		[TechnicianRef("TECH-A", "Alice", "358240051111110"), TechnicianRef("TECH-B", "Bob", "2")]
	)
	peer.store(peer.position(1, 45.50, -73.56, T0))
	worker = make_worker(peer, store)
	thread, ev = run(worker)
	try:
		assert wait_for(
			lambda: "TECH-A" in store.last
		)  # the catch-up (socket's first message, /api/positions)
		assert wait_for(lambda: worker.state.connected)  # after its catch-up read
		peer.push(peer.position(2, 45.60, -73.60, T0 + timedelta(seconds=1), speed_kmh=36))
		peer.push(peer.position(3, 45.0, -73.0, T0))  # a device nobody carries
		assert wait_for(lambda: "TECH-B" in store.last)
		assert store.last["TECH-B"].speed_kmh == 36.0 and store.last["TECH-B"].technician_name == "Bob"
	finally:
		stop(thread, ev)
	assert len([r for r in store.records if r.technician == "TECH-A"]) == 1  # replays dropped


def test_throttles_per_technician_and_keeps_the_latest(peer):
	store = MemoryStore([TechnicianRef("TECH-A", "Alice", "1")])
	worker = make_worker(peer, store, publish_seconds=0.5)
	thread, ev = run(worker)
	try:
		assert wait_for(lambda: worker.state.connected)  # after its catch-up read
		for i in range(10):
			peer.push(peer.position(1, 45.5 + i / 10000, -73.56, T0 + timedelta(seconds=i)))
			time.sleep(0.02)
		assert wait_for(
			lambda: store.last.get("TECH-A") and store.last["TECH-A"].at == T0 + timedelta(seconds=9)
		)
	finally:
		stop(thread, ev)
	assert 2 <= len(store.records) <= 3  # the first at once, the latest when the interval ended
	assert store.records[-1].latitude == pytest.approx(45.5009)


def test_restart_mid_stream_reconnects_and_loses_nothing(peer):
	techs = [TechnicianRef(f"TECH-{n}", None, str(n)) for n in (1, 2)]
	store = MemoryStore(techs)
	worker = make_worker(peer, store, publish_seconds=0.1)
	thread, ev = run(worker)
	try:
		assert wait_for(lambda: worker.state.connected)  # after its catch-up read
		peer.push(peer.position(1, 45.51, -73.51, T0))
		assert wait_for(lambda: "TECH-1" in store.last)
		peer.stop()  # Traccar goes down mid-stream; devices report meanwhile once it is back
		time.sleep(0.3)
		peer.initial_state = False  # so only the REST catch-up can bring them
		peer.start()
		peer.store(peer.position(1, 45.52, -73.52, T0 + timedelta(seconds=10)))
		peer.store(peer.position(2, 45.62, -73.62, T0 + timedelta(seconds=11)))
		assert wait_for(lambda: worker.state.sessions >= 2, 15)
		assert wait_for(lambda: "TECH-2" in store.last and store.last["TECH-1"].latitude == 45.52)
		peer.push(peer.position(2, 45.63, -73.63, T0 + timedelta(seconds=20)))
		assert wait_for(lambda: store.last["TECH-2"].latitude == 45.63)
	finally:
		stop(thread, ev)
	assert worker.state.events[:2] == ["connected", worker.state.events[1]]
	assert worker.state.events[1].startswith("disconnected")
	assert ("POST", "/api/session") in peer.requests  # a new session after the restart


def test_reconnects_when_traccar_stays_silent(peer):
	store = MemoryStore([TechnicianRef("TECH-1", None, "1")])
	worker = make_worker(peer, store, idle_seconds=0.5)
	thread, ev = run(worker)
	try:
		assert wait_for(lambda: worker.state.sessions >= 2, 10)
		assert "sent nothing" in (worker.state.last_error or "")
	finally:
		stop(thread, ev)


def test_keeps_trying_while_traccar_is_down():
	with TraccarPeer() as peer:
		port = peer.port
	peer = TraccarPeer(port=port)  # not started
	store = MemoryStore([TechnicianRef("TECH-1", None, "1")])
	worker = make_worker(peer, store)
	thread, ev = run(worker)
	try:
		assert wait_for(lambda: worker.state.last_error is not None)
		time.sleep(0.5)
		peer.start()
		peer.store(peer.position(1, 45.5, -73.5, T0))
		assert wait_for(lambda: "TECH-1" in store.last, 10)
	finally:
		stop(thread, ev)
		peer.stop()


def test_geofenced_arrival_once_after_the_dwell(peer):
	store = MemoryStore([TechnicianRef("TECH-1", None, "1")], {"TECH-1": Target("JOB-1", *SITE)})
	worker = make_worker(peer, store, dwell=timedelta(minutes=2), radius_m=150, target_seconds=0)
	thread, ev = run(worker)
	try:
		assert wait_for(lambda: worker.state.connected)  # after its catch-up read
		peer.push(peer.position(1, 45.52, -73.5673, T0))  # 2 km away
		for second in range(0, 181, 30):  # inside for 3 minutes
			peer.push(peer.position(1, 45.5018, -73.5674, T0 + timedelta(minutes=5, seconds=second)))
		assert wait_for(lambda: store.arrivals)
		time.sleep(0.2)
	finally:
		stop(thread, ev)
	assert store.arrivals == [("JOB-1", "TECH-1", T0 + timedelta(minutes=7))]
