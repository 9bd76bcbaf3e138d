"""The Traccar worker's loop, without Frappe: positions from Traccar's live socket → each
technician's last position (written and published at most once per technician per
`publish_seconds`, the latest kept), and the geofenced arrival on their En Route job.

It talks to a `Store` (the Frappe one is `gigafibre.field.live.FrappeStore`; pytest and the
benchmark use their own), so the loop runs the same against a test peer and in the bench command.

A session: log in, read the devices, open the socket, then read `/api/positions` — the latest
position of every device — so a position sent while the worker was away (Traccar restarted, the
network cut, the worker restarted) is written anyway. Positions not newer than the last one seen
for their device are dropped, so the socket's first message and the catch-up overlap harmlessly.
A lost session (socket closed, Traccar silent for `idle_seconds`, an error) ends in a wait from
`backoff_delays` and a new session; the backoff starts over once a session got going.
"""

import logging
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from gigafibre.errors import ServiceError
from gigafibre.field.positions import ArrivalDetector, PublishThrottle, Target, backoff_delays
from gigafibre.field.traccar import Position, TraccarClient, device_index
from gigafibre.i18n import _

log = logging.getLogger(__name__)
MAP_MIN_SECONDS = 30.0


@dataclass(frozen=True)
class TechnicianRef:
	name: str
	full_name: str | None
	device: str  # the Technician's traccar_device_id, as typed


@dataclass(frozen=True)
class Fix:
	"""A technician's position, as the store writes and publishes it."""

	technician: str
	technician_name: str | None
	latitude: float
	longitude: float
	at: datetime  # UTC
	speed_kmh: float | None
	position_id: int | None = None
	received: float = 0.0  # monotonic time the worker got it (benchmarks)


class Store(Protocol):
	def technicians(self) -> list[TechnicianRef]:
		"""Active technicians with a Traccar device id."""

	def target(self, technician: str) -> Target | None:
		"""The technician's En Route job whose GPS arrival is not recorded yet, with its location's
		coordinates; None when there is none (or its location has no coordinates)."""

	def record(self, fix: Fix) -> None:
		"""Keep the technician's last position (never an older one over a newer) and publish it."""

	def arrived(self, job: str, technician: str, at: datetime) -> bool:
		"""Record the GPS arrival on the job (once) and tell the dispatchers; True when recorded now."""


@dataclass
class WorkerState:
	connected: bool = False
	sessions: int = 0
	positions: int = 0
	recorded: int = 0
	arrivals: int = 0
	last_error: str | None = None
	connected_at: float | None = None
	events: list[str] = field(default_factory=list)  # "connected", "disconnected: …" (tests)


class TraccarWorker:
	def __init__(
		self,
		client: TraccarClient,
		store: Store,
		publish_seconds: float = 5.0,
		radius_m: float = 150.0,
		dwell: timedelta = timedelta(minutes=2),
		idle_seconds: float = 120.0,
		target_seconds: float = 30.0,
		refresh_seconds: float = 300.0,
		backoff: Callable[[], Iterator[float]] = backoff_delays,
		clock: Callable[[], float] = time.monotonic,
	):
		self.client = client
		self.store = store
		self.throttle: PublishThrottle[Fix] = PublishThrottle(publish_seconds)
		self.detector = ArrivalDetector(radius_m, dwell)
		self.idle_seconds = idle_seconds
		self.target_seconds = target_seconds
		self.refresh_seconds = refresh_seconds
		self.backoff = backoff
		self.clock = clock
		self.state = WorkerState()
		self._by_device: dict[int, TechnicianRef] = {}
		self._last_at: dict[int, datetime] = {}
		self._targets: dict[str, tuple[float, Target | None]] = {}
		self._mapped_at = -1e18
		self._socket = None

	# Mapping Traccar devices to technicians

	def refresh_mapping(self, devices: list[dict] | None = None) -> None:
		index = device_index(devices if devices is not None else self.client.devices())
		by_device = {}
		for tech in self.store.technicians():
			device_id = index.get(str(tech.device).strip())
			if device_id is not None:
				by_device[device_id] = tech
		self._by_device = by_device
		self._mapped_at = self.clock()

	def _target(self, technician: str, now: float) -> Target | None:
		cached = self._targets.get(technician)
		if cached and now - cached[0] < self.target_seconds:
			return cached[1]
		target = self.store.target(technician)
		self._targets[technician] = (now, target)
		return target

	# One position

	def handle(self, position: Position) -> None:
		self.state.positions += 1
		tech = self._by_device.get(position.device_id)
		if tech is None:
			return
		last = self._last_at.get(position.device_id)
		if last is not None and position.at <= last:
			return  # a replay (catch-up, the socket's first message) or out of order
		self._last_at[position.device_id] = position.at
		now = self.clock()
		fix = Fix(
			tech.name,
			tech.full_name,
			position.latitude,
			position.longitude,
			position.at,
			position.speed_kmh,
			position.id,
			now,
		)
		target = self._target(tech.name, now)
		if self.detector.observe(tech.name, target, position.latitude, position.longitude, position.at):
			self._targets.pop(tech.name, None)
			if self.store.arrived(target.job, tech.name, position.at):
				self.state.arrivals += 1
		ready = self.throttle.offer(tech.name, fix, now)
		if ready is not None:
			self._record(ready)

	def _record(self, fix: Fix) -> None:
		try:
			self.store.record(fix)
			self.state.recorded += 1
		except Exception:
			log.exception("could not record the position of %s", fix.technician)

	def flush(self, everything: bool = False) -> None:
		for fix in self.throttle.drain() if everything else self.throttle.due(self.clock()):
			self._record(fix)

	# Sessions

	def session(self, stop: threading.Event) -> None:
		"""One connection, until `stop` is set (returns) or it is lost (raises ServiceError)."""
		self.client.login()
		self.refresh_mapping()
		with self.client.socket() as sock:
			self._socket = sock
			try:
				for position in self.client.positions():
					self.handle(position)
				self.state.connected = True
				self.state.sessions += 1
				self.state.connected_at = self.clock()
				self.state.events.append("connected")
				log.info("connected to Traccar (%s devices mapped)", len(self._by_device))
				silent_since = self.clock()
				while not stop.is_set():
					due = self.throttle.next_due_in(self.clock())
					wait = 1.0 if due is None else min(1.0, due)
					update = sock.receive(timeout=wait)
					now = self.clock()
					if update is None:
						if now - silent_since > self.idle_seconds:
							raise ServiceError(
								"Traccar sent nothing for {0} s.", self.idle_seconds, retryable=True
							)
					else:
						silent_since = now
						# a device added or renamed in Traccar shows in a "devices" message (so do status changes,
						# often: at most one re-read per MAP_MIN_SECONDS); a Technician edited in the desk, in
						# the periodic re-read
						age = now - self._mapped_at
						if age > self.refresh_seconds or (update.devices and age > MAP_MIN_SECONDS):
							self.refresh_mapping()
						for position in update.positions:
							self.handle(position)
					self.flush()
			finally:
				self._socket = None

	def run(self, stop: threading.Event) -> None:
		"""Sessions one after the other until `stop` is set; waits with backoff in between."""
		delays = self.backoff()
		while not stop.is_set():
			try:
				self.session(stop)
			except Exception as err:  # a bug in one message must not end the worker either
				self.state.last_error = str(err)
				if not isinstance(err, ServiceError):
					log.exception("Traccar worker session failed")
			finally:
				if self.state.connected:
					self.state.events.append(f"disconnected: {self.state.last_error}")
					log.info("disconnected from Traccar: %s", self.state.last_error)
					# a session that got going starts the backoff over
					delays = self.backoff()
				self.state.connected = False
				self.flush(everything=True)
			if stop.is_set():
				break
			delay = next(delays)
			log.info("reconnecting to Traccar in %.1f s (%s)", delay, self.state.last_error)
			stop.wait(delay)
		self.flush(everything=True)

	def start(self) -> tuple[threading.Thread, threading.Event]:
		"""The loop in a daemon thread (tests, benchmarks): (thread, stop event)."""
		stop = threading.Event()
		thread = threading.Thread(target=self.run, args=(stop,), daemon=True, name="traccar-worker")
		thread.start()
		return thread, stop
