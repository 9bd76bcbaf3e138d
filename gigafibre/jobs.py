"""Background work the house way: RQ's short queue (or the one named), enqueued only once the
request commits.

Bench tests set `frappe.flags.gigafibre_jobs_inline` to run the job at once, in their own
transaction (jobs enqueued after a commit never run in a test that rolls back).
"""

import frappe


def enqueue(method: str, queue: str = "short", **kwargs):
	return frappe.enqueue(
		method,
		queue=queue,
		enqueue_after_commit=True,
		now=bool(frappe.flags.gigafibre_jobs_inline),
		**kwargs,
	)
