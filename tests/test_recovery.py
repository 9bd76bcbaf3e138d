from datetime import datetime, timedelta

from gigafibre import recovery
from gigafibre.recovery import CLAIM, GIVE_UP, SKIP

NOW = datetime(2026, 12, 1, 12, 0, 0)
LATER = NOW + timedelta(minutes=5)
EARLIER = NOW - timedelta(minutes=5)


def test_lease_outlives_the_job_timeout():
	assert recovery.lease_seconds(300) == 360
	assert recovery.lease_seconds(None) == 360
	assert recovery.lease_seconds(1500) == 1560
	assert recovery.lease_until(NOW, 360) == NOW + timedelta(seconds=360)


def test_lease_live_only_before_it_lapses():
	assert recovery.lease_live(LATER, NOW)
	assert not recovery.lease_live(EARLIER, NOW)
	assert not recovery.lease_live(NOW, NOW)
	assert not recovery.lease_live(None, NOW)


def test_grace_cutoff():
	assert recovery.grace_cutoff(NOW) == NOW - timedelta(seconds=180)
	assert recovery.grace_cutoff(NOW, 60) == NOW - timedelta(minutes=1)


def test_webhook_claim():
	claim = recovery.webhook_claim
	assert claim("Received", None, 0, NOW, 5) == CLAIM
	assert claim("Failed", None, 9, NOW, 5) == CLAIM  # a person's Retry after the last attempt
	assert claim("Processed", None, 1, NOW, 5) == SKIP
	assert claim("Ignored", None, 1, NOW, 5) == SKIP
	assert claim("Processing", LATER, 1, NOW, 5) == SKIP  # another worker holds it
	assert claim("Processing", EARLIER, 1, NOW, 5) == CLAIM  # its worker was lost
	assert claim("Processing", None, 1, NOW, 5) == CLAIM
	assert claim("Processing", EARLIER, 5, NOW, 5) == GIVE_UP
	assert claim("Something else", None, 0, NOW, 5) == SKIP


def test_redelivery_processes_what_is_not_done_nor_held():
	assert recovery.redelivery_processes("Received", None, NOW)
	assert recovery.redelivery_processes("Failed", None, NOW)
	assert recovery.redelivery_processes("Processing", EARLIER, NOW)
	assert not recovery.redelivery_processes("Processing", LATER, NOW)
	assert not recovery.redelivery_processes("Processed", None, NOW)
	assert not recovery.redelivery_processes("Ignored", None, NOW)


def test_failed_retry_backoff_doubles_up_to_the_last_attempt():
	due = recovery.failed_retry_due
	assert due(1, NOW - timedelta(hours=1), NOW, 5)
	assert not due(1, NOW - timedelta(minutes=59), NOW, 5)
	assert not due(3, NOW - timedelta(hours=3), NOW, 5)
	assert due(3, NOW - timedelta(hours=4), NOW, 5)
	assert due(0, NOW - timedelta(hours=1), NOW, 5)
	assert not due(5, NOW - timedelta(days=30), NOW, 5)


def test_run_lease_lapsed():
	lapsed = recovery.run_lease_lapsed
	assert lapsed("Running", EARLIER, None, NOW, 360)
	assert lapsed("Running", NOW, None, NOW, 360)
	assert not lapsed("Running", LATER, EARLIER - timedelta(days=1), NOW, 360)
	assert not lapsed("Waiting", EARLIER, None, NOW, 360)
	assert not lapsed("Completed", EARLIER, None, NOW, 360)
	# a run stored before leases existed: its last change
	assert lapsed("Running", None, NOW - timedelta(seconds=360), NOW, 360)
	assert not lapsed("Running", None, NOW - timedelta(seconds=359), NOW, 360)
	assert not lapsed("Running", None, None, NOW, 360)
