"""Every inbound webhook lands here after its signature is checked: one Webhook Event row per
provider event id (raw body and the headers that matter), then a background job processes it.

Stored first, finished later: the job is only the fast path. It claims the row first (status
Processing with a lease, committed) so two workers never process one event, then runs the handler
and marks the row Processed in the handler's own transaction. A row whose job was lost (a queue
flushed, a worker killed) is taken up by `sweep` — still Received past a grace period, or
Processing past its lease — and so is one whose event is delivered again. A failed processing
keeps the row (status Failed, the error, attempts) and is retried by the scheduler with a growing
delay. Handlers run as Administrator (the sender was verified on receipt).
"""

import hmac
import json

import frappe
from frappe import _
from frappe.utils import now_datetime

from gigafibre import recovery
from gigafibre.jobs import enqueue as enqueue_job

# Headers kept with the body: enough to re-verify or debug, never a credential.
KEPT_HEADERS = (
	"content-type",
	"user-agent",
	"stripe-signature",
	"x-twilio-signature",
	"x-request-id",
	"x-forwarded-for",
)
MAX_ATTEMPTS = 5
SWEEP_BATCH = 200


class BadSignature(frappe.ValidationError):
	"""A webhook whose signature does not verify: 400, nothing stored."""

	http_status_code = 400


def require_shared_secret(setting: str, given: str | None, message: str) -> None:
	"""For senders that sign nothing but repeat a secret (Uptime Kuma, 3CX, DocuSeal): 400 and
	nothing stored unless `given` matches Gigafibre Settings' `setting`; none set refuses all."""
	secret = frappe.get_single("Gigafibre Settings").get_password(setting, raise_exception=False) or ""
	if not secret or not hmac.compare_digest((given or "").encode(), secret.encode()):
		frappe.throw(message, exc=BadSignature)


def receive(
	source: str, event_id: str, event_type: str, raw_body: bytes | str, headers, handler: str
) -> tuple[str, bool]:
	"""Store the event once and enqueue `handler(webhook_event_doc)`; (row name, was a replay).

	A replay of an event not yet processed (its job lost) enqueues its processing again."""
	# Stripped as the Data field stores it: an id of blanks is no id (not a 417 on the insert).
	event_id = (event_id or "").strip()
	if not event_id:
		frappe.throw(_("The webhook has no event id."), exc=BadSignature)
	existing = frappe.db.get_value(
		"Webhook Event",
		{"source": source, "event_id": event_id},
		["name", "status", "leased_until"],
		as_dict=True,
	)
	if existing:
		if recovery.redelivery_processes(existing.status, existing.leased_until, now_datetime()):
			enqueue_processing(existing.name, handler)
		return existing.name, True
	body = raw_body.decode("utf-8", "replace") if isinstance(raw_body, bytes) else raw_body
	kept = {k: v for k, v in (headers or {}).items() if k.lower() in KEPT_HEADERS}
	doc = frappe.get_doc(
		{
			"doctype": "Webhook Event",
			"source": source,
			"event_id": event_id[:140],
			"event_type": (event_type or "")[:140],
			"received_at": now_datetime(),
			"raw_body": body,
			"headers": json.dumps(kept, indent=1),
			"status": "Received",
		}
	)
	frappe.db.savepoint("webhook_intake")
	try:
		doc.insert(ignore_permissions=True)
	except frappe.UniqueValidationError:
		# The same event delivered twice at once: the other request stored it.
		frappe.db.rollback(save_point="webhook_intake")
		return frappe.db.get_value("Webhook Event", {"source": source, "event_id": event_id}, "name"), True
	enqueue_processing(doc.name, handler)
	return doc.name, False


def enqueue_processing(name: str, handler: str) -> None:
	"""Once: a job still queued for this row is not queued twice (the claim guards the rest)."""
	enqueue_job(
		"gigafibre.webhooks.intake.process",
		job_id=f"webhook-event:{name}",
		deduplicate=True,
		name=name,
		handler=handler,
	)


def lease_seconds() -> int:
	from frappe.utils.background_jobs import get_queues_timeout

	return recovery.lease_seconds(get_queues_timeout().get("short"))


def claim(name: str) -> bool:
	"""Take the row for this worker: status Processing with a lease, an attempt counted, committed
	(a worker killed later leaves it Processing until the lease lapses). False when it is done,
	held by a live worker, or given up after MAX_ATTEMPTS lost workers (then Failed)."""
	row = frappe.db.get_value(
		"Webhook Event", name, ["status", "leased_until", "attempts"], as_dict=True, for_update=True
	)
	if not row:
		return False
	now = now_datetime()
	decision = recovery.webhook_claim(row.status, row.leased_until, row.attempts, now, MAX_ATTEMPTS)
	if decision == recovery.SKIP:
		return False
	if decision == recovery.GIVE_UP:
		frappe.db.set_value(
			"Webhook Event",
			name,
			{
				"status": "Failed",
				"leased_until": None,
				"error": _("The worker processing this event was lost {0} times.").format(row.attempts),
			},
		)
		commit()
		return False
	frappe.db.set_value(
		"Webhook Event",
		name,
		{
			"status": "Processing",
			"leased_until": recovery.lease_until(now, lease_seconds()),
			"attempts": (row.attempts or 0) + 1,
		},
	)
	commit()
	return True


def process(name: str, handler: str) -> None:
	"""Background job: claim the row, run the handler once; Processed, Ignored (handler returned
	"ignored") or Failed, written with the handler's work."""
	if not claim(name):
		return
	doc = frappe.get_doc("Webhook Event", name, for_update=True)
	frappe.db.savepoint("webhook_process")
	# The sender was verified on receipt: its records are written as Administrator (the job
	# otherwise runs as the request's Guest).
	user = frappe.session.user
	frappe.set_user("Administrator")
	try:
		outcome = frappe.get_attr(handler)(doc)
	except Exception as err:
		frappe.db.rollback(save_point="webhook_process")
		frappe.clear_messages()
		doc.db_set(
			{
				"status": "Failed",
				"leased_until": None,
				"error": (getattr(err, "message", None) and str(err)) or str(err) or err.__class__.__name__,
			}
		)
		frappe.log_error(
			title=_("Webhook {0} failed").format(name), reference_doctype="Webhook Event", reference_name=name
		)
		return
	finally:
		frappe.set_user(user)
	doc.db_set(
		{
			"status": "Ignored" if outcome == "ignored" else "Processed",
			"processed_at": now_datetime(),
			"leased_until": None,
			"error": None,
		}
	)


def commit() -> None:
	"""Commit a claim. Bench tests run in one transaction that is rolled back: no commit there."""
	if not frappe.flags.in_test:
		frappe.db.commit()


def sweep() -> int:
	"""Scheduler, every two minutes: enqueue the rows whose job was lost — Received for longer than
	the grace period, or Processing past their lease. Only enqueues; the job claims."""
	now = now_datetime()
	stale = frappe.get_all(
		"Webhook Event",
		filters={"status": "Received", "received_at": ("<", recovery.grace_cutoff(now))},
		fields=["name", "source"],
		order_by="received_at asc",
		limit=SWEEP_BATCH,
	) + frappe.get_all(
		"Webhook Event",
		filters={"status": "Processing", "leased_until": ("<", now)},
		fields=["name", "source"],
		order_by="leased_until asc",
		limit=SWEEP_BATCH,
	)
	swept = 0
	for row in stale:
		handler = handler_for(row.source)
		if handler:
			enqueue_processing(row.name, handler)
			swept += 1
	return swept


def retry_failed() -> int:
	"""Scheduler, hourly: failed events again, waiting 2^attempts hours, up to MAX_ATTEMPTS."""
	retried = 0
	now = now_datetime()
	for row in frappe.get_all(
		"Webhook Event",
		filters={"status": "Failed", "attempts": ("<", MAX_ATTEMPTS)},
		fields=["name", "source", "attempts", "modified"],
		limit=200,
	):
		handler = handler_for(row.source)
		if handler and recovery.failed_retry_due(row.attempts, row.modified, now, MAX_ATTEMPTS):
			enqueue_processing(row.name, handler)
			retried += 1
	return retried


def handler_for(source: str) -> str | None:
	"""The processing function for a source, from the `gigafibre_webhook_handlers` hook."""
	handler = frappe.get_hooks("gigafibre_webhook_handlers", {}).get(source)
	if isinstance(handler, list):
		return handler[-1] if handler else None
	return handler
