from datetime import datetime, timedelta, timezone

import jwt
import pytest

from gigafibre.auth.magic_link import LinkExpired, LinkInvalid, issue, verify

SECRET = "s" * 48
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=timezone.utc)


def test_issue_then_verify():
	token, claims = issue(SECRET, "TECH-0001", "tech", NOW)
	verified = verify(SECRET, token, "tech", NOW + timedelta(hours=23))
	assert (verified.subject, verified.scope, verified.token_id) == ("TECH-0001", "tech", claims.token_id)
	assert verified.expires_at == NOW + timedelta(hours=24)


def test_each_link_has_its_own_id():
	assert (
		issue(SECRET, "TECH-0001", "tech", NOW)[1].token_id
		!= issue(SECRET, "TECH-0001", "tech", NOW)[1].token_id
	)


def test_expired_after_its_lifetime():
	token, _ = issue(SECRET, "TECH-0001", "tech", NOW, lifetime=timedelta(hours=1))
	verify(SECRET, token, "tech", NOW + timedelta(minutes=59))
	with pytest.raises(LinkExpired):
		verify(SECRET, token, "tech", NOW + timedelta(hours=1, minutes=5))


@pytest.mark.parametrize(
	"mutate",
	[
		lambda t: t[:-2] + ("AA" if not t.endswith("AA") else "BB"),
		lambda t: t + "x",
		lambda t: "",
		lambda t: None,
		lambda t: "not.a.jwt",
	],
)
def test_tampered_or_garbage_refused(mutate):
	token, _ = issue(SECRET, "TECH-0001", "tech", NOW)
	with pytest.raises(LinkInvalid):
		verify(SECRET, mutate(token), "tech", NOW)


def test_other_secret_or_scope_refused():
	token, _ = issue(SECRET, "TECH-0001", "tech", NOW)
	with pytest.raises(LinkInvalid):
		verify("another secret of enough length....", token, "tech", NOW)
	with pytest.raises(LinkInvalid):
		verify(SECRET, token, "portal", NOW)


def test_alg_none_refused():
	forged = jwt.encode(
		{"iss": "gigafibre", "sub": "TECH-0001", "scope": "tech", "jti": "x", "iat": 1, "exp": 4102444800},
		None,
		algorithm="none",
	)
	with pytest.raises(LinkInvalid):
		verify(SECRET, forged, "tech", NOW)


def test_no_secret_configured():
	with pytest.raises(LinkInvalid, match="secret"):
		issue("", "TECH-0001", "tech", NOW)
