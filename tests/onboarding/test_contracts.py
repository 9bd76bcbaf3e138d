"""Residential contract acceptance: the signed link (JWT) and the acceptance record."""

from datetime import datetime, timedelta, timezone

import pytest

from gigafibre.auth import magic_link
from gigafibre.errors import InvalidValue
from gigafibre.onboarding import contracts

SECRET = "s" * 48
NOW = datetime(2026, 11, 25, 15, 0, tzinfo=timezone.utc)
TEXT = "<h1>Contrat de service résidentiel</h1><p>Forfait Fibre 500 : 65,00 $ / mois</p>"


def accept(**kw):
	args = dict(
		expected_name="Marie-Ève Tremblay",
		typed_name="marie eve TREMBLAY",
		agreed="1",
		shown_hash=contracts.contract_hash(TEXT),
		current_text=TEXT,
		ip="203.0.113.7",
		user_agent="Mozilla/5.0 (iPhone)",
		now=NOW,
		reference="jti-1",
	)
	args.update(kw)
	return contracts.accept(**args)


def test_link_round_trip_and_scope():
	token, claims = magic_link.issue(SECRET, "WO-0001", contracts.SCOPE, NOW, timedelta(days=14))
	verified = magic_link.verify(SECRET, token, contracts.SCOPE, NOW + timedelta(days=13))
	assert (verified.subject, verified.token_id) == ("WO-0001", claims.token_id)
	with pytest.raises(magic_link.LinkInvalid):
		magic_link.verify(SECRET, token, "portal", NOW)
	with pytest.raises(magic_link.LinkExpired):
		magic_link.verify(SECRET, token, contracts.SCOPE, NOW + timedelta(days=15))
	with pytest.raises(magic_link.LinkInvalid):
		magic_link.verify("t" * 48, token, contracts.SCOPE, NOW)
	tampered = token[:-2] + ("AA" if token[-2:] != "AA" else "BB")
	with pytest.raises(magic_link.LinkInvalid):
		magic_link.verify(SECRET, tampered, contracts.SCOPE, NOW)


def test_reissued_link_keeps_its_id():
	first, claims = magic_link.issue(SECRET, "WO-0001", contracts.SCOPE, NOW, timedelta(days=14))
	again, _ = magic_link.issue(
		SECRET, "WO-0001", contracts.SCOPE, NOW + timedelta(hours=1), timedelta(days=14), claims.token_id
	)
	assert magic_link.verify(SECRET, again, contracts.SCOPE, NOW).token_id == claims.token_id


def test_hash_is_sha256_of_the_text_as_shown():
	digest = contracts.contract_hash(TEXT)
	assert len(digest) == 64 and digest == contracts.contract_hash(TEXT)
	assert contracts.contract_hash(TEXT.replace("65,00", "75,00")) != digest
	# The same characters composed or decomposed hash the same.
	assert contracts.contract_hash("Ève") == contracts.contract_hash("E\u0300ve".replace("E\u0300", "\u00c8"))
	assert contracts.contract_hash("\u00c8ve") == contracts.contract_hash("E\u0300ve")


def test_acceptance_records_who_when_where_and_what():
	result = accept()
	assert result.full_name == "marie eve TREMBLAY"
	assert result.accepted_at == NOW
	assert (result.ip, result.user_agent) == ("203.0.113.7", "Mozilla/5.0 (iPhone)")
	assert result.contract_hash == contracts.contract_hash(TEXT)
	assert (result.method, result.reference) == (contracts.SIGNED_LINK, "jti-1")
	labels = [label for label, _ in contracts.certificate(result)]
	assert "SHA-256 of the contract" in labels
	assert dict(contracts.certificate(result))["Accepted at (UTC)"] == "2026-11-25 15:00:00"


def test_naive_time_is_utc_and_long_user_agents_are_cut():
	result = accept(now=datetime(2026, 11, 25, 15, 0), user_agent="x" * 2000)
	assert result.accepted_at.tzinfo == timezone.utc
	assert len(result.user_agent) == contracts.MAX_USER_AGENT


@pytest.mark.parametrize("agreed", [None, "", "0", "false", "no"])
def test_box_must_be_ticked(agreed):
	with pytest.raises(InvalidValue, match="Tick the box"):
		accept(agreed=agreed)


def test_name_must_be_typed_and_match():
	with pytest.raises(InvalidValue, match="Type your full name to sign"):
		accept(typed_name="  ")
	with pytest.raises(InvalidValue, match="as it appears on the order") as err:
		accept(typed_name="Jean Tremblay")
	assert err.value.args_ == ("Marie-Ève Tremblay",)


def test_changed_contract_is_refused():
	with pytest.raises(InvalidValue, match="changed since you opened it"):
		accept(current_text=TEXT + "<p>Nouvelle clause</p>")
	with pytest.raises(InvalidValue, match="changed since you opened it"):
		accept(shown_hash=None)
	# The hash is compared whatever its case.
	assert accept(shown_hash=contracts.contract_hash(TEXT).upper())


def test_staff_accept_for_the_customer_with_how_they_agreed():
	result = contracts.accept_on_behalf(
		"Marie-Ève Tremblay",
		"agent@gigafibre.ca",
		" accord verbal  au téléphone, appel de 10 h 42 ",
		TEXT,
		"10.0.0.8",
		"Desk",
		NOW,
	)
	assert (result.method, result.full_name) == (contracts.ON_BEHALF, "Marie-Ève Tremblay")
	assert result.reference == "agent@gigafibre.ca: accord verbal au téléphone, appel de 10 h 42"
	assert result.contract_hash == contracts.contract_hash(TEXT)
	for missing in (None, "", "ok"):
		with pytest.raises(InvalidValue, match="how the customer agreed"):
			contracts.accept_on_behalf("M", "agent@gigafibre.ca", missing, TEXT, None, None, NOW)
