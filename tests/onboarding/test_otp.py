"""Checkout one-time codes: generation, hashing at rest, expiry, attempts, the constant-time path."""

import hmac
import re
from datetime import datetime, timedelta, timezone
from unittest.mock import patch

import pytest

from gigafibre.onboarding import otp

SECRET = "s3cret-for-tests"
WHO = "+15145550123"
NOW = datetime(2026, 11, 25, 22, 0, tzinfo=timezone.utc)


def test_code_is_six_digits_and_varies():
	codes = {otp.generate_code() for _ in range(200)}
	assert all(re.fullmatch(r"[0-9]{6}", c) for c in codes)
	assert len(codes) > 150


def test_leading_zeros_are_kept():
	with patch("gigafibre.onboarding.otp.secrets.randbelow", return_value=42):
		assert otp.generate_code() == "000042"


def test_record_holds_an_hmac_never_the_code():
	code, record = otp.new_record(SECRET, WHO, NOW, code="123456")
	assert code == "123456"
	assert "123456" not in str(record.to_dict())
	assert re.fullmatch(r"[0-9a-f]{64}", record.code_hash)
	assert record.code_hash == otp.hash_code(SECRET, WHO, "123456")
	# Bound to the secret and to the identifier.
	assert record.code_hash != otp.hash_code("other", WHO, "123456")
	assert record.code_hash != otp.hash_code(SECRET, "+15145550124", "123456")
	assert record.expires_at == (NOW + timedelta(minutes=10)).timestamp()


def test_identifier_key_hides_the_identifier():
	key = otp.identifier_key(SECRET, "alice@exemple.ca")
	assert "alice" not in key
	assert key == otp.identifier_key(SECRET, "alice@exemple.ca")
	assert key != otp.identifier_key(SECRET, "bob@exemple.ca")
	assert key != otp.hash_code(SECRET, "alice@exemple.ca", "")


def test_round_trip_through_the_store():
	_code, record = otp.new_record(SECRET, WHO, NOW)
	assert otp.OtpRecord.from_dict(record.to_dict()) == record
	assert otp.OtpRecord.from_dict(None) is None
	assert otp.OtpRecord.from_dict({"code_hash": "x"}) is None


@pytest.mark.parametrize("typed", ["123456", " 123 456 ", "123-456"])
def test_right_code_opens(typed):
	_code, record = otp.new_record(SECRET, WHO, NOW, code="123456")
	assert otp.check(record, SECRET, WHO, typed, 1, NOW + timedelta(minutes=9)) == otp.OK


@pytest.mark.parametrize("typed", ["123457", "12345", "1234567", "abcdef", "", None])
def test_wrong_or_malformed_code_refused(typed):
	_code, record = otp.new_record(SECRET, WHO, NOW, code="123456")
	assert otp.check(record, SECRET, WHO, typed, 1, NOW) == otp.WRONG


def test_code_for_another_identifier_refused():
	_code, record = otp.new_record(SECRET, WHO, NOW, code="123456")
	assert otp.check(record, SECRET, "+15145550999", "123456", 1, NOW) == otp.WRONG


def test_expires_after_ten_minutes():
	_code, record = otp.new_record(SECRET, WHO, NOW, code="123456")
	assert otp.check(record, SECRET, WHO, "123456", 1, NOW + timedelta(minutes=10)) == otp.OK
	later = NOW + timedelta(minutes=10, seconds=1)
	assert otp.check(record, SECRET, WHO, "123456", 1, later) == otp.EXPIRED


def test_five_attempts_then_dead_even_with_the_right_code():
	_code, record = otp.new_record(SECRET, WHO, NOW, code="123456")
	for attempt in range(1, otp.MAX_ATTEMPTS):
		assert otp.check(record, SECRET, WHO, "000000", attempt, NOW) == otp.WRONG
	assert otp.check(record, SECRET, WHO, "123456", otp.MAX_ATTEMPTS, NOW) == otp.OK
	assert otp.check(record, SECRET, WHO, "123456", otp.MAX_ATTEMPTS + 1, NOW) == otp.EXHAUSTED


def test_no_code_stored():
	assert otp.check(None, SECRET, WHO, "123456", 1, NOW) == otp.MISSING


@pytest.mark.parametrize("stored", [True, False])
def test_constant_time_compare_runs_on_every_path(stored):
	"""A miss, an expired code and a wrong code all go through hmac.compare_digest once."""
	record = otp.new_record(SECRET, WHO, NOW, code="123456")[1] if stored else None
	with patch("gigafibre.onboarding.otp.hmac.compare_digest", wraps=hmac.compare_digest) as compare:
		otp.check(record, SECRET, WHO, "999999", 1, NOW + timedelta(hours=1))
		otp.check(record, SECRET, WHO, None, 9, NOW)
	assert compare.call_count == 2


def test_naive_datetimes_are_utc():
	_code, record = otp.new_record(SECRET, WHO, NOW.replace(tzinfo=None), code="123456")
	assert record.expires_at == (NOW + otp.LIFETIME).timestamp()


def test_a_secret_is_required():
	with pytest.raises(ValueError):
		otp.hash_code("", WHO, "123456")
