"""Runs per second of the flow engine on a 10-step template, in-process and without Frappe.

One run = start + every resumption until Completed: 3 actions reported back, a duration wait,
an event wait, 3 conditions and 2 set steps (Jinja evaluation included; compiled expressions are
cached, as on the hook path). Prints the median of `--repeats` timings of `--runs` runs each.

	python benchmarks/flow_engine_throughput.py [--runs 2000] [--repeats 5]
"""

import argparse
import statistics
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout, uninstalled

from gigafibre.flows import engine

TEMPLATE = engine.FlowTemplate.from_dict(
	{
		"name": "Benchmark: install after payment",
		"trigger_event": "on_payment_received",
		"condition": "doc.paid_amount > 0",
		"steps": [
			{
				"step_id": "paid",
				"step_type": "condition",
				"expression": "doc.paid_amount >= 100",
				"else_step": "end",
			},
			{
				"step_id": "greet",
				"step_type": "set",
				"set_key": "greeting",
				"expression": "'Bonjour ' ~ doc.customer_name",
			},
			{
				"step_id": "job",
				"step_type": "action",
				"action": "create_job",
				"params": '{"customer": "{{ doc.customer }}", "amount": "{{ doc.paid_amount }}"}',
			},
			{
				"step_id": "has_job",
				"step_type": "condition",
				"expression": "steps.job.name is defined",
				"else_step": "end",
			},
			{"step_id": "pause", "step_type": "wait", "wait_kind": "duration", "wait_seconds": 600},
			{
				"step_id": "sms",
				"step_type": "action",
				"action": "send_sms",
				"params": {"to": "{{ doc.mobile }}", "body": "{{ vars.greeting }}, job {{ steps.job.name }}"},
			},
			{
				"step_id": "done",
				"step_type": "wait",
				"wait_kind": "event",
				"wait_event": "on_job_complete",
				"timeout_seconds": 259200,
				"timeout_step": "end",
			},
			{
				"step_id": "label",
				"step_type": "set",
				"set_key": "summary",
				"expression": "steps.job.name ~ ' ' ~ doc.status",
			},
			{
				"step_id": "invoice",
				"step_type": "action",
				"action": "make_invoice",
				"params": {"job": "{{ steps.job.name }}"},
			},
			{"step_id": "end", "step_type": "end"},
		],
	}
)
DOC = {
	"name": "PE-0001",
	"customer": "C-001",
	"customer_name": "Ana",
	"mobile": "+15145550000",
	"paid_amount": 150.0,
}
JOB = {"name": "JOB-0001", "status": "Completed"}
NOW = datetime(2025, 3, 10, 9, 0)


def one_run() -> engine.RunState:
	state, _ = engine.start(TEMPLATE, DOC, "on_payment_received", NOW)
	while state.status in (engine.RUNNING, engine.WAITING):
		if state.status == engine.RUNNING:
			output = {"name": "JOB-0001"} if state.current_step == "job" else {"ok": True}
			state, _ = engine.action_succeeded(TEMPLATE, state, output, NOW)
		elif state.waiting_event:
			state, _ = engine.resume_on_event(TEMPLATE, state, state.waiting_event, JOB, NOW)
		else:
			state, _ = engine.resume_on_time(TEMPLATE, state, state.wake_at + timedelta(seconds=1))
	return state


def main() -> None:
	parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
	parser.add_argument("--runs", type=int, default=2000)
	parser.add_argument("--repeats", type=int, default=5)
	args = parser.parse_args()

	final = one_run()  # warm the expression caches, and check the path
	assert final.status == engine.COMPLETED and final.current_step == "end", final
	assert final.context["vars"]["summary"] == "JOB-0001 Completed", final.context

	rates = []
	for _ in range(args.repeats):
		began = time.perf_counter()
		for _ in range(args.runs):
			one_run()
		rates.append(args.runs / (time.perf_counter() - began))
	print(
		f"flow engine: {statistics.median(rates):,.0f} runs/s "
		f"(10-step template, median of {args.repeats} x {args.runs} runs; "
		f"min {min(rates):,.0f}, max {max(rates):,.0f}; Python {sys.version.split()[0]})"
	)


if __name__ == "__main__":
	main()
