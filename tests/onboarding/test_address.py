"""The address box: folding, street keys, and what a query asks the index."""

import pytest

from gigafibre.errors import InvalidValue
from gigafibre.onboarding import address
from gigafibre.onboarding.address import AddressQuery


@pytest.mark.parametrize(
	"street, key",
	[
		("rue Saint-Denis", "saint denis"),
		("Rue St-Denis", "saint denis"),
		("boul. René-Lévesque Ouest", "rene levesque ouest"),
		("rue de la Montagne", "montagne"),
		("Montagne", "montagne"),
		("Avenue du Parc", "parc"),
		("chemin de la Côte-Sainte-Catherine", "cote sainte catherine"),
		("Ste-Catherine", "sainte catherine"),
		("rue Rue", "rue"),  # a street named only by its type keeps its name
		("", ""),
	],
)
def test_street_key(street, key):
	assert address.street_key(street) == key


def test_fold():
	assert address.fold("  Côte-des-Neiges, H3S ") == "cote des neiges h3s"


@pytest.mark.parametrize(
	"q, expected",
	[
		("4500 rue St-Denis", AddressQuery("4500", "saint denis", None)),
		("4500 saint-d", AddressQuery("4500", "saint d", None)),
		("4500A, Saint-Denis", AddressQuery("4500a", "saint denis", None)),
		("h2j2l3", AddressQuery(postal_prefix="H2J 2L3")),
		("H2J 2L3", AddressQuery(postal_prefix="H2J 2L3")),
		("h2j", AddressQuery(postal_prefix="H2J")),
		("saint denis", AddressQuery(None, "saint denis", None)),
		("4500 St-Denis H2J 2L3", AddressQuery("4500", "saint denis", "H2J 2L3")),
		("4500", AddressQuery("4500", None, None)),
	],
)
def test_parse_query(q, expected):
	assert address.parse_query(q) == expected


@pytest.mark.parametrize("q", ["", "ab", None, "x" * 200, "  -- "])
def test_parse_query_refuses_too_little_or_too_much(q):
	with pytest.raises(InvalidValue):
		address.parse_query(q)


def test_address_key_is_the_same_however_typed():
	assert address.address_key("4500", "rue Saint-Denis", "H2J 2L3") == address.address_key(
		" 4500 ", "St-Denis", "h2j2l3"
	)
	assert address.address_key("4500", "rue Saint-Denis", "H2J 2L3") != address.address_key(
		"4502", "rue Saint-Denis", "H2J 2L3"
	)


def test_matches_and_split_line():
	query = address.parse_query("4500 st-den")
	civic, street = address.split_line("4500 rue Saint-Denis")
	assert (civic, street) == ("4500", "rue Saint-Denis")
	assert address.matches(query, civic, street, "H2J 2L3")
	assert not address.matches(query, "4502", street, "H2J 2L3")
	assert not address.matches(address.parse_query("h3s"), civic, street, "H2J 2L3")
	assert address.split_line("Rang 3") == ("", "Rang 3")


def test_label():
	assert (
		address.label("4500", "rue Saint-Denis", "Montréal", "H2J 2L3")
		== "4500 rue Saint-Denis, Montréal H2J 2L3"
	)


def test_external_results_keep_complete_canadian_rows():
	from gigafibre.onboarding.address import external_results

	rows = [
		{"civic_number": "4500", "street": " rue  Saint-Denis", "city": "Montréal", "postal_code": "h2j2l3"},
		{"civic_number": "12", "street": "Main St", "city": "Boston", "postal_code": "02134"},
		{"civic_number": "", "street": "rue X", "city": "Laval", "postal_code": "H7N 1A1"},
		"not a row",
		{"civic_number": 7, "street": "boul. des Laurentides", "city": "Laval", "postal_code": "H7N 1A1"},
	]
	expected = [
		{"civic_number": "4500", "street": "rue Saint-Denis", "city": "Montréal", "postal_code": "H2J 2L3"},
		{"civic_number": "7", "street": "boul. des Laurentides", "city": "Laval", "postal_code": "H7N 1A1"},
	]
	assert external_results(rows, 10) == expected
	assert external_results({"results": rows}, 1) == expected[:1]
	assert external_results({"error": "quota"}, 10) == []
	assert external_results(None, 10) == []
