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
