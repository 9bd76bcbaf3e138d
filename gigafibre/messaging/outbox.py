"""Outgoing texts and mails, stored first and finished later (ARCHITECTURE.md).

One way to queue a message: `queue(...)` (or `queue_to_contact`, email or SMS by the address) writes
an Outgoing Message in the caller's transaction and enqueues `send` after it commits. One way to
send a queued one: `send(message)`, the job, which claims the row (Sending, with a lease; the claim
is committed before any request leaves), makes one attempt and records what came of it:

- Sent, with Twilio's SID (an email is handed to Frappe's Email Queue in the same transaction);
- Unknown when the request may have reached Twilio without an answer (timeout, dropped
  connection, 5xx): the next attempt first looks the message up in Twilio's list and records the
  one found instead of sending it twice;
- Queued again after a passing error that sent nothing (connection refused, 429), Failed when
  refused (STOP, bad number, not configured) or after `outbox_rules.MAX_ATTEMPTS`.

`sweep()` (scheduler, every minute) only enqueues: rows left Queued past the grace period (their
job was lost), Unknown or Queued rows whose next attempt is due, Sending rows whose worker was lost
(lease lapsed; looked up first too). `queue_call` stores a background step that decides what to
send (the portal link's customer lookup) the same way: run once by `send`, its messages are rows
of their own, it becomes Composed.

Quiet hours (Gigafibre Settings, `messaging/quiet_hours.py`): `queue(..., quiet_hours=True)` during
them stores the message with a "not before" at their end; it stays Queued, no job is enqueued and
no worker sends it earlier; the sweep sends it once that time has come.
"""

import hashlib
import json
from datetime import datetime
from zoneinfo import ZoneInfo

import frappe
from frappe import _
from frappe.utils import add_to_date, get_datetime, get_system_timezone, now_datetime

from gigafibre.errors import GigafibreError, ServiceError
from gigafibre.jobs import enqueue as enqueue_job
from gigafibre.messaging import outbox_rules as rules
from gigafibre.messaging import quiet_hours as quiet
from gigafibre.messaging.twilio_sms import OutcomeUnknown, checked_sms

DOCTYPE = "Outgoing Message"
SEND = "gigafibre.messaging.outbox.send"
SWEEP_BATCH = 200
CLEARED = "(cleared once sent: it held a code or a link)"
_FIELDS = [
	"name",
	"channel",
	"recipient",
	"subject",
	"body",
	"status",
	"attempts",
	"first_attempt_at",
	"leased_until",
	"reference_doctype",
	"reference_name",
	"secret",
	"call_method",
	"call_args",
	"on_outcome",
	"not_before",
]


def queue(
	channel: str,
	recipient: str,
	body: str,
	subject: str | None = None,
	reference_doctype: str | None = None,
	reference_name: str | None = None,
	dedupe_key: str | None = None,
	secret: bool = False,
	on_outcome: str | None = None,
	now: bool = False,
	quiet_hours: bool = False,
) -> str:
	"""Store one message (SMS or Email) and enqueue its sending once the caller's transaction
	commits; the Outgoing Message's name. A `dedupe_key` already used answers the row it queued.
	`now`: make the first attempt here instead of in a job (a flow step, which records the outcome).
	`quiet_hours`: during the settings' quiet hours, hold it until they end (see the module doc).
	A bad number or an empty or too long SMS is refused here, before anything is stored."""
	if channel == "SMS":
		recipient, body = checked_sms(recipient, body)
	elif channel == "Email":
		if not (recipient and "@" in recipient):
			frappe.throw(_("No email address to send the message to."))
	else:
		frappe.throw(_("Unknown channel {0}.").format(channel))
	fields = {
		"channel": channel,
		"recipient": recipient,
		"subject": subject,
		"body": body,
		"reference_doctype": reference_doctype,
		"reference_name": reference_name,
		"secret": 1 if secret else 0,
		"on_outcome": on_outcome,
		"not_before": quiet_hours_end() if quiet_hours else None,
	}
	return _store(fields, dedupe_key, now)


def queue_to_contact(
	contact: str,
	subject: str,
	html: str,
	sms_text: str,
	reference_doctype: str | None = None,
	reference_name: str | None = None,
	secret: bool = True,
	dedupe_key: str | None = None,
) -> str:
	"""One message to whichever `contact` is: an email address (`subject` and `html`) or a mobile
	number (`sms_text`). Secret by default: what is sent this way carries a code or a link."""
	if "@" in contact:
		return queue("Email", contact, html, subject, reference_doctype, reference_name, dedupe_key, secret)
	return queue("SMS", contact, sms_text, None, reference_doctype, reference_name, dedupe_key, secret)


def queue_call(method: str, dedupe_key: str | None = None, **args) -> str:
	"""Store a background step that decides what to send (`method(**args)`, which queues its
	messages), run once by `send` like a message — so a lost job loses nothing either."""
	frappe.get_attr(method)  # a wrong name fails here, in the request, not in a job
	fields = {"call_method": method, "call_args": json.dumps(args, default=str), "secret": 1}
	return _store(fields, dedupe_key, False)


def _store(fields: dict, dedupe_key: str | None, now: bool) -> str:
	if dedupe_key:
		dedupe_key = dedupe_key if len(dedupe_key) <= 140 else hashlib.sha256(dedupe_key.encode()).hexdigest()
		existing = frappe.db.get_value(DOCTYPE, {"dedupe_key": dedupe_key})
		if existing:
			return existing
	doc = frappe.get_doc({"doctype": DOCTYPE, "status": rules.QUEUED, "dedupe_key": dedupe_key, **fields})
	frappe.db.savepoint("outbox_insert")
	try:
		doc.insert(ignore_permissions=True)
	except frappe.UniqueValidationError:
		# The same key queued by a concurrent request, committed in between.
		frappe.db.rollback(save_point="outbox_insert")
		return frappe.db.get_value(DOCTYPE, {"dedupe_key": dedupe_key})
	if fields.get("not_before"):
		return doc.name  # held for the quiet hours: the sweep sends it when they end
	if now:
		send(doc.name, commit=False)
	else:
		enqueue_job(SEND, message=doc.name, job_id=f"outbox:{doc.name}")
	return doc.name


def send(message: str, commit: bool = True) -> str | None:
	"""The job: one attempt at one queued message; its status afterwards (None when it is gone).
	`commit=False` leaves the transaction to the caller (a flow step, tests)."""
	now = now_datetime()
	row = frappe.db.get_value(DOCTYPE, message, _FIELDS, as_dict=True, for_update=True)
	if not row:
		return None
	if not rules.may_claim(
		row.status,
		get_datetime(row.leased_until) if row.leased_until else None,
		now,
		not_before=get_datetime(row.not_before) if row.not_before else None,
	):
		return row.status
	look_up = rules.look_up_first(row.status)
	first_attempt = get_datetime(row.first_attempt_at) if row.first_attempt_at else now
	attempts = (row.attempts or 0) + 1
	frappe.db.set_value(
		DOCTYPE,
		message,
		{
			"status": rules.SENDING,
			"attempts": attempts,
			"first_attempt_at": first_attempt,
			"last_attempt_at": now,
			"leased_until": add_to_date(now, seconds=rules.LEASE_SECONDS),
		},
		update_modified=False,
	)
	_commit(commit)  # the claim: from here a second worker leaves the row alone
	frappe.db.savepoint("outbox_attempt")
	values: dict = {"leased_until": None, "next_attempt_at": None}
	try:
		if row.call_method:
			frappe.get_attr(row.call_method)(**json.loads(row.call_args or "{}"))
			values.update(status=rules.COMPOSED, last_error=None)
		elif row.channel == "SMS":
			sent = _sms_client().send(
				row.recipient, row.body, sent_since=_utc(first_attempt) if look_up else None
			)
			values.update(status=rules.SENT, provider_id=sent.sid, sent_at=now_datetime(), last_error=None)
		else:
			frappe.sendmail(
				recipients=[row.recipient],
				subject=row.subject,
				message=row.body,
				reference_doctype=row.reference_doctype,
				reference_name=row.reference_name,
				now=False,
			)
			values.update(status=rules.SENT, sent_at=now_datetime(), last_error=None)
	except Exception as err:
		frappe.db.rollback(save_point="outbox_attempt")
		frappe.clear_messages()
		unknown = isinstance(err, OutcomeUnknown)
		retryable = unknown or (isinstance(err, ServiceError) and err.retryable) or _passing(err)
		status, next_at = rules.after_error(unknown, retryable, attempts, now_datetime())
		values.update(status=status, next_attempt_at=next_at, last_error=_error_text(err)[:1000])
	if row.secret and row.body and values["status"] in rules.DONE:
		values.update(body=_(CLEARED), subject=_(CLEARED) if row.subject else None)
	frappe.db.set_value(DOCTYPE, message, values, update_modified=False)
	if values["status"] in (rules.SENT, rules.FAILED) and row.on_outcome:
		_tell(row, values)
	if values["status"] == rules.FAILED:
		frappe.log_error(
			title=_("Message not sent"),
			message=values["last_error"],
			reference_doctype=row.reference_doctype or DOCTYPE,
			reference_name=row.reference_name or message,
		)
	_commit(commit)
	return values["status"]


def sweep() -> int:
	"""Scheduler, every minute: enqueue the rows whose own job was lost or whose retry is due
	(never sends itself). The number enqueued."""
	now = now_datetime()
	candidates = frappe.get_all(
		DOCTYPE,
		filters={
			"status": ("in", [rules.QUEUED, rules.UNKNOWN, rules.SENDING]),
			"creation": ("<=", rules.grace_cutoff(now)),
		},
		fields=["name", "status", "creation", "next_attempt_at", "leased_until", "not_before"],
		order_by="creation asc",
		limit=SWEEP_BATCH,
	)
	taken = 0
	for row in candidates:
		if rules.sweep_takes(
			row.status,
			get_datetime(row.creation),
			get_datetime(row.next_attempt_at) if row.next_attempt_at else None,
			get_datetime(row.leased_until) if row.leased_until else None,
			now,
			not_before=get_datetime(row.not_before) if row.not_before else None,
		):
			enqueue_job(SEND, message=row.name, job_id=f"outbox:{row.name}", deduplicate=True)
			taken += 1
	return taken


def status(message: str) -> dict:
	"""What a caller shows of its message: status, Twilio SID, the last error, its "not before"."""
	return frappe.db.get_value(
		DOCTYPE,
		message,
		["name", "status", "recipient", "provider_id", "last_error", "not_before"],
		as_dict=True,
	)


def quiet_hours_end(at: datetime | None = None) -> datetime | None:
	"""The end of the quiet hours `at` (default now) falls in, naive in the site's time zone like
	every Frappe datetime; None outside them."""
	settings = frappe.get_cached_doc("Gigafibre Settings")
	return quiet.quiet_until(
		at or now_datetime(),
		quiet.as_time(settings.get("quiet_hours_start"), quiet.DEFAULT_START),
		quiet.as_time(settings.get("quiet_hours_end"), quiet.DEFAULT_END),
		get_system_timezone(),
	)


def _sms_client():
	from gigafibre.messaging.service import sms_client

	return sms_client()


def _tell(row, values: dict) -> None:
	try:
		frappe.get_attr(row.on_outcome)(
			{
				"message": row.name,
				"status": values["status"],
				"error": values.get("last_error"),
				"provider_id": values.get("provider_id"),
				"reference_doctype": row.reference_doctype,
				"reference_name": row.reference_name,
			}
		)
	except Exception:
		frappe.log_error(
			title=_("Message outcome not recorded"), reference_doctype=DOCTYPE, reference_name=row.name
		)


def _passing(err: Exception) -> bool:
	"""Errors of ours that may pass: the database busy."""
	return isinstance(err, frappe.QueryDeadlockError | frappe.QueryTimeoutError)


def _error_text(err: Exception) -> str:
	if isinstance(err, GigafibreError):
		return _(err.message).format(*err.args_)
	return str(err) or err.__class__.__name__


def _utc(value: datetime) -> datetime:
	return value.replace(tzinfo=ZoneInfo(get_system_timezone()))


def _commit(commit: bool) -> None:
	# Tests run inside one transaction that is rolled back at the end.
	if commit and not frappe.flags.in_test:
		frappe.db.commit()
