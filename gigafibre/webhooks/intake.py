"""Every inbound webhook lands here after its signature is checked: one Webhook Event row per
provider event id (raw body and the headers that matter), then a background job processes it.

Handlers run as Administrator (the sender was verified on receipt). A replayed delivery finds its
row and enqueues nothing; a failed processing keeps the row (status Failed, the error, attempts)
and is retried by the scheduler with a growing delay.
"""

import hmac
import json

import frappe
from frappe import _
from frappe.utils import add_to_date, now_datetime

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
	"""Store the event once and enqueue `handler(webhook_event_doc)`; (row name, was a replay)."""
	if not event_id:
		frappe.throw(_("The webhook has no event id."), exc=BadSignature)
	existing = frappe.db.get_value("Webhook Event", {"source": source, "event_id": event_id}, "name")
	if existing:
		return existing, True
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
	enqueue_job(
		"gigafibre.webhooks.intake.process",
		job_id=f"webhook-event:{name}",
		name=name,
		handler=handler,
	)


def process(name: str, handler: str) -> None:
	"""Background job: run the handler once; Processed, Ignored (handler returned "ignored") or Failed."""
	doc = frappe.get_doc("Webhook Event", name, for_update=True)
	if doc.status in ("Processed", "Ignored"):
		return
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
				"error": (getattr(err, "message", None) and str(err)) or str(err) or err.__class__.__name__,
				"attempts": (doc.attempts or 0) + 1,
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
			"error": None,
			"attempts": (doc.attempts or 0) + 1,
		}
	)


def retry_failed() -> int:
	"""Scheduler, hourly: failed events again, waiting 2^attempts hours, up to MAX_ATTEMPTS."""
	retried = 0
	for row in frappe.get_all(
		"Webhook Event",
		filters={"status": "Failed", "attempts": ("<", MAX_ATTEMPTS)},
		fields=["name", "source", "attempts", "modified"],
		limit=200,
	):
		handler = handler_for(row.source)
		due = add_to_date(row.modified, hours=2 ** max(row.attempts - 1, 0))
		if handler and due <= now_datetime():
			enqueue_processing(row.name, handler)
			retried += 1
	return retried


def handler_for(source: str) -> str | None:
	"""The processing function for a source, from the `gigafibre_webhook_handlers` hook."""
	handler = frappe.get_hooks("gigafibre_webhook_handlers", {}).get(source)
	if isinstance(handler, list):
		return handler[-1] if handler else None
	return handler
