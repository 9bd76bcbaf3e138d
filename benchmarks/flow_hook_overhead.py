"""What the flow runtime's document hook adds to a save, with 0, 10 and 100 enabled templates.

Each sample is one Dispatch Job reassignment (a save that fires `on_job_assigned`) followed by a
commit, where the hook's enqueue really reaches Redis. The same saves with the hook replaced by a
no-op are the baseline, alternated save by save with the measured ones in the same run. Every sample starts with an empty request-level
cache, as a new web request would. Needs a bench site with the app installed:

	cd <bench>/sites && ../env/bin/python <repo>/benchmarks/flow_hook_overhead.py --site <site>

It creates its own location, technicians, job and templates, and deletes them (and the queued
jobs it caused) at the end.
"""

import argparse
import json
import statistics
import time

import frappe

PREFIX = "_Bench hook"


def _setup(templates: int) -> None:
	for name in frappe.get_all("Flow Template", filters={"title": ("like", f"{PREFIX}%")}, pluck="name"):
		frappe.delete_doc("Flow Template", name, force=True)
	for i in range(templates):
		frappe.get_doc(
			{
				"doctype": "Flow Template",
				"title": f"{PREFIX} {i:03d}",
				"trigger_event": "on_job_assigned",
				"reference_doctype": "Dispatch Job",
				"condition": f"doc.priority == 'Urgent' and {i} >= 0",
				"steps": [{"step_id": "end", "step_type": "end"}],
			}
		).insert()
	frappe.db.commit()


def _paired_samples(
	job, technicians: list[str], count: int, hook, no_hook
) -> tuple[list[float], list[float]]:
	"""Alternate hook off / hook on, save after save, so drift (disk, Redis) hits both alike."""
	from gigafibre.flows import doc_events

	timings: dict[bool, list[float]] = {False: [], True: []}
	for i in range(count * 2):
		hook_on = bool(i % 2)
		doc_events.dispatch_job_updated = hook if hook_on else no_hook
		frappe.local.cache = {}
		job.technician = technicians[i % 2 == 0]
		start = time.perf_counter()
		job.save()
		frappe.db.commit()
		timings[hook_on].append((time.perf_counter() - start) * 1000)
	doc_events.dispatch_job_updated = hook
	return timings[False], timings[True]


def _no_hook(doc, method=None) -> None:
	pass


def main() -> None:
	parser = argparse.ArgumentParser()
	parser.add_argument("--site", required=True)
	parser.add_argument("--saves", type=int, default=300)
	args = parser.parse_args()
	frappe.init(site=args.site, sites_path=".")
	frappe.connect()
	frappe.set_user("Administrator")
	from frappe.utils.background_jobs import get_queue

	from gigafibre.flows import doc_events

	location = frappe.get_doc(
		{
			"doctype": "Service Location",
			"address_line1": f"{PREFIX} 1 rue du Banc",
			"city": "Montréal",
			"postal_code": "H2X 1Y4",
		}
	).insert()
	technicians = [
		frappe.get_doc({"doctype": "Technician", "full_name": f"{PREFIX} tech {i}"}).insert().name
		for i in range(2)
	]
	job = frappe.get_doc(
		{
			"doctype": "Dispatch Job",
			"subject": PREFIX,
			"job_type": "Repair",
			"service_location": location.name,
		}
	).insert()
	frappe.db.commit()
	queue = get_queue("short")
	queued_before = set(queue.job_ids)
	hook = doc_events.dispatch_job_updated
	results = {}
	try:
		for templates in (0, 10, 100):
			_setup(templates)
			_paired_samples(job, technicians, 20, hook, _no_hook)  # warm caches and the connection
			off, on = _paired_samples(job, technicians, args.saves, hook, _no_hook)
			results[templates] = (statistics.median(off), statistics.median(on))
	finally:
		doc_events.dispatch_job_updated = hook
		_setup(0)
		for job_id in set(queue.job_ids) - queued_before:
			queue.remove(job_id)
		frappe.db.delete("Flow Run", {"reference_name": job.name})
		frappe.delete_doc("Dispatch Job", job.name, force=True)
		for name in technicians:
			frappe.delete_doc("Technician", name, force=True)
		frappe.delete_doc("Service Location", location.name, force=True)
		frappe.db.commit()
	print(f"flow hook overhead per Dispatch Job save + commit (median of {args.saves} saves each)")
	print(f"{'templates':>10} {'hook off ms':>12} {'hook on ms':>11} {'added ms':>9}")
	for templates, (off, on) in results.items():
		print(f"{templates:>10} {off:>12.3f} {on:>11.3f} {on - off:>9.3f}")
	print(json.dumps({str(k): round(v[1] - v[0], 3) for k, v in results.items()}))


if __name__ == "__main__":
	main()
