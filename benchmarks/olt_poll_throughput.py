"""OLT polling throughput against net-snmp's own agent (Debian `snmpd`), loopback only.

	.venv/bin/python benchmarks/olt_poll_throughput.py [--latency-ms 100] [--repeat 5]

Needs `apt-get install -y snmpd snmp`. Everything runs as child processes on 127.0.0.1 and stops
at the end (the whole run is bounded to 2 minutes).

1. One OLT: `snmpd` serves a synthetic Huawei MA5800 table of 16 PON ports x 128 ONUs (2 048 ONUs,
   3 columns each: run status, rx and tx power — plus a neighbouring column the walks must not
   read). The table is made of `override` directives: snmpd answers them from its own registry,
   with no sub-process (a `pass_persist` script costs a pipe round trip per varbind), so the agent
   is never the bottleneck. Measured: our poller (cold: fresh SNMP engine; warm: the engine a
   long-lived worker keeps) in ONUs/s and per CPU-second of the manager, and net-snmp's
   `snmpbulkwalk` on the same three columns as the reference.
2. Sixteen OLTs (16 snmpd, 128 ONUs each) polled sequentially (concurrency 1) and concurrently
   (concurrency 16) — directly (loopback answers in microseconds, so the manager's CPU is the
   limit) and through a UDP relay that adds `--latency-ms` to every request, like a real OLT's
   agent. With latency, concurrent should take about the slowest OLT, not the sum.
"""

import argparse
import asyncio
import multiprocessing
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pysnmp.hlapi.v3arch.asyncio import SnmpEngine

from gigafibre.network.olt_snmp import HUAWEI, OltTarget, poll_olts

COLUMNS = (HUAWEI.status_oid, HUAWEI.rx_oid, HUAWEI.tx_oid)
NEIGHBOUR = "1.3.6.1.4.1.2011.6.128.1.1.2.51.1.5"  # must not be read by a column walk
BASE_IFINDEX = 0xFA000000
HARD_LIMIT_S = 115


def free_udp_port() -> int:
	with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
		sock.bind(("127.0.0.1", 0))
		return sock.getsockname()[1]


def write_config(directory: Path, port: int, ports: int, onus: int) -> Path:
	lines = [
		f"agentaddress udp:127.0.0.1:{port}",
		"rocommunity public 127.0.0.1",
		"maxGetbulkRepeats -1",
		"maxGetbulkResponses -1",
	]
	for pon in range(ports):
		if_index = BASE_IFINDEX + 1 * 8192 + pon * 256
		for onu in range(onus):
			index = f"{if_index}.{onu}"
			online = onu % 37 != 5
			lines.append(f"override .{HUAWEI.status_oid}.{index} integer {1 if online else 2}")
			lines.append(f"override .{HUAWEI.tx_oid}.{index} integer {210 if online else 2147483647}")
			lines.append(f"override .{HUAWEI.rx_oid}.{index} integer {-1700 - (onu * 7 + pon) % 1100}")
			lines.append(f"override .{NEIGHBOUR}.{index} integer 3300")
	conf = directory / f"snmpd-{port}.conf"
	conf.write_text("\n".join(lines) + "\n")
	return conf


def snmp_env(directory: Path) -> dict:
	return dict(os.environ, SNMP_PERSISTENT_DIR=str(directory), MIBS="", MIBDIRS=str(directory))


def start_snmpd(directory: Path, ports: int, onus: int) -> tuple[subprocess.Popen, int]:
	port = free_udp_port()
	conf = write_config(directory, port, ports, onus)
	proc = subprocess.Popen(
		[
			"snmpd",
			"-f",
			"-Lf",
			str(directory / f"snmpd-{port}.log"),
			"-C",
			"-c",
			str(conf),
			"-p",
			str(directory / f"snmpd-{port}.pid"),
		],
		env=snmp_env(directory),
		stdout=subprocess.DEVNULL,
		stderr=subprocess.DEVNULL,
	)
	deadline = time.monotonic() + 20
	probe = f".{HUAWEI.status_oid}.{BASE_IFINDEX + 8192}.0"
	while time.monotonic() < deadline:
		if proc.poll() is not None:
			raise SystemExit(f"snmpd exited: {(directory / f'snmpd-{port}.log').read_text()[-1000:]}")
		ok = subprocess.run(
			["snmpget", "-v2c", "-c", "public", "-t", "0.2", "-r", "0", "-On", f"127.0.0.1:{port}", probe],
			env=snmp_env(directory),
			capture_output=True,
			text=True,
		)
		if ok.returncode == 0 and "INTEGER" in ok.stdout:
			return proc, port
		time.sleep(0.1)
	raise SystemExit("snmpd did not start within 20 s")


def bulkwalk(directory: Path, port: int, repetitions: int) -> tuple[float, int]:
	started = time.perf_counter()
	rows = 0
	for oid in COLUMNS:
		out = subprocess.run(
			["snmpbulkwalk", "-v2c", "-c", "public", "-On", f"-Cr{repetitions}", f"127.0.0.1:{port}", oid],
			env=snmp_env(directory),
			capture_output=True,
			text=True,
			check=True,
		)
		rows += out.stdout.count("\n")
	return time.perf_counter() - started, rows


# A UDP relay adding latency to each request, in its own process (like the OLT's slow agent CPU).


def _relay(pairs: list[tuple[int, int]], latency: float, ready) -> None:
	async def main():
		loop = asyncio.get_running_loop()
		tasks: set = set()

		class Upstream(asyncio.DatagramProtocol):
			def __init__(self, front, client):
				self.front, self.client = front, client

			def datagram_received(self, data, addr):
				self.front.sendto(data, self.client)

		class Front(asyncio.DatagramProtocol):
			def __init__(self, agent_port):
				self.agent_port = agent_port
				self.upstreams = {}

			def connection_made(self, transport):
				self.transport = transport

			def datagram_received(self, data, addr):
				task = loop.create_task(self.forward(data, addr))
				tasks.add(task)
				task.add_done_callback(tasks.discard)

			async def forward(self, data, addr):
				if addr not in self.upstreams:
					self.upstreams[addr] = (
						await loop.create_datagram_endpoint(
							lambda: Upstream(self.transport, addr), remote_addr=("127.0.0.1", self.agent_port)
						)
					)[0]
				await asyncio.sleep(latency)
				self.upstreams[addr].sendto(data)

		for front_port, agent_port in pairs:
			await loop.create_datagram_endpoint(
				lambda p=agent_port: Front(p), local_addr=("127.0.0.1", front_port)
			)
		ready.set()
		await asyncio.Event().wait()

	asyncio.run(main())


def run_poll(targets, concurrency, engine=None, repetitions=50):
	cpu, wall = time.process_time(), time.perf_counter()
	polls = asyncio.run(_poll(targets, concurrency, engine, repetitions))
	return polls, time.perf_counter() - wall, time.process_time() - cpu


async def _poll(targets, concurrency, engine, repetitions):
	return await poll_olts(targets, concurrency=concurrency, max_repetitions=repetitions, engine=engine)


def main() -> None:
	parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
	parser.add_argument("--latency-ms", type=float, default=100.0)
	parser.add_argument("--repeat", type=int, default=5)
	parser.add_argument("--repetitions", type=int, default=50, help="GETBULK max-repetitions")
	args = parser.parse_args()
	for tool in ("snmpd", "snmpbulkwalk", "snmpget"):
		if not shutil.which(tool):
			raise SystemExit(f"{tool} is missing: apt-get install -y snmpd snmp")
	signal.signal(
		signal.SIGALRM, lambda *_: (_ for _ in ()).throw(SystemExit("benchmark over its time bound"))
	)
	signal.alarm(HARD_LIMIT_S)

	children: list = []
	with tempfile.TemporaryDirectory(prefix="olt-bench-") as tmp:
		directory = Path(tmp)
		try:
			rows = []
			agent, port = start_snmpd(directory, ports=16, onus=128)
			children.append(agent)
			onus = 16 * 128

			ref = [bulkwalk(directory, port, args.repetitions) for _ in range(args.repeat)]
			assert all(r[1] == 3 * onus for r in ref), ref
			ref_s = statistics.median(r[0] for r in ref)
			rows.append(("snmpbulkwalk (net-snmp, C), 3 columns", onus, ref_s, None))

			target = OltTarget("OLT-BENCH", "127.0.0.1", "huawei", port=port, timeout=2, retries=1)
			polls, wall, cpu = run_poll([target], 1, None, args.repetitions)
			assert polls[0].ok and len(polls[0].onus) == onus, polls[0].error
			rows.append(("gigafibre poller, cold (new SNMP engine)", onus, wall, cpu))

			async def warm_runs():
				engine = SnmpEngine()
				await poll_olts([target], 1, args.repetitions, engine)  # warm-up: loads the engine's own MIBs
				times = []
				for _ in range(args.repeat):
					cpu0, wall0 = time.process_time(), time.perf_counter()
					(poll,) = await poll_olts([target], 1, args.repetitions, engine)
					assert poll.ok and len(poll.onus) == onus
					times.append((time.perf_counter() - wall0, time.process_time() - cpu0))
				engine.close_dispatcher()
				return times

			warm = asyncio.run(warm_runs())
			rows.append(
				(
					"gigafibre poller, warm (worker keeps engine)",
					onus,
					statistics.median(w for w, _ in warm),
					statistics.median(c for _, c in warm),
				)
			)

			print(
				f"\nOne OLT, {onus} ONUs x 3 columns ({3 * onus} varbinds), max-repetitions {args.repetitions}, "
				f"median of {args.repeat}"
			)
			print(f"{'':46} {'wall s':>8} {'ONU/s':>9} {'varbind/s':>10} {'ONU/s per CPU-s':>16}")
			for name, count, wall_s, cpu_s in rows:
				per_core = f"{count / cpu_s:16.0f}" if cpu_s else f"{'':>16}"
				print(f"{name:46} {wall_s:8.3f} {count / wall_s:9.0f} {3 * count / wall_s:10.0f} {per_core}")

			# Sixteen OLTs
			agents = []
			for _ in range(16):
				proc, agent_port = start_snmpd(directory, ports=1, onus=128)
				children.append(proc)
				agents.append(agent_port)
			direct = [
				OltTarget(f"OLT-{i:02}", "127.0.0.1", "huawei", port=p, timeout=2, retries=1)
				for i, p in enumerate(agents)
			]
			fronts = [free_udp_port() for _ in agents]
			ready = multiprocessing.Event()
			relay = multiprocessing.Process(
				target=_relay,
				args=(list(zip(fronts, agents, strict=True)), args.latency_ms / 1000, ready),
				daemon=True,
			)
			relay.start()
			children.append(relay)
			if not ready.wait(10):
				raise SystemExit("the latency relay did not start")
			slow = [
				OltTarget(t.name, "127.0.0.1", "huawei", port=p, timeout=3, retries=1)
				for t, p in zip(direct, fronts, strict=True)
			]

			async def sixteen(targets):
				engine = SnmpEngine()
				await poll_olts(targets[:1], 1, args.repetitions, engine)  # warm the engine
				wall0 = time.perf_counter()
				seq = await poll_olts(targets, 1, args.repetitions, engine)
				seq_wall = time.perf_counter() - wall0
				runs = []
				for _ in range(3):
					wall0, cpu0 = time.perf_counter(), time.process_time()
					conc = await poll_olts(targets, 16, args.repetitions, engine)
					runs.append((time.perf_counter() - wall0, time.process_time() - cpu0))
					bad = [p.error for p in seq + conc if not p.ok or len(p.onus) != 128]
					assert not bad, bad
				engine.close_dispatcher()
				conc_wall, conc_cpu = sorted(runs)[1]
				return seq_wall, conc_wall, conc_cpu, max(p.seconds for p in seq)

			print(f"\nSixteen OLTs x 128 ONUs ({16 * 128} ONUs), warm engine, concurrent = median of 3")
			print(
				f"{'':44} {'sequential s':>12} {'concurrent s':>13} {'(CPU s)':>8} {'slowest OLT s':>14} {'speed-up':>9}"
			)
			for label, targets in (
				("direct (loopback, manager CPU-bound)", direct),
				(f"+{args.latency_ms:.0f} ms agent latency per request", slow),
			):
				seq_wall, conc_wall, conc_cpu, slowest = asyncio.run(sixteen(targets))
				print(
					f"{label:44} {seq_wall:12.3f} {conc_wall:13.3f} {conc_cpu:8.3f} {slowest:14.3f} "
					f"{seq_wall / conc_wall:8.1f}x"
				)
			print(
				"slowest OLT: the longest single OLT of the sequential round (alone on the manager). "
				"Concurrent ends at max(slowest OLT, manager CPU for all ONUs).\n"
			)
		finally:
			for child in children:
				if isinstance(child, subprocess.Popen):
					child.terminate()
					try:
						child.wait(5)
					except subprocess.TimeoutExpired:
						child.kill()
				else:
					child.terminate()
					child.join(5)
			signal.alarm(0)


if __name__ == "__main__":
	main()
