"""Signed links for people without a password: technicians (SMS) and customers (portal).

HS256 JWTs through PyJWT: `sub` is who the link is for, `scope` what it opens (`tech`,
`portal`), `jti` a unique id so one link can be revoked or used once, `exp` 24 h by default.
"""

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import jwt

from gigafibre.errors import InvalidValue
from gigafibre.i18n import _

ALGORITHM = "HS256"
ISSUER = "gigafibre"
DEFAULT_LIFETIME = timedelta(hours=24)
# A clock a few seconds apart between workers must not reject a link just issued.
LEEWAY = timedelta(seconds=30)


class LinkExpired(InvalidValue):
	pass


class LinkInvalid(InvalidValue):
	pass


@dataclass(frozen=True)
class LinkClaims:
	subject: str
	scope: str
	token_id: str
	issued_at: datetime
	expires_at: datetime


def issue(
	secret: str,
	subject: str,
	scope: str,
	now: datetime,
	lifetime: timedelta = DEFAULT_LIFETIME,
	token_id: str | None = None,
) -> tuple[str, LinkClaims]:
	"""A signed token; `token_id` ties it to an existing id (a session to the link that opened it)."""
	if not secret:
		raise LinkInvalid(_("No link signing secret is configured."))
	now = _utc(now)
	claims = LinkClaims(subject, scope, token_id or secrets.token_urlsafe(16), now, now + lifetime)
	token = jwt.encode(
		{
			"iss": ISSUER,
			"sub": subject,
			"scope": scope,
			"jti": claims.token_id,
			"iat": int(now.timestamp()),
			"exp": int(claims.expires_at.timestamp()),
		},
		secret,
		algorithm=ALGORITHM,
	)
	return token, claims


def verify(secret: str, token: str | None, scope: str, now: datetime) -> LinkClaims:
	"""The claims of a genuine, unexpired link for `scope`; LinkExpired or LinkInvalid otherwise."""
	if not secret:
		raise LinkInvalid(_("No link signing secret is configured."))
	if not token or not isinstance(token, str):
		raise LinkInvalid(_("This link is not valid."))
	try:
		payload = jwt.decode(
			token,
			secret,
			algorithms=[ALGORITHM],
			issuer=ISSUER,
			options={"require": ["exp", "iat", "sub", "jti"], "verify_exp": False},
		)
	except jwt.PyJWTError:
		raise LinkInvalid(_("This link is not valid.")) from None
	if payload.get("scope") != scope:
		raise LinkInvalid(_("This link is not valid."))
	expires_at = datetime.fromtimestamp(payload["exp"], timezone.utc)
	# Checked here, against the caller's clock, so tests and replays are deterministic.
	if _utc(now) > expires_at + LEEWAY:
		raise LinkExpired(_("This link has expired. Ask for a new one."))
	return LinkClaims(
		subject=str(payload["sub"]),
		scope=scope,
		token_id=str(payload["jti"]),
		issued_at=datetime.fromtimestamp(payload["iat"], timezone.utc),
		expires_at=expires_at,
	)


def _utc(moment: datetime) -> datetime:
	return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)
