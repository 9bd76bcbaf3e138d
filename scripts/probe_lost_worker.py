"""Probe (issue #13, webhooks and flow runs): a worker killed inside a flow action, with real commits.

Bench tests cannot show this (they run in one transaction that is rolled back, so nothing is ever
committed), so this script does it on a site, in child processes:

1. A Flow Template: call_webhook /first (answers at once), call_webhook /slow (its first call
   hangs 20 s), call_webhook /done, against a loopback peer.
2. A child process starts the run (what the flow job does) and is SIGKILLed while /slow waits.
   The run exists, committed: Running on `slow` with a lease, `first` recorded as succeeded.
3. While the lease is live, the desk's Retry is refused and a recovery job does nothing.
4. The lease is aged; the sweep lists the run; a child runs the recovery job it enqueues: /slow
   is called again (its outcome was unknown), /done once, the run Completed. A second recovery
   job changes nothing. /first was called once in all.

5. A Webhook Event stored Received whose job was lost: a child worker claims it (committed) and is
   SIGKILLed inside the handler. The row stays Processing with a lease; a second worker skips it;
   once the lease lapses the sweep lists it and a worker processes it: the handler's effect (a
   call to the peer) happens once, the row is Processed; a redelivery and another job do nothing.

Everything it made is deleted at the end. Run from the bench:
	cd /work/frappe-bench && env/bin/python /work/main/scripts/probe_lost_worker.py cad.localhost
"""

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

BENCH = "/work/frappe-bench"
HITS: Counter = Counter()


class Peer(BaseHTTPRequestHandler):
	def do_POST(self):
		self.rfile.read(int(self.headers.get("content-length") or 0))
		HITS[self.path] += 1
		if self.path == "/slow" and HITS[self.path] == 1:
			time.sleep(20)
		body = json.dumps({"ok": True, "path": self.path}).encode()
		try:
			self.send_response(200)
			self.send_header("content-type", "application/json")
			self.send_header("content-length", str(len(body)))
			self.end_headers()
			self.wfile.write(body)
		except BrokenPipeError:
			pass  # the caller was killed while this call waited

	def log_message(self, *args):
		pass


def connect(site: str):
	import frappe

	os.chdir(f"{BENCH}/sites")
	frappe.init(site=site, sites_path=".")
	frappe.connect()
	frappe.set_user("Administrator")
	return frappe


def child(mode: str, site: str, name: str) -> None:
	frappe = connect(site)
	from gigafibre.flows import runner

	if mode in ("slow-handler", "handler"):
		import types

		from gigafibre.webhooks import intake

		handlers = types.ModuleType("gigafibre.probe_handlers")

		def handle(doc):
			import requests

			if mode == "slow-handler":
				time.sleep(30)
			requests.post(json.loads(doc.raw_body)["peer"] + "/handled", json={}, timeout=5)

		handlers.handle = handle
		sys.modules["gigafibre.probe_handlers"] = handlers
		intake.process(name, "gigafibre.probe_handlers.handle")
	elif mode == "start":
		runner.start_run(name, "on_job_cancelled", None, None, {}, {}, dedupe_key=frappe.generate_hash())
	else:
		runner.recover_run(name)
	frappe.db.commit()


def spawn(mode: str, site: str, name: str) -> subprocess.Popen:
	return subprocess.Popen([sys.executable, os.path.abspath(__file__), f"child-{mode}", site, name])


def main(site: str) -> None:
	server = ThreadingHTTPServer(("127.0.0.1", 0), Peer)
	threading.Thread(target=server.serve_forever, daemon=True).start()
	url = f"http://127.0.0.1:{server.server_port}"
	frappe = connect(site)
	from frappe.utils import now_datetime

	from gigafibre.flows import runner

	def call(step_id, path):
		return {
			"step_id": step_id,
			"step_type": "action",
			"action": "call_webhook",
			"params": json.dumps({"url": url + path, "timeout": 30}),
		}

	template = frappe.get_doc(
		{
			"doctype": "Flow Template",
			"title": f"_Probe lost worker {frappe.generate_hash(length=6)}",
			"trigger_event": "on_job_cancelled",
			"enabled": 0,  # started by this script only, never by a real event
			"max_attempts": 3,
			"retry_backoff_seconds": 60,
			"steps": [call("first", "/first"), call("slow", "/slow"), call("done", "/done")],
		}
	).insert(ignore_permissions=True)
	frappe.db.commit()
	run_name = None
	try:
		worker = spawn("start", site, template.name)
		for _ in range(600):
			if HITS["/slow"]:
				break
			time.sleep(0.05)
		assert HITS["/slow"] == 1, "the child never reached the slow call"
		os.kill(worker.pid, signal.SIGKILL)
		worker.wait()
		print(f"killed the worker (pid {worker.pid}) while /slow waited; hits {dict(HITS)}")

		frappe.db.rollback()
		(run_name,) = frappe.get_all("Flow Run", filters={"flow_template": template.name}, pluck="name")
		run = frappe.get_doc("Flow Run", run_name)
		print(
			f"{run_name}: {run.status} on {run.current_step}, attempts {run.attempts}, "
			f"leased until {run.leased_until}; log {[(r.step_id, r.outcome) for r in run.log]}"
		)
		assert (run.status, run.current_step) == ("Running", "slow")
		assert ("first", "action_succeeded") in [(r.step_id, r.outcome) for r in run.log]

		try:
			run.retry_run()
			raise AssertionError("Retry accepted while the lease is live")
		except frappe.ValidationError as err:
			print(f"Retry while the lease is live: refused ({err})")
		frappe.clear_messages()
		spawn("recover", site, run_name).wait()
		frappe.db.rollback()
		assert frappe.db.get_value("Flow Run", run_name, "status") == "Running"
		print("a recovery job while the lease is live: nothing done")

		frappe.db.set_value(
			"Flow Run",
			run_name,
			"leased_until",
			now_datetime() - timedelta(minutes=2),
			update_modified=False,
		)
		frappe.db.commit()
		listed = []
		real = runner.enqueue_job
		runner.enqueue_job = lambda method, **kwargs: listed.append((method, kwargs.get("name")))
		try:
			runner.sweep_stale_runs()
		finally:
			runner.enqueue_job = real
		frappe.db.rollback()
		assert ("gigafibre.flows.runner.recover_run", run_name) in listed
		print(f"lease aged: the sweep enqueues recover_run for {run_name}")

		spawn("recover", site, run_name).wait()
		spawn("recover", site, run_name).wait()
		frappe.db.rollback()
		run = frappe.get_doc("Flow Run", run_name)
		print(
			f"{run_name}: {run.status}, hits {dict(HITS)}; log "
			f"{[(r.step_id, r.outcome, r.message[:40]) for r in run.log]}"
		)
		assert run.status == "Completed"
		assert (HITS["/first"], HITS["/slow"], HITS["/done"]) == (1, 2, 1)
		print("OK: committed before each effect, resumed once after the lease, nothing done twice")
		probe_webhook(frappe, site, url)
	finally:
		frappe.db.rollback()
		for name in frappe.get_all("Flow Run", filters={"flow_template": template.name}, pluck="name"):
			frappe.delete_doc("Flow Run", name, force=True, ignore_permissions=True)
		frappe.delete_doc("Flow Template", template.name, force=True, ignore_permissions=True)
		frappe.db.commit()
		server.shutdown()
		frappe.destroy()


def probe_webhook(frappe, site: str, url: str) -> None:
	from frappe.utils import now_datetime

	from gigafibre.webhooks import intake

	event_id = f"evt_probe_{frappe.generate_hash(length=12)}"
	row = frappe.get_doc(
		{
			"doctype": "Webhook Event",
			"source": "Stripe",
			"event_id": event_id,
			"event_type": "probe.lost_job",
			"received_at": now_datetime() - timedelta(minutes=10),
			"raw_body": json.dumps({"id": event_id, "peer": url}),
			"headers": "{}",
			"status": "Received",  # stored, its job lost
		}
	).insert(ignore_permissions=True)
	frappe.db.commit()
	try:
		worker = spawn("slow-handler", site, row.name)
		for _ in range(600):
			frappe.db.rollback()
			if frappe.db.get_value("Webhook Event", row.name, "status") == "Processing":
				break
			time.sleep(0.05)
		os.kill(worker.pid, signal.SIGKILL)
		worker.wait()
		frappe.db.rollback()
		held = frappe.db.get_value(
			"Webhook Event", row.name, ["status", "attempts", "leased_until"], as_dict=True
		)
		print(f"webhook: worker killed in the handler; {row.name} {held}")
		assert (held.status, held.attempts) == ("Processing", 1) and held.leased_until > now_datetime()

		spawn("handler", site, row.name).wait()  # a second worker while the lease is live
		frappe.db.rollback()
		assert frappe.db.get_value("Webhook Event", row.name, "status") == "Processing"
		assert HITS["/handled"] == 0
		print("webhook: a second worker while the lease is live skips it")

		frappe.db.set_value(
			"Webhook Event",
			row.name,
			"leased_until",
			now_datetime() - timedelta(seconds=1),
			update_modified=False,
		)
		frappe.db.commit()
		listed = []
		real = intake.enqueue_processing
		intake.enqueue_processing = lambda name, handler: listed.append(name)
		try:
			intake.sweep()
			frappe.db.rollback()
			assert row.name in listed
			print(f"webhook: lease lapsed, the sweep enqueues {row.name}")
			spawn("handler", site, row.name).wait()
			spawn("handler", site, row.name).wait()
			listed.clear()
			frappe.db.rollback()
			print(
				"webhook: after the workers",
				frappe.db.get_value("Webhook Event", row.name, ["status", "error"]),
			)
			intake.receive("Stripe", event_id, "probe.lost_job", b"{}", {}, "gigafibre.probe_handlers.handle")
			assert listed == [], "a redelivery of a processed event enqueued it"
		finally:
			intake.enqueue_processing = real
		frappe.db.rollback()
		done = frappe.db.get_value("Webhook Event", row.name, ["status", "attempts"], as_dict=True)
		print(f"webhook: {row.name} {done}, handler effects {HITS['/handled']}")
		assert (done.status, done.attempts, HITS["/handled"]) == ("Processed", 2, 1)
		print("OK: webhook processed exactly once after its worker was killed")
	finally:
		frappe.db.rollback()
		frappe.delete_doc("Webhook Event", row.name, force=True, ignore_permissions=True)
		frappe.db.commit()


if __name__ == "__main__":
	if sys.argv[1].startswith("child-"):
		child(sys.argv[1].removeprefix("child-"), sys.argv[2], sys.argv[3])
	else:
		main(sys.argv[1])
