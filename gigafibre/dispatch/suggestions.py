"""Every technician ranked for one job, with the reasons in the reader's language."""

import frappe
from frappe import _

from gigafibre.dispatch import scoring
from gigafibre.dispatch import status as job_status
from gigafibre.dispatch.day import iso, job_date, read_day, weights
from gigafibre.validation import user_errors


def suggest(job: str) -> dict:
	"""Every technician ranked for `job` on its day, with the reasons in the reader's language."""
	doc = frappe.get_doc("Dispatch Job", job)
	if doc.status in job_status.CLOSED:
		frappe.throw(_("Job {0} is {1}: it can no longer be assigned.").format(job, _(doc.status)))
	day = job_date(doc)
	model = read_day(day, extra_jobs=[doc.name], unpin=doc.name)
	for item in model.excluded:
		if item["job"] == doc.name:
			frappe.throw(_("Job {0} cannot be planned: {1}").format(doc.name, item["reason"]))
	if model.problem is None or not model.problem.technicians:
		return {"job": doc.name, "date": str(day), "candidates": []}
	with user_errors():
		ranked = scoring.rank(model.problem, model.current_sequences(), doc.name, weights(), affinity(doc))
	return {
		"job": doc.name,
		"date": str(day),
		"candidates": [
			{
				"technician": c.technician,
				"technician_name": model.technicians[c.technician].full_name,
				"eligible": c.eligible,
				"score": c.score,
				"start": iso(model.at(c.start)) if c.start is not None else None,
				"travel_minutes": round(c.travel / 60) if c.travel is not None else None,
				"added_travel_minutes": round(c.added_travel / 60) if c.added_travel is not None else None,
				"reasons": [
					_(r.text).format(*(_(a) if isinstance(a, str) else a for a in r.args)) for r in c.reasons
				],
				"factors": c.factors,
			}
			for c in ranked
		],
	}


def affinity(doc) -> dict[str, int]:
	"""Completed jobs per technician for this customer or at this location."""
	conditions = {"service_location": doc.service_location}
	if doc.customer:
		conditions["customer"] = doc.customer
	counts: dict[str, int] = {}
	for row in frappe.get_all(
		"Dispatch Job",
		filters={"status": job_status.COMPLETED, "technician": ["is", "set"], "name": ["!=", doc.name]},
		or_filters=conditions,
		fields=["technician", "count(name) as n"],
		group_by="technician",
	):
		counts[row.technician] = row.n
	return counts
