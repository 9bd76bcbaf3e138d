"""One-time codes for checkout: a 6-digit code, hashed at rest, 10 minutes, 5 attempts.

Pure: the shell stores an `OtpRecord` (never the code) and counts attempts atomically; this module
makes the code, hashes it and decides whether a typed code opens the checkout.
"""

import hashlib
import hmac
import re
import secrets
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta, timezone

CODE_DIGITS = 6
LIFETIME = timedelta(minutes=10)
MAX_ATTEMPTS = 5

OK = "ok"
WRONG = "wrong"
EXPIRED = "expired"
EXHAUSTED = "exhausted"
MISSING = "missing"

# Compared against when no code is stored, so a miss costs the same work as a wrong code.
_DUMMY_HASH = "0" * 64


@dataclass(frozen=True)
class OtpRecord:
	code_hash: str
	expires_at: float  # POSIX seconds, UTC

	def to_dict(self) -> dict:
		return asdict(self)

	@classmethod
	def from_dict(cls, data: dict | None) -> "OtpRecord | None":
		if not data or "code_hash" not in data or "expires_at" not in data:
			return None
		return cls(str(data["code_hash"]), float(data["expires_at"]))


def generate_code() -> str:
	"""Six digits from the OS's CSPRNG, leading zeros kept."""
	return f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"


def identifier_key(secret: str, identifier: str) -> str:
	"""Where an identifier's code is stored: an HMAC, so the store never holds the email or phone."""
	return _hmac(secret, f"identifier\x00{identifier}")


def hash_code(secret: str, identifier: str, code: str) -> str:
	"""HMAC-SHA256 of the code bound to its identifier: a stolen hash cannot be tried offline
	without the site's secret, nor replayed for another identifier."""
	return _hmac(secret, f"code\x00{identifier}\x00{code}")


def new_record(secret: str, identifier: str, now: datetime, code: str | None = None) -> tuple[str, OtpRecord]:
	"""A fresh code and what to store for it."""
	code = code or generate_code()
	expires_at = _utc(now) + LIFETIME
	return code, OtpRecord(hash_code(secret, identifier, code), expires_at.timestamp())


def check(
	record: OtpRecord | None,
	secret: str,
	identifier: str,
	code: str | None,
	attempt: int,
	now: datetime,
) -> str:
	"""OK, WRONG, EXPIRED, EXHAUSTED or MISSING for the `attempt`-th try (1-based, counted by the
	store before this call, so concurrent tries cannot share an attempt).

	The HMAC and the constant-time comparison run on every path, so the time taken does not tell
	whether a code exists for the identifier.
	"""
	typed = normalize_code(code)
	candidate = hash_code(secret, identifier, typed or "")
	stored = record.code_hash if record else _DUMMY_HASH
	matches = hmac.compare_digest(candidate.encode(), stored.encode())
	if record is None:
		return MISSING
	if attempt > MAX_ATTEMPTS:
		return EXHAUSTED
	if _utc(now).timestamp() > record.expires_at:
		return EXPIRED
	if typed is None or not matches:
		return WRONG
	return OK


def normalize_code(code: str | None) -> str | None:
	"""The six digits a person typed ("123 456", "123-456" accepted), or None."""
	digits = re.sub(r"[\s-]", "", str(code or ""))
	return digits if re.fullmatch(rf"[0-9]{{{CODE_DIGITS}}}", digits) else None


def _hmac(secret: str, message: str) -> str:
	if not secret:
		raise ValueError("No secret to hash one-time codes with.")
	return hmac.new(secret.encode(), message.encode(), hashlib.sha256).hexdigest()


def _utc(moment: datetime) -> datetime:
	return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)
