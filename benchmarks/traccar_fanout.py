"""Position fan-out through the Traccar worker (issue 16): 100 technicians, one position each every
5 s, pushed by the loopback Traccar server over its WebSocket, through `TraccarWorker` (parse,
device → technician, geofence, per-technician throttle at 5 s) to the store's `record`.

Figures per run: the added latency per position (the peer's send → the store's record, both
`time.time()` on this machine) and the worker process's CPU seconds per 1,000 positions (the peer
runs in its own process, so its CPU is not counted); the median over runs is printed.

    python benchmarks/traccar_fanout.py                    # in-memory store: the worker alone
    cd <bench>/sites && ../env/bin/python <repo>/benchmarks/traccar_fanout.py --site <site>
        # FrappeStore: each published position is also an UPDATE of the Technician row, a commit
        # and a publish_realtime through Redis (the benchmark's technicians are not in the site:
        # the UPDATE touches no row, the rest is the real cost)

Options: --technicians 100 --every 5 --seconds 30 --runs 3.
"""

import argparse
import multiprocessing as mp
import statistics
import sys
import threading
import time
from datetime import datetime, timezone
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))


def _peer():
	"""tests/field/traccar_peer.py by its path (inside a bench, `tests` may be another package)."""
	import importlib.util

	spec = importlib.util.spec_from_file_location(
		"traccar_peer", REPO / "tests" / "field" / "traccar_peer.py"
	)
	module = importlib.util.module_from_spec(spec)
	spec.loader.exec_module(module)
	return module


def peer_process(technicians: int, every: float, seconds: float, out: "mp.Queue", ready: "mp.Queue") -> None:
	"""The loopback Traccar: waits for the worker's socket, then each device reports every `every`
	seconds (spread evenly), for `seconds`. Sends back {position id: time sent}."""
	TraccarPeer = _peer().TraccarPeer

	devices = [
		{"id": n, "name": f"Camion {n}", "uniqueId": f"35824005{n:07d}"} for n in range(1, technicians + 1)
	]
	with TraccarPeer(devices=devices) as peer:
		ready.put(peer.url)
		if not peer.wait_sockets(1, 30):
			out.put({})
			return
		time.sleep(0.5)  # the worker's catch-up read
		start = time.monotonic()
		slot = every / technicians
		n = 0
		while True:
			due = start + n * slot
			if due - start >= seconds:
				break
			delay = due - time.monotonic()
			if delay > 0:
				time.sleep(delay)
			device = n % technicians + 1
			lat = 45.50 + (device % 10) * 0.01 + n * 1e-6
			peer.push(peer.position(device, lat, -73.56, datetime.now(timezone.utc), speed_kmh=40))
			n += 1
		time.sleep(every + 1)  # the last throttled ones go out
		out.put(dict(peer.sent))


class BenchStore:
	"""The worker's store for the benchmark: records when each position was published, optionally
	through the Frappe store (DB write + realtime) too."""

	def __init__(self, refs, frappe_store=None):
		from gigafibre.field.positions import Target

		self.refs = refs
		self.frappe_store = frappe_store
		self.published: dict[int, float] = {}
		# an En Route job far away for each technician: the geofence is computed, never met
		self._target = {r.name: Target(f"JOB-{r.name}", 46.8, -71.2) for r in refs}

	def technicians(self):
		return self.refs

	def target(self, technician):
		return self._target.get(technician)

	def record(self, fix):
		if self.frappe_store is not None:
			self.frappe_store.record(fix)
		self.published[fix.position_id] = time.time()

	def arrived(self, job, technician, at):
		return False


def one_run(args) -> dict:
	import websockets.sync.client  # imported before the CPU is counted

	from gigafibre.field.positions import backoff_delays
	from gigafibre.field.traccar import TraccarClient
	from gigafibre.field.worker import TechnicianRef, TraccarWorker

	peer = _peer()
	EMAIL, PASSWORD = peer.EMAIL, peer.PASSWORD

	ctx = mp.get_context("spawn")
	out, ready = ctx.Queue(), ctx.Queue()
	proc = ctx.Process(target=peer_process, args=(args.technicians, args.every, args.seconds, out, ready))
	proc.start()
	url = ready.get(timeout=60)
	refs = [
		TechnicianRef(f"TECH-{n}", f"Tech {n}", f"35824005{n:07d}") for n in range(1, args.technicians + 1)
	]
	frappe_store = None
	if args.site:
		from gigafibre.field.live import FrappeStore

		frappe_store = FrappeStore()
	store = BenchStore(refs, frappe_store)
	worker = TraccarWorker(
		TraccarClient(url, EMAIL, PASSWORD, timeout=10),
		store,
		publish_seconds=args.every,
		backoff=lambda: backoff_delays(0.1, 2, 1),
	)
	stop = threading.Event()
	cpu0 = time.process_time()
	if args.site:
		# the Frappe store needs the site's connection: the loop runs in this thread
		results: dict = {}

		def collect():
			results.update(out.get(timeout=args.seconds + 120))
			stop.set()

		threading.Thread(target=collect, daemon=True).start()
		worker.run(stop)
		sent = results
	else:
		thread = threading.Thread(target=worker.run, args=(stop,), daemon=True)
		thread.start()
		sent = out.get(timeout=args.seconds + 120)
		stop.set()
		thread.join(10)
	cpu = time.process_time() - cpu0
	proc.join(10)
	latencies = [(store.published[pid] - t) * 1000 for pid, t in sent.items() if pid in store.published]
	return {
		"sent": len(sent),
		"published": len(latencies),
		"median_ms": statistics.median(latencies) if latencies else float("nan"),
		"p95_ms": statistics.quantiles(latencies, n=20)[18] if len(latencies) > 20 else float("nan"),
		"max_ms": max(latencies) if latencies else float("nan"),
		"cpu_per_1000": cpu / max(1, worker.state.positions) * 1000,
		"positions": worker.state.positions,
	}


def main() -> None:
	parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
	parser.add_argument("--technicians", type=int, default=100)
	parser.add_argument("--every", type=float, default=5.0, help="seconds between a technician's positions")
	parser.add_argument("--seconds", type=float, default=30.0, help="length of one run")
	parser.add_argument("--runs", type=int, default=3)
	parser.add_argument("--site", help="use the Frappe store of this site (run from <bench>/sites)")
	args = parser.parse_args()
	if args.site:
		import frappe

		frappe.init(site=args.site)
		frappe.connect()
	runs = []
	for n in range(args.runs):
		result = one_run(args)
		runs.append(result)
		print(
			f"run {n + 1}: {result['published']}/{result['sent']} positions published, "
			f"latency median {result['median_ms']:.2f} ms, p95 {result['p95_ms']:.2f} ms, "
			f"max {result['max_ms']:.1f} ms; CPU {result['cpu_per_1000']:.3f} s per 1,000 positions",
			flush=True,
		)
	store = f"FrappeStore on {args.site}" if args.site else "in-memory store"
	print(
		f"\n{args.technicians} technicians x 1 position / {args.every:g} s, {args.runs} runs of "
		f"{args.seconds:g} s, {store}:\n"
		f"  added latency per position (peer send -> published): median "
		f"{statistics.median(r['median_ms'] for r in runs):.2f} ms "
		f"(p95 {statistics.median(r['p95_ms'] for r in runs):.2f} ms)\n"
		f"  worker CPU per 1,000 positions: median {statistics.median(r['cpu_per_1000'] for r in runs):.3f} s"
	)
	if args.site:
		import frappe

		frappe.destroy()


if __name__ == "__main__":
	main()
