"""Real SNMP peers for the poller tests: an snmpsim agent serving tests/network/snmprec/*.snmprec.

The community is the file name: `huawei-ma5800`, `zte-c300`.
"""

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

SNMPREC = Path(__file__).parent / "snmprec"


def free_udp_port() -> int:
	with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
		sock.bind(("127.0.0.1", 0))
		return sock.getsockname()[1]


def _snmp_get_sysdescr(port: int, community: str) -> bool:
	# a hand-built SNMPv2c GET of sysDescr.0, so readiness does not depend on the code under test
	from pysnmp.proto import api

	proto = api.PROTOCOL_MODULES[api.SNMP_VERSION_2C]
	pdu = proto.GetRequestPDU()
	proto.apiPDU.set_defaults(pdu)
	proto.apiPDU.set_varbinds(pdu, [("1.3.6.1.2.1.1.1.0", proto.Null(""))])
	msg = proto.Message()
	proto.apiMessage.set_defaults(msg)
	proto.apiMessage.set_community(msg, community)
	proto.apiMessage.set_pdu(msg, pdu)
	from pyasn1.codec.ber import encoder

	with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
		sock.settimeout(0.3)
		sock.sendto(encoder.encode(msg), ("127.0.0.1", port))
		try:
			sock.recvfrom(65535)
			return True
		except OSError:
			return False


@pytest.fixture(scope="session")
def snmpsim_agent(tmp_path_factory):
	"""(host, port) of an snmpsim agent; stopped at the end of the session."""
	exe = shutil.which("snmpsim-command-responder") or str(
		Path(sys.executable).parent / "snmpsim-command-responder"
	)
	if not Path(exe).exists():
		pytest.skip("snmpsim is not installed (pip install snmpsim pysmi)")
	port = free_udp_port()
	cache = tmp_path_factory.mktemp("snmpsim-cache")
	log = tmp_path_factory.mktemp("snmpsim-log") / "agent.log"
	env = dict(os.environ, SNMPSIM_ALLOW_ROOT="true")
	with open(log, "w") as out:
		proc = subprocess.Popen(
			[
				exe,
				f"--data-dir={SNMPREC}",
				f"--cache-dir={cache}",
				f"--agent-udpv4-endpoint=127.0.0.1:{port}",
				"--logging-method=stderr",
				"--log-level=error",
			],
			stdout=out,
			stderr=subprocess.STDOUT,
			env=env,
		)
	try:
		deadline = time.monotonic() + 20
		while not _snmp_get_sysdescr(port, "zte-c300"):
			if proc.poll() is not None or time.monotonic() > deadline:
				raise RuntimeError(f"snmpsim did not start: {log.read_text()[-2000:]}")
		yield ("127.0.0.1", port)
	finally:
		proc.terminate()
		try:
			proc.wait(5)
		except subprocess.TimeoutExpired:
			proc.kill()
			proc.wait()


@pytest.fixture(scope="session")
def influx():
	"""A real influxd (Debian's InfluxDB 1.x) in a temp dir on free ports; skipped when not installed."""
	from gigafibre.tests.influx_server import INFLUXD, SKIP_REASON, InfluxServer

	if not INFLUXD:
		pytest.skip(SKIP_REASON)
	with InfluxServer() as server:
		yield server
