import pytest

from gigafibre.errors import InvalidValue
from gigafibre.portal.identity import parse_identifier


@pytest.mark.parametrize(
	"raw,expected",
	[
		(" Marie.Cote@Exemple.CA ", ("email", "marie.cote@exemple.ca")),
		("514 555-0199", ("phone", "+15145550199")),
		("+1 (438) 555-0101", ("phone", "+14385550101")),
	],
)
def test_identifiers(raw, expected):
	assert parse_identifier(raw) == expected


@pytest.mark.parametrize("raw", ["", None, "marie", "555", "@exemple.ca", "1234567"])
def test_neither_refused(raw):
	with pytest.raises(InvalidValue, match="email address or your mobile"):
		parse_identifier(raw)


def test_portal_user_email_is_stable_unique_and_recognised():
	from gigafibre.portal.identity import is_portal_user, portal_user_email

	alice, bob = portal_user_email("CUST-0001"), portal_user_email("CUST-0002")
	assert alice == portal_user_email("CUST-0001") != bob
	assert alice.startswith("portal-") and alice.endswith("@gigafibre.invalid")
	assert is_portal_user(alice) and is_portal_user("portal-session@gigafibre.invalid")
	assert not any(map(is_portal_user, ["Administrator", "Guest", "", None, "portal-x@gigafibre.ca"]))
