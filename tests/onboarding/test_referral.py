import random

import pytest

from gigafibre.errors import InvalidValue
from gigafibre.onboarding import referral
from gigafibre.onboarding.referral import Referrer

ALICE = Referrer("CUST-ALICE", False, frozenset({"alice@exemple.ca", "+15145550101"}))


def test_new_codes_are_valid_and_have_no_look_alikes():
	rng = random.Random(7)
	codes = {referral.new_code(rng.choice) for _ in range(500)}
	assert len(codes) == 500
	for code in codes:
		assert referral.normalize_code(code) == code
		assert not set(code[3:]) & set("01OIL")


@pytest.mark.parametrize(
	"typed", ["GF-7K2M9Q", "gf-7k2m9q", " gf 7k2 m9q ", "7K2-M9Q", "GF.7K2.M9Q", "gf_7k2m9q"]
)
def test_typed_forms_normalize(typed):
	assert referral.normalize_code(typed) == "GF-7K2M9Q"


def test_look_alike_letters_read_as_digits_and_then_refused():
	# O and I are not in the alphabet, nor are 0 and 1: a code with them cannot exist.
	with pytest.raises(InvalidValue, match="not valid"):
		referral.normalize_code("GF-7K2M9O")


@pytest.mark.parametrize("bad", [None, "", "GF-", "GF-ABC", "GF-ABCDEFG", "XX-ABCDEF!", "GF-ABCDE$"])
def test_malformed_codes(bad):
	with pytest.raises(InvalidValue, match="not valid"):
		referral.normalize_code(bad)


def test_check_accepts_a_new_person():
	assert referral.check("gf-7k2m9q", ALICE, "bob@exemple.ca", False, False) == "GF-7K2M9Q"


def test_check_refusals_say_why():
	with pytest.raises(InvalidValue, match="not valid"):
		referral.check("GF-7K2M9Q", None, "bob@exemple.ca", False, False)
	with pytest.raises(InvalidValue, match="not valid"):
		referral.check("GF-7K2M9Q", Referrer("C", True, frozenset()), "bob@exemple.ca", False, False)
	with pytest.raises(InvalidValue, match="your own"):
		referral.check("GF-7K2M9Q", ALICE, "Alice@Exemple.ca", False, False)
	with pytest.raises(InvalidValue, match="your own"):
		referral.check("GF-7K2M9Q", ALICE, "+15145550101", False, False)
	with pytest.raises(InvalidValue, match="new customers"):
		referral.check("GF-7K2M9Q", ALICE, "bob@exemple.ca", False, True)
	with pytest.raises(InvalidValue, match="already credited"):
		referral.check("GF-7K2M9Q", ALICE, "bob@exemple.ca", True, False)


def test_credits_both_parties_or_only_those_with_an_amount():
	both = referral.credits("CUST-ALICE", "CUST-BOB", 50, 25.555)
	assert [(c.customer, c.amount, c.role) for c in both] == [
		("CUST-BOB", 50.0, "referred"),
		("CUST-ALICE", 25.56, "referrer"),
	]
	assert [c.role for c in referral.credits("A", "B", 0, 10)] == ["referrer"]
	assert referral.credits("A", "B", 0, 0) == []
	with pytest.raises(InvalidValue, match="your own"):
		referral.credits("A", "A", 10, 10)
