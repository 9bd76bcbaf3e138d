"""The outbox's decisions, pure (no Frappe): who may take an Outgoing Message, what an attempt's
outcome makes of it, and which rows the sweep takes up again.

Statuses: Queued (stored, or a passing error before Twilio had it: nothing went out), Sending
(claimed by a worker, with a lease), Sent, Unknown (the request may have reached Twilio: look it
up before sending again), Failed (refused, or given up), Composed (a stored call that queued its
messages). Sending past its lease is a worker lost mid-send: as unknown as a timeout.

A message may carry a "not before" (queued during quiet hours, `messaging/quiet_hours.py`): it stays
Queued, no worker takes it earlier, and the sweep sends it once that time has come.
"""

from datetime import datetime, timedelta

from gigafibre.recovery import GRACE_SECONDS, grace_cutoff, lease_live, lease_seconds

QUEUED, SENDING, SENT, UNKNOWN, FAILED, COMPOSED = (
	"Queued",
	"Sending",
	"Sent",
	"Unknown",
	"Failed",
	"Composed",
)
DONE = (SENT, FAILED, COMPOSED)
# Attempts before a message is given up (Failed) — an Unknown one is looked up each time first.
MAX_ATTEMPTS = 6
# The wait before the next attempt after a passing error: 1, 2, 4, … minutes, at most 30.
RETRY_BASE_SECONDS = 60
RETRY_MAX_SECONDS = 1800
# A send runs on the short queue (RQ kills it after 300 s); its claim outlives that.
LEASE_SECONDS = lease_seconds(300)


def may_claim(
	status: str, leased_until: datetime | None, now: datetime, not_before: datetime | None = None
) -> bool:
	"""Whether a worker that read the row under lock takes it: Queued or Unknown, or Sending whose
	worker was lost (lease lapsed). Done rows, live claims and rows not due yet are left alone."""
	if not_before is not None and not_before > now:
		return False
	if status in (QUEUED, UNKNOWN):
		return True
	return status == SENDING and not lease_live(leased_until, now)


def look_up_first(status: str) -> bool:
	"""Whether an earlier attempt may have reached the provider, so the message must be looked up
	before it is sent again."""
	return status in (UNKNOWN, SENDING)


def retry_delay(attempts: int) -> timedelta:
	seconds = RETRY_BASE_SECONDS * 2 ** max((attempts or 1) - 1, 0)
	return timedelta(seconds=min(seconds, RETRY_MAX_SECONDS))


def after_error(unknown: bool, retryable: bool, attempts: int, now: datetime) -> tuple[str, datetime | None]:
	"""(status, next attempt) after an attempt that did not end in Sent."""
	if not retryable or attempts >= MAX_ATTEMPTS:
		return FAILED, None
	return (UNKNOWN if unknown else QUEUED), now + retry_delay(attempts)


def sweep_takes(
	status: str,
	created: datetime,
	next_attempt_at: datetime | None,
	leased_until: datetime | None,
	now: datetime,
	grace_seconds: int = GRACE_SECONDS,
	not_before: datetime | None = None,
) -> bool:
	"""Whether the sweep sends a row again: Queued or Unknown older than the grace period whose next
	attempt is due (a younger one is left to its own job), or Sending with a lapsed lease. A row
	held until `not_before` is taken once that time has come, however young it is then."""
	if not_before is not None:
		if not_before > now:
			return False
		if status == QUEUED and next_attempt_at is None:
			return True  # its own job ended without sending it: the hold was on
	if status == SENDING:
		return not lease_live(leased_until, now)
	if status not in (QUEUED, UNKNOWN):
		return False
	if next_attempt_at is not None:
		return next_attempt_at <= now
	return created <= grace_cutoff(now, grace_seconds)
