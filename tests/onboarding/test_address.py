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


@pytest.mark.parametrize(
	"q, civic, key, postal, city, unit",
	[
		# The very label the search answers, and what people type around it.
		("4120 rue des Érables, Laval H7P 5L3", "4120", "erables", "H7P 5L3", "laval", None),
		("4120 rue des Érables, Laval", "4120", "erables", None, "laval", None),
		("4120 rue des Erables H7P 5L3", "4120", "erables", "H7P 5L3", None, None),
		("4120, rue des Érables, Laval, QC", "4120", "erables", None, "laval", None),
		("4120 rue des Érables app. 2, Laval, Québec", "4120", "erables", None, "laval", "2"),
		("2-4120 boul. des Érables, Laval (QC) H7P 5L3", "4120", "erables", "H7P 5L3", "laval", "2"),
		("4120 ch. des Érables #3, Laval", "4120", "erables", None, "laval", "3"),
		("88 rue Sainte-Catherine, Québec", "88", "sainte catherine", None, "quebec", None),
	],
)
def test_parse_query_reads_what_people_type(q, civic, key, postal, city, unit):
	query = address.parse_query(q)
	assert (query.civic_number, query.street_key, query.postal_prefix, query.locality, query.unit) == (
		civic,
		key,
		postal,
		city,
		unit,
	)


def test_a_comma_less_query_may_end_with_its_city():
	query = address.parse_query("4120 rue des Érables Laval QC")
	assert query.locality is None
	candidates = address.street_candidates(query)
	assert candidates[0] == ("erables laval qc", None)
	assert ("erables", "laval") in candidates
	# once a comma says where the street ends, nothing else is tried
	assert address.street_candidates(address.parse_query("4120 rue des Érables, Laval")) == [
		("erables", "laval")
	]


def test_in_city_and_matches_with_a_city():
	assert address.in_city("laval", "Laval")
	assert address.in_city("laval", "Laval-des-Rapides")
	assert not address.in_city("laval", "Montréal")
	assert address.in_city(None, "Montréal")
	query = address.parse_query("4500 St-Denis, Montréal")
	assert address.matches(query, "4500", "rue Saint-Denis", "H2J 2L3", "Montréal")
	assert not address.matches(query, "4500", "rue Saint-Denis", "H2J 2L3", "Laval")


def test_typed_parts_are_kept_for_showing_back():
	query = address.parse_query("4120 rue des Érables app. 2, Laval QC H7P 5L3")
	assert (query.typed_street, query.typed_city) == ("rue des Érables", "Laval")
	assert set(address.STATUS_MESSAGES) == {
		address.SERVICEABLE,
		address.PLANNED,
		address.UNKNOWN,
		address.NOT_SERVICEABLE,
	}
