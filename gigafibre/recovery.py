"""Stored first, finished later: the decisions behind the sweeps that finish what a lost job left.

Pure (no Frappe): which rows a sweep takes up again, and whether a worker may claim one. A worker
claims a row before its work and commits the claim with a lease (`leased_until`); a row whose lease
lapsed was left by a worker that died, and may be claimed again. A lease outlives the longest a live
job can run (RQ kills a job at its queue's timeout), so a live worker's lease never lapses.
"""

from datetime import datetime, timedelta

# A row younger than this is left to its own job, which may simply not have run yet.
GRACE_SECONDS = 180
# Beyond the job timeout: the time to commit, and clocks a little apart.
LEASE_MARGIN_SECONDS = 60

CLAIM = "claim"
SKIP = "skip"
GIVE_UP = "give_up"

WEBHOOK_DONE = ("Processed", "Ignored")


def lease_seconds(job_timeout: int | float | None) -> int:
	"""How long a claim holds: the queue's job timeout (300 s when unknown) plus a margin."""
	return int(job_timeout or 300) + LEASE_MARGIN_SECONDS


def lease_until(now: datetime, seconds: int) -> datetime:
	return now + timedelta(seconds=seconds)


def lease_live(leased_until: datetime | None, now: datetime) -> bool:
	"""Whether a worker still holds the row (a row without a lease is held by no one)."""
	return leased_until is not None and leased_until > now


def grace_cutoff(now: datetime, grace_seconds: int = GRACE_SECONDS) -> datetime:
	"""Rows stored before this and still unfinished are taken up by the sweep."""
	return now - timedelta(seconds=grace_seconds)


def webhook_claim(
	status: str, leased_until: datetime | None, attempts: int, now: datetime, max_attempts: int
) -> str:
	"""What a processing job does with a Webhook Event it read under lock: CLAIM it, SKIP it (done,
	or another worker holds it), or GIVE_UP (workers were lost on it `max_attempts` times: Failed,
	for a person to look at and retry)."""
	if status in WEBHOOK_DONE:
		return SKIP
	if status == "Processing":
		if lease_live(leased_until, now):
			return SKIP
		return GIVE_UP if (attempts or 0) >= max_attempts else CLAIM
	if status in ("Received", "Failed"):
		return CLAIM
	return SKIP


def redelivery_processes(status: str, leased_until: datetime | None, now: datetime) -> bool:
	"""A delivery of an event already stored: process it again unless it is done or being done."""
	if status in WEBHOOK_DONE:
		return False
	return not (status == "Processing" and lease_live(leased_until, now))


def failed_retry_due(attempts: int, last_try: datetime, now: datetime, max_attempts: int) -> bool:
	"""A Failed event is retried 2^(attempts-1) hours after its last try, up to `max_attempts`."""
	attempts = attempts or 0
	if attempts >= max_attempts:
		return False
	return last_try + timedelta(hours=2 ** max(attempts - 1, 0)) <= now


def run_lease_lapsed(
	status: str, leased_until: datetime | None, modified: datetime | None, now: datetime, lease: int
) -> bool:
	"""Whether a Flow Run was left Running by a lost worker: its lease lapsed (a run stored before
	leases existed counts from its last change)."""
	if status != "Running":
		return False
	if leased_until is not None:
		return leased_until <= now
	return modified is not None and modified + timedelta(seconds=lease) <= now
