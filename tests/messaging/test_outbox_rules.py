"""The outbox's decisions: who takes a message, what an attempt makes of it, what the sweep takes up."""

from datetime import datetime, timedelta

from gigafibre.messaging import outbox_rules as rules

NOW = datetime(2026, 12, 1, 21, 0, 0)


def test_a_worker_claims_queued_and_unknown_rows_and_sending_ones_whose_worker_was_lost():
	assert rules.may_claim(rules.QUEUED, None, NOW)
	assert rules.may_claim(rules.UNKNOWN, None, NOW)
	assert not rules.may_claim(rules.SENDING, NOW + timedelta(seconds=30), NOW)  # a live worker has it
	assert rules.may_claim(rules.SENDING, NOW - timedelta(seconds=1), NOW)
	for done in rules.DONE:
		assert not rules.may_claim(done, None, NOW)


def test_what_may_have_reached_twilio_is_looked_up_before_it_is_sent_again():
	assert rules.look_up_first(rules.UNKNOWN) and rules.look_up_first(rules.SENDING)
	assert not rules.look_up_first(rules.QUEUED)


def test_after_an_error():
	assert rules.after_error(False, False, 1, NOW) == (rules.FAILED, None)
	assert rules.after_error(True, True, 1, NOW) == (rules.UNKNOWN, NOW + timedelta(minutes=1))
	assert rules.after_error(False, True, 3, NOW) == (rules.QUEUED, NOW + timedelta(minutes=4))
	assert rules.after_error(True, True, rules.MAX_ATTEMPTS, NOW) == (rules.FAILED, None)
	assert rules.retry_delay(20) == timedelta(seconds=rules.RETRY_MAX_SECONDS)


def test_the_sweep_leaves_young_rows_to_their_job_and_takes_lost_or_due_ones():
	young, old = NOW - timedelta(seconds=30), NOW - timedelta(seconds=rules.GRACE_SECONDS + 1)
	assert not rules.sweep_takes(rules.QUEUED, young, None, None, NOW)
	assert rules.sweep_takes(rules.QUEUED, old, None, None, NOW)  # its job was lost
	assert not rules.sweep_takes(rules.UNKNOWN, old, NOW + timedelta(minutes=1), None, NOW)  # not yet
	assert rules.sweep_takes(rules.UNKNOWN, old, NOW - timedelta(seconds=1), None, NOW)
	assert not rules.sweep_takes(rules.SENDING, old, None, NOW + timedelta(minutes=1), NOW)
	assert rules.sweep_takes(rules.SENDING, old, None, NOW - timedelta(minutes=1), NOW)
	assert not rules.sweep_takes(rules.SENT, old, None, None, NOW)


def test_a_message_held_for_quiet_hours_is_taken_by_nobody_before_its_time_then_by_the_sweep():
	morning = NOW + timedelta(hours=11)
	assert not rules.may_claim(rules.QUEUED, None, NOW, not_before=morning)
	assert rules.may_claim(rules.QUEUED, None, morning, not_before=morning)
	young = NOW - timedelta(seconds=5)
	assert not rules.sweep_takes(rules.QUEUED, young, None, None, NOW, not_before=morning)
	assert rules.sweep_takes(rules.QUEUED, young, None, None, morning, not_before=morning)
	# A held message that then failed in passing waits for its retry like any other.
	retry_at = morning + timedelta(minutes=2)
	assert not rules.sweep_takes(rules.QUEUED, young, retry_at, None, morning, not_before=morning)
	assert rules.sweep_takes(rules.QUEUED, young, retry_at, None, retry_at, not_before=morning)
	assert not rules.sweep_takes(rules.SENT, young, None, None, morning, not_before=morning)
