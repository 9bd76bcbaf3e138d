"""The Frappe shell of the flow runtime: events in, Flow Runs stored, actions performed.

The document hook (`dispatch_event`) reads one cached entry and enqueues at most one job; the
background job (`handle_event`) starts and resumes runs, performs their actions and writes
every step to the Flow Run log. The engine (`flows/engine.py`) decides everything else.

Stored first, finished later: a run is committed before its first action starts, and each
action's outcome is committed with the next state, before the next action. A Running run holds
a lease (`leased_until`) while its worker performs the current step; the sweep
(`sweep_stale_runs`) hands a run whose lease lapsed to `recover_run` (the lost attempt counts,
the action is requested again or the run fails with the reason), and the desk's Retry may
restart it. Scheduler ticks only enqueue; the work is done in jobs.
"""

import json
from dataclasses import replace
from typing import Any

import frappe
from frappe import _
from frappe.utils import add_to_date, get_datetime, getdate, now_datetime, nowdate

from gigafibre import recovery
from gigafibre.flows import engine
from gigafibre.flows import recovery as lost_runs
from gigafibre.flows.actions import RunContext, perform
from gigafibre.flows.errors import ExpressionError
from gigafibre.jobs import enqueue as enqueue_job
from gigafibre.messaging.service import OPT_OUT_FIELD

LISTENERS_CACHE = "gigafibre:flow_listeners"
ARRANGEMENT_FIELD = "gigafibre_payment_arrangement_until"
WAKE_BATCH = 200


# ------------------------------------------------------------------ hook side: no I/O but an enqueue


def dispatch_event(event: str, doc=None, own_templates_only: bool = False, **context: Any) -> None:
	"""Enqueue the handling of `event` for `doc` when a template or a waiting run may care.

	One cached Redis read, and an enqueue only when something listens: a save pays nothing else.
	`own_templates_only`: templates for any document type are left to the event's main document.
	"""
	if frappe.flags.in_install or frappe.flags.in_migrate or frappe.flags.in_patch:
		return
	doctype = doc.doctype if doc is not None else None
	listeners = event_listeners(event)
	starts = (listeners["any_doctype"] and not own_templates_only) or doctype in listeners["doctypes"]
	if not starts and not listeners["awaited"]:
		return
	enqueue_job(
		"gigafibre.flows.runner.handle_event",
		flow_event=event,
		doctype=doctype,
		name=doc.name if doc is not None else None,
		# RQ pickles the dict; datetimes survive, the JSON form is made in the job.
		snapshot=doc.as_dict() if doc is not None else {},
		context=context,
		own_templates_only=own_templates_only,
	)


def event_listeners(event: str) -> dict:
	"""Who listens to `event`: the document types its enabled templates start on (`any_doctype`
	when one takes every type) and whether a run waits for it. Cached in Redis; dropped when a
	template is saved and, for one event, when a run starts waiting for it.
	"""
	return frappe.cache.hget(LISTENERS_CACHE, event, generator=lambda: _listeners_from_db(event))


def _listeners_from_db(event: str) -> dict:
	doctypes = {t.reference_doctype for t in enabled_templates(event)}
	return {
		"any_doctype": bool({None, ""} & doctypes),
		"doctypes": sorted(d for d in doctypes if d),
		"awaited": bool(frappe.db.exists("Flow Run", {"status": "Waiting", "waiting_event": event})),
	}


def enabled_templates(event: str, doctype: str | None = None, own_only: bool = False) -> list:
	"""Enabled templates of `event`; with `doctype`, those that start on it (or on any type)."""
	templates = frappe.get_all(
		"Flow Template",
		filters={"enabled": 1, "trigger_event": event},
		fields=["name", "reference_doctype"],
		order_by="name",
	)
	if doctype is None:
		return templates
	if own_only:
		return [t for t in templates if t.reference_doctype == doctype]
	return [t for t in templates if not t.reference_doctype or t.reference_doctype == doctype]


def clear_cache() -> None:
	frappe.cache.delete_value(LISTENERS_CACHE)


def snapshot_of(doc) -> dict:
	"""The document as JSON-able data (dates as strings), as runs store it in their context."""
	data = doc if isinstance(doc, dict) or doc is None else doc.as_dict()
	return json.loads(frappe.as_json(data)) if data else {}


# ------------------------------------------------------------------ background side


def handle_event(
	flow_event: str,
	doctype: str | None,
	name: str | None,
	snapshot: dict,
	context: dict,
	own_templates_only: bool = False,
) -> None:
	"""Start the runs this event calls for, then resume the runs waiting for it.

	(`flow_event`, not `event`: `frappe.enqueue` keeps that keyword for itself.)
	"""
	event = flow_event
	snapshot = snapshot_of(snapshot)
	fresh = extra_context(snapshot)
	context = {**fresh, **(context or {})}
	dedupe_key = str(context.pop("dedupe_key", "") or "")
	# Every run this event starts is stored and committed before the first of them acts.
	begun = [
		begun
		for template in enabled_templates(event, doctype, own_only=own_templates_only)
		if (begun := begin_run(template.name, event, doctype, name, snapshot, context, dedupe_key))
	]
	commit_step()
	for run, template, step in begun:
		drive(run, template, step)
	for run_name in frappe.get_all(
		"Flow Run",
		filters={
			"status": "Waiting",
			"waiting_event": event,
			"reference_doctype": doctype,
			"reference_name": name,
		},
		pluck="name",
	):
		run = frappe.get_doc("Flow Run", run_name, for_update=True)
		template = load_template(run.flow_template)
		drive(
			run,
			template,
			engine.resume_on_event(template, run_state(run), event, snapshot, now_datetime(), context=fresh),
		)


def extra_context(snapshot: dict) -> dict:
	"""What a template may read beside `doc`: the customer behind the document, when there is one.

	Read when a run starts and again each time it wakes (`resume_run`, the events it waits for),
	so a run that slept for days decides on the customer as they are now. `customer` holds name,
	customer_name, mobile_no, email_id, service_location, installed, install_job, sms_opt_out
	(answered STOP), payment_arrangement (an arrangement runs today: until that date, inclusive)
	and payment_arrangement_until."""
	customer = snapshot.get("customer")
	if not customer and snapshot.get("party_type") == "Customer":
		customer = snapshot.get("party")
	if not customer and snapshot.get("doctype") == "Customer":
		customer = snapshot.get("name")
	if not customer and snapshot.get("quotation_to") == "Customer":
		customer = snapshot.get("party_name")
	if not customer and snapshot.get("quotation_to") == "Lead" and snapshot.get("party_name"):
		# A Lead's quotation, once accepted: the Customer ERPNext made from that Lead.
		customer = frappe.db.get_value("Customer", {"lead_name": snapshot["party_name"]})
	if not customer or not frappe.db.exists("Customer", customer):
		return {"customer": {}}
	meta = frappe.get_meta("Customer")
	optional = [f for f in (OPT_OUT_FIELD, ARRANGEMENT_FIELD) if meta.has_field(f)]
	info = frappe.db.get_value(
		"Customer", customer, ["name", "customer_name", "mobile_no", "email_id", *optional], as_dict=True
	)
	info["sms_opt_out"] = bool(info.pop(OPT_OUT_FIELD, None))
	until = info.pop(ARRANGEMENT_FIELD, None)
	info["payment_arrangement_until"] = until
	info["payment_arrangement"] = bool(until and getdate(until) >= getdate(nowdate()))
	locations = frappe.get_all(
		"Service Location",
		filters={"customer": customer, "location_status": ("!=", "Inactive")},
		fields=["name", "location_status"],
		order_by="creation asc",
	)
	info["service_location"] = locations[0].name if locations else None
	info["installed"] = bool(
		frappe.db.exists("Service Equipment", {"customer": customer, "status": "Installed"})
	)
	info["install_job"] = frappe.db.get_value(
		"Dispatch Job", {"customer": customer, "job_type": "Install", "status": ("!=", "Cancelled")}
	)
	return {"customer": json.loads(frappe.as_json(info))}


def start_run(
	template_name: str,
	event: str,
	doctype: str | None,
	name: str | None,
	snapshot: dict,
	context: dict,
	dedupe_key: str = "",
) -> str | None:
	"""Start one run unless its condition says no or the same event already started it."""
	begun = begin_run(template_name, event, doctype, name, snapshot, context, dedupe_key)
	if not begun:
		return None
	drive(*begun)
	return begun[0].name


def begin_run(
	template_name: str,
	event: str,
	doctype: str | None,
	name: str | None,
	snapshot: dict,
	context: dict,
	dedupe_key: str = "",
) -> tuple | None:
	"""Insert the run in its first state (nothing performed yet): (run, template, step to drive)."""
	template = load_template(template_name)
	if template is None:
		return None
	try:
		if not engine.should_start(template, snapshot, context):
			return None
	except ExpressionError as err:
		frappe.log_error(
			title=_("Flow {0}: the condition failed").format(template_name),
			message=err.message.format(*err.args_),
			reference_doctype="Flow Template",
			reference_name=template_name,
		)
		return None
	key = engine.run_key(template_name, event, doctype, name, dedupe_key)
	if frappe.db.exists("Flow Run", {"run_key": key}):
		return None  # the same event for the same reference and template: one run
	now = now_datetime()
	step = engine.start(template, snapshot, event, now, **context)
	run = frappe.get_doc(
		{
			"doctype": "Flow Run",
			"flow_template": template_name,
			"trigger_event": event,
			"reference_doctype": doctype,
			"reference_name": name,
			"run_key": key,
			"status": "Running",
			"started_at": now,
			"leased_until": recovery.lease_until(now, lease_seconds()),
		}
	)
	frappe.db.savepoint("flow_run_insert")
	try:
		run.insert(ignore_permissions=True)
	except frappe.UniqueValidationError:
		# Another worker started it between our check and our insert.
		frappe.db.rollback(save_point="flow_run_insert")
		return None
	store(run, step.state)
	# Its log is stored: drive goes on from the same state without appending it again.
	return run, template, engine.Step(replace(step.state, log=[]), step.effects)


def drive(run, template: engine.FlowTemplate, step: engine.Step) -> None:
	"""Store each state the engine returns and perform its actions until the run pauses or ends.

	Each state is committed before the action it requests starts: a run exists before its first
	effect, and an action's outcome is kept (with the action's own writes) before the next one."""
	while True:
		store(run, step.state)
		commit_step()
		if not step.effects:
			return
		effect = step.effects[0]
		frappe.db.savepoint("flow_action")
		try:
			output = perform(
				effect.action,
				effect.params,
				RunContext(
					run=run.name, reference_doctype=run.reference_doctype, reference_name=run.reference_name
				),
			)
			output = json.loads(frappe.as_json(output))
		except Exception as err:
			frappe.db.rollback(save_point="flow_action")
			frappe.clear_messages()
			step = engine.action_failed(template, step.state, _error_text(err), now_datetime())
		else:
			step = engine.action_succeeded(template, step.state, output, now_datetime())


def store(run, state: engine.RunState) -> None:
	run.status = state.status
	run.current_step = state.current_step
	run.context = frappe.as_json(state.context, indent=1)
	run.wake_at = state.wake_at
	run.waiting_event = state.waiting_event
	run.attempts = state.attempts
	run.last_error = state.last_error
	# Running: a worker performs the current step and holds the run until the lease lapses.
	run.leased_until = (
		recovery.lease_until(now_datetime(), lease_seconds()) if state.status == engine.RUNNING else None
	)
	for entry in state.log:
		run.append(
			"log",
			{
				"logged_at": entry["at"],
				"step_id": entry["step_id"],
				"outcome": entry["outcome"],
				"message": entry["message"],
			},
		)
	if state.status in (engine.COMPLETED, engine.FAILED, engine.CANCELLED):
		run.finished_at = now_datetime()
	run.save(ignore_permissions=True)
	if state.status == engine.WAITING and state.waiting_event:
		# The hook must now enqueue this event even when no template starts on it; dropped again after
		# the commit, in case another request refilled the cache from the database before it.
		event = state.waiting_event
		frappe.cache.hdel(LISTENERS_CACHE, event)
		frappe.db.after_commit.add(lambda: frappe.cache.hdel(LISTENERS_CACHE, event))


def run_state(run) -> engine.RunState:
	return engine.RunState(
		status=run.status,
		current_step=run.current_step or "",
		context=json.loads(run.context or "{}"),
		wake_at=get_datetime(run.wake_at) if run.wake_at else None,
		waiting_event=run.waiting_event or None,
		attempts=run.attempts or 0,
		last_error=run.last_error or "",
	)


def load_template(name: str) -> engine.FlowTemplate | None:
	if not frappe.db.exists("Flow Template", name):
		return None
	return engine.FlowTemplate.from_dict(frappe.get_doc("Flow Template", name).as_dict())


def wake_due_runs() -> int:
	"""Scheduler, every minute: enqueue one job per run whose wait or retry delay is over."""
	due = frappe.get_all(
		"Flow Run",
		filters={"status": "Waiting", "wake_at": ("<=", now_datetime())},
		pluck="name",
		order_by="wake_at asc",
		limit=WAKE_BATCH,
	)
	for name in due:
		enqueue_job(
			"gigafibre.flows.runner.resume_run", job_id=f"flow-run-wake:{name}", deduplicate=True, name=name
		)
	return len(due)


def resume_run(name: str) -> None:
	"""Job: resume a Waiting run whose wake_at has come (a late or repeated job finds it moved on)."""
	run = frappe.get_doc("Flow Run", name, for_update=True)
	if run.status != engine.WAITING or not run.wake_at or get_datetime(run.wake_at) > now_datetime():
		return
	template = load_template(run.flow_template)
	if template is None:
		store(run, engine.cancel(run_state(run), now_datetime()).state)
		return
	doc = _reference(run)
	drive(
		run,
		template,
		engine.resume_on_time(template, run_state(run), now_datetime(), doc=doc, context=_fresh(doc)),
	)


def _fresh(doc: dict | None) -> dict | None:
	"""The extra context read again for a waking run; None (keep the stored one) when its document
	is gone."""
	return extra_context(doc) if doc else None


def _reference(run) -> dict | None:
	"""The run's document as it is now, or None when it is gone."""
	if (
		run.reference_doctype
		and run.reference_name
		and frappe.db.exists(run.reference_doctype, run.reference_name)
	):
		return snapshot_of(frappe.get_doc(run.reference_doctype, run.reference_name))
	return None


def lease_seconds() -> int:
	from frappe.utils.background_jobs import get_queues_timeout

	return recovery.lease_seconds(get_queues_timeout().get("short"))


def lease_lapsed(run, now=None) -> bool:
	"""Whether `run` was left Running by a lost worker."""
	return recovery.run_lease_lapsed(
		run.status,
		get_datetime(run.leased_until) if run.leased_until else None,
		get_datetime(run.modified) if run.modified else None,
		now or now_datetime(),
		lease_seconds(),
	)


def sweep_stale_runs() -> int:
	"""Scheduler, every two minutes: enqueue `recover_run` for each run whose lease lapsed."""
	now = now_datetime()
	stale = frappe.get_all(
		"Flow Run",
		filters={"status": "Running", "leased_until": ("<=", now)},
		pluck="name",
		order_by="leased_until asc",
		limit=WAKE_BATCH,
	) + frappe.get_all(
		"Flow Run",  # runs stored before leases existed
		filters={
			"status": "Running",
			"leased_until": ("is", "not set"),
			"modified": ("<", add_to_date(now, seconds=-lease_seconds())),
		},
		pluck="name",
		limit=WAKE_BATCH,
	)
	for name in stale:
		enqueue_job(
			"gigafibre.flows.runner.recover_run",
			job_id=f"flow-run-recover:{name}",
			deduplicate=True,
			name=name,
		)
	return len(stale)


def recover_run(name: str) -> None:
	"""Job: a run its worker left Running. The lost attempt counts (the action's outcome is
	unknown); the action is performed again, or waits out its backoff, or the run fails with
	"Worker lost during step X" after the template's last attempt."""
	run = frappe.get_doc("Flow Run", name, for_update=True)
	now = now_datetime()
	if not lease_lapsed(run, now):
		return  # finished meanwhile, or a live worker holds it
	template = load_template(run.flow_template)
	if template is None:
		store(run, engine.cancel(run_state(run), now).state)
		return
	lapsed_at = (
		get_datetime(run.leased_until)
		if run.leased_until
		else add_to_date(get_datetime(run.modified), seconds=lease_seconds())
	)
	doc = _reference(run)
	drive(
		run,
		template,
		lost_runs.worker_lost(template, run_state(run), lapsed_at, now, doc=doc, context=_fresh(doc)),
	)


def retry_run(name: str) -> None:
	"""Job (the desk's Retry): a Failed run, or one its worker left Running, from its current step."""
	run = frappe.get_doc("Flow Run", name, for_update=True)
	template = load_template(run.flow_template)
	if template is None:
		frappe.throw(_("Flow template {0} no longer exists.").format(run.flow_template))
	if run.status == engine.FAILED:
		drive(run, template, engine.retry(template, run_state(run), now_datetime()))
	elif lease_lapsed(run):
		drive(run, template, lost_runs.retry_lost(template, run_state(run), now_datetime()))


def cancel_run(name: str) -> None:
	run = frappe.get_doc("Flow Run", name, for_update=True)
	store(run, engine.cancel(run_state(run), now_datetime()).state)


def _error_text(err: Exception) -> str:
	message = getattr(err, "message", None)
	if isinstance(message, str) and hasattr(err, "args_"):
		return _(message).format(*err.args_)
	return str(err) or err.__class__.__name__


def commit_step() -> None:
	"""Keep what is stored so far (runs are driven in jobs, never in a request a person waits on).
	Bench tests run in one transaction that is rolled back: no commit there; they patch this to
	see what would be committed when."""
	if not frappe.flags.in_test:
		frappe.db.commit()
