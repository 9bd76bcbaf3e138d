"""A real InfluxDB 1.x (Debian's `influxd`) for tests, shared by pytest (tests/network/) and the bench
tests (gigafibre/tests/test_network_intel.py). No Frappe here.

`InfluxServer()` writes a config into a temporary directory (its own meta, data and WAL dirs, HTTP
and RPC on free ports of 127.0.0.1, reporting and the _internal monitor off), starts `influxd run`,
waits for `/ping` and stops it (and removes the directory) on exit. `INFLUXD` is None when the
binary is not installed: callers skip with `SKIP_REASON`.
"""

import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import requests

INFLUXD = shutil.which("influxd")
SKIP_REASON = "influxd is not installed (apt-get install -y influxdb): the InfluxDB tests need a real server"

CONFIG = """reporting-disabled = true
bind-address = "127.0.0.1:{rpc_port}"

[meta]
  dir = "{root}/meta"
  retention-autocreate = true
  logging-enabled = false

[data]
  dir = "{root}/data"
  wal-dir = "{root}/wal"
  query-log-enabled = false
  wal-fsync-delay = "0s"

[monitor]
  store-enabled = false

[http]
  enabled = true
  bind-address = "127.0.0.1:{http_port}"
  auth-enabled = false
  log-enabled = false
  pprof-enabled = false

[continuous_queries]
  enabled = false

[logging]
  level = "warn"
"""


def free_port() -> int:
	with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
		sock.bind(("127.0.0.1", 0))
		return sock.getsockname()[1]


class InfluxServer:
	def __init__(self, start_timeout: float = 30.0):
		if not INFLUXD:
			raise RuntimeError(SKIP_REASON)
		self.start_timeout = start_timeout
		self.root: Path | None = None
		self.process: subprocess.Popen | None = None
		self.url = ""

	def start(self) -> "InfluxServer":
		self.root = Path(tempfile.mkdtemp(prefix="gigafibre-influx-"))
		http_port, rpc_port = free_port(), free_port()
		while rpc_port == http_port:
			rpc_port = free_port()
		config = self.root / "influxdb.conf"
		config.write_text(CONFIG.format(root=self.root, http_port=http_port, rpc_port=rpc_port))
		self.url = f"http://127.0.0.1:{http_port}"
		self.log = open(self.root / "influxd.log", "wb")
		env = {k: v for k, v in os.environ.items() if not k.startswith("INFLUXDB_")}
		self.process = subprocess.Popen(
			[INFLUXD, "run", "-config", str(config)],
			stdout=self.log,
			stderr=subprocess.STDOUT,
			env=env,
		)
		deadline = time.monotonic() + self.start_timeout
		while time.monotonic() < deadline:
			if self.process.poll() is not None:
				break
			try:
				if requests.get(f"{self.url}/ping", timeout=1).status_code == 204:
					return self
			except requests.RequestException:
				pass
			time.sleep(0.1)
		output = (self.root / "influxd.log").read_text(errors="replace")[-2000:]
		self.stop()
		raise RuntimeError(f"influxd did not start on {self.url}:\n{output}")

	def stop(self) -> None:
		if self.process is not None:
			if self.process.poll() is None:
				self.process.terminate()
				try:
					self.process.wait(timeout=10)
				except subprocess.TimeoutExpired:
					self.process.kill()
					self.process.wait(timeout=5)
			self.process = None
			self.log.close()
		if self.root is not None:
			shutil.rmtree(self.root, ignore_errors=True)
			self.root = None

	def __enter__(self) -> "InfluxServer":
		return self.start()

	def __exit__(self, *exc) -> None:
		self.stop()
