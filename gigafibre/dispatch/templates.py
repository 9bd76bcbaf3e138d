"""Job Templates applied to Dispatch Jobs, and the checklist gate at completion.

`apply_template(job, template)` is the one place a template's values reach a job: job type,
duration, skills, checklist and equipment to bring (and its instructions into an empty
description). Dispatch Job's controller calls `fill_from_template` on every save, so a job made
by hand, by a flow's create_document or by onboarding gets the same copy; a job from an order
(onboarding, subscription changes) without a template takes its type's default template
("Default for Jobs from Orders"). The rules of the checklist itself are pure
(`gigafibre.dispatch.checklist`).
"""

import json
from pathlib import Path

import frappe
from frappe import _
from frappe.utils import now_datetime

from gigafibre.dispatch import checklist

SEEDS = Path(__file__).parent / "seed_job_templates.json"


class ChecklistIncomplete(frappe.ValidationError):
	"""Completion refused: required checklist items are not done (the message names them)."""

	http_status_code = 409


def apply_template(job, template: str, replace: bool = True) -> None:
	"""Copy the template's values onto the (unsaved) job. `replace`: the checklist and equipment
	to bring are replaced; otherwise they are only filled when empty."""
	tpl = frappe.get_cached_doc("Job Template", template)
	job.job_template = tpl.name
	job.job_type = tpl.job_type
	if tpl.default_duration:
		job.expected_duration = tpl.default_duration
	if tpl.required_skills:
		job.set("required_skills", [{"skill": row.skill} for row in tpl.required_skills])
	if replace or not job.get("checklist"):
		job.set("checklist", [checklist.copy_item(item) for item in tpl.checklist_items])
	if replace or not job.get("equipment_to_bring"):
		job.set(
			"equipment_to_bring",
			[
				{
					"equipment_type": row.equipment_type,
					"item": row.item,
					"item_name": row.item_name,
					"qty": row.qty,
				}
				for row in tpl.equipment_to_bring
			],
		)
	if tpl.instructions and not _text(job.get("description")):
		job.description = tpl.instructions


def default_template(job_type: str) -> str | None:
	"""The enabled template marked default for jobs of this type from orders, if any."""
	return frappe.db.get_value(
		"Job Template",
		{"job_type": job_type, "use_for_orders": 1, "disabled": 0},
		"name",
		order_by="name asc",
	)


def fill_from_template(job) -> None:
	"""Dispatch Job validate: a job whose template is new or changed, with an empty checklist,
	takes the template's values; a new job from an order without one takes its type's default."""
	if job.is_new() and not job.job_template and job.source == "Order" and job.job_type:
		if found := default_template(job.job_type):
			job.job_template = found
	if not job.job_template:
		return
	changed = job.is_new() or job.has_value_changed("job_template")
	if changed and not job.get("checklist"):
		if frappe.db.get_value("Job Template", job.job_template, "disabled"):
			frappe.throw(_("Job Template {0} is disabled.").format(job.job_template))
		apply_template(job, job.job_template, replace=False)


def check_rows(job, done_by: str | None = None) -> None:
	"""The checklist rows as saved: each row valid, done stamped (when and by whom) or cleared."""
	from gigafibre.validation import user_errors

	with user_errors():
		checklist.check_items(job.get("checklist") or [])
	who = done_by or frappe.session.user
	for row in job.get("checklist") or []:
		if row.kind == checklist.PHOTO:
			row.done = 1 if row.photo else 0
		elif row.kind == checklist.SCAN:
			row.done = 1 if row.scanned_equipment else 0
		if row.done and not row.done_at:
			row.done_at = now_datetime()
			row.done_by = row.done_by or who
		elif not row.done:
			row.done_at = row.done_by = None


def check_complete(job) -> None:
	"""Refuse Completed while required items are missing, naming each (ChecklistIncomplete, 409)."""
	missing = checklist.missing(job.get("checklist") or [])
	if missing:
		frappe.throw(
			checklist.incomplete_message(missing, _),
			exc=ChecklistIncomplete,
			title=_("Checklist incomplete"),
		)


def row_state(row) -> dict:
	"""A checklist row as the technician page shows it, with why it is not done yet."""
	found = checklist.problem(row)
	low, high = checklist.bounds(row)
	return {
		"name": row.name,
		"label": row.label,
		"kind": row.kind,
		"required": bool(row.required),
		"unit": row.unit,
		"min": low,
		"max": high,
		"range": checklist.describe_range(row) if row.kind == checklist.MEASUREMENT else "",
		"equipment_type": row.equipment_type or None,
		"done": bool(row.done),
		"value": row.value if row.kind == checklist.MEASUREMENT and row.done else None,
		"has_photo": bool(row.photo),
		"scanned_equipment": row.scanned_equipment,
		"ok": found is None,
		"problem": found.message(_) if found else None,
	}


# ---------------------------------------------------------------- seeds


def ensure_seed_templates() -> None:
	"""The seed templates (French), created once each; a template a manager edited (or deleted and
	made again under the same name) is never overwritten."""
	for seed in json.loads(SEEDS.read_text(encoding="utf-8")):
		if frappe.db.exists("Job Template", seed["template_name"]):
			continue
		values = dict(seed)
		if values.get("use_for_orders") and frappe.db.exists(
			"Job Template", {"job_type": values["job_type"], "use_for_orders": 1, "disabled": 0}
		):
			values["use_for_orders"] = 0  # the site already chose its default for this type
		for row in values.get("required_skills") or []:
			if not frappe.db.exists("Tag", row["skill"]):
				frappe.get_doc({"doctype": "Tag", "__newname": row["skill"]}).insert(ignore_permissions=True)
		frappe.get_doc({"doctype": "Job Template", **values}).insert(ignore_permissions=True)


def _text(value) -> str:
	import re

	return re.sub(r"<[^>]+>", "", value or "").strip()
