"""What a person types in the address box, turned into something an index can answer.

Pure: folds accents and case, reads a leading civic number, a postal code (or its first three
characters) and a street, and gives every street a search key without its type and particles
("rue de la Montagne" and "Montagne" both key to "montagne"; "St-Denis" to "saint denis"), so a
prefix LIKE on an indexed column finds it.
"""

import re
import unicodedata
from dataclasses import dataclass

from gigafibre.errors import InvalidValue
from gigafibre.i18n import _
from gigafibre.locations.postal import normalize_postal_code

SERVICEABLE = "Serviceable"
PLANNED = "Planned"
NOT_SERVICEABLE = "Not Serviceable"
UNKNOWN = "Unknown"
STATUSES = (SERVICEABLE, PLANNED, NOT_SERVICEABLE)

MIN_QUERY = 3
MAX_QUERY = 120

# Street types, French and English, as people write them (folded).
_STREET_TYPES = {
	"rue", "r", "avenue", "av", "ave", "boulevard", "boul", "blvd", "bd", "chemin", "ch", "rang",
	"route", "rte", "place", "pl", "montee", "cote", "croissant", "cr", "terrasse", "impasse",
	"allee", "promenade", "square", "carre", "rond", "point", "street", "road", "rd", "drive",
	"dr", "lane", "court", "crescent", "autoroute",
}  # fmt: skip
_PARTICLES = {"de", "du", "des", "la", "le", "les", "l", "d"}
_ABBREVIATIONS = {"st": "saint", "ste": "sainte", "mt": "mont"}
_POSTAL_FULL = re.compile(r"^([a-z][0-9][a-z])\s*([0-9][a-z][0-9])$")
_POSTAL_FSA = re.compile(r"^[a-z][0-9][a-z]$")
_POSTAL_TAIL = re.compile(r"(?:^|\s)([a-z][0-9][a-z])\s?([0-9][a-z][0-9])$")
_CIVIC = re.compile(r"^([0-9]{1,6}[a-z]?)(?:\s|,|$)")


@dataclass(frozen=True)
class AddressQuery:
	civic_number: str | None = None
	street_key: str | None = None
	postal_prefix: str | None = None  # "H2J 2L3" or "H2J"


def fold(text: str | None) -> str:
	"""Lower case, no accents, words separated by single spaces."""
	decomposed = unicodedata.normalize("NFKD", text or "")
	plain = "".join(c for c in decomposed if not unicodedata.combining(c)).lower()
	return " ".join(re.sub(r"[^a-z0-9]+", " ", plain).split())


def street_key(street: str | None) -> str:
	"""The street's name without its type and leading particles, abbreviations spelled out."""
	words = [_ABBREVIATIONS.get(w, w) for w in fold(street).split()]
	# One type at most ("chemin de la Côte-Sainte-Catherine": Côte is then part of the name).
	if len(words) > 1 and words[0] in _STREET_TYPES:
		words.pop(0)
	while len(words) > 1 and words[0] in _PARTICLES:
		words.pop(0)
	return " ".join(words)


def address_key(civic_number: str | None, street: str | None, postal_code: str | None) -> str:
	"""One address, however it was typed: the unique key of a Serviceable Address."""
	return f"{fold(civic_number).replace(' ', '')}|{street_key(street)}|{fold(postal_code).replace(' ', '')}"


def parse_query(q: str | None) -> AddressQuery:
	"""`4500 rue St-Denis`, `4500 saint-d`, `H2J 2L3`, `h2j`, `saint denis` …"""
	text = " ".join((q or "").split())
	if len(text) < MIN_QUERY:
		raise InvalidValue(_("Type at least {0} characters of the address."), MIN_QUERY)
	if len(text) > MAX_QUERY:
		raise InvalidValue(_("This address is too long."))
	folded = fold(text)
	if _POSTAL_FULL.match(folded):
		try:
			return AddressQuery(postal_prefix=normalize_postal_code(folded))
		except InvalidValue:
			pass
	if _POSTAL_FSA.match(folded):
		return AddressQuery(postal_prefix=folded.upper())
	civic = None
	match = _CIVIC.match(folded)
	if match:
		civic = match.group(1)
		folded = folded[match.end() :].strip()
	# A full postal code typed after the street ("4500 st-denis h2j 2l3") narrows the search.
	postal = None
	tail = _POSTAL_TAIL.search(folded)
	if tail:
		try:
			postal = normalize_postal_code(tail.group(1) + tail.group(2))
			folded = folded[: tail.start()].strip()
		except InvalidValue:
			postal = None
	key = street_key(folded) or None
	if not civic and not key and not postal:
		raise InvalidValue(_("Type at least {0} characters of the address."), MIN_QUERY)
	return AddressQuery(civic_number=civic, street_key=key, postal_prefix=postal)


def label(civic_number: str | None, street: str | None, city: str | None, postal_code: str | None) -> str:
	"""`4500 rue Saint-Denis, Montréal H2J 2L3`."""
	first = " ".join(p for p in (civic_number or "", street or "") if p).strip()
	last = " ".join(p for p in (city or "", postal_code or "") if p).strip()
	return ", ".join(p for p in (first, last) if p)


def matches(
	query: AddressQuery, civic_number: str | None, street: str | None, postal_code: str | None
) -> bool:
	"""Whether a row found by a coarse filter really answers the query (used for Service Locations,
	whose street is not keyed)."""
	if query.civic_number and fold(civic_number).replace(" ", "") != query.civic_number:
		return False
	if query.street_key and not street_key(street).startswith(query.street_key):
		return False
	if query.postal_prefix and not (postal_code or "").upper().startswith(query.postal_prefix):
		return False
	return True


def split_line(address_line: str | None) -> tuple[str, str]:
	"""("4500", "rue Saint-Denis") from a Service Location's first address line."""
	text = " ".join((address_line or "").split())
	match = re.match(r"^([0-9]{1,6}[A-Za-z]?)[\s,]+(.*)$", text)
	return (match.group(1), match.group(2)) if match else ("", text)


def external_results(payload, limit: int) -> list[dict]:
	"""Addresses from the optional external search API: a JSON list (or `{"results": [...]}`) of
	objects with `civic_number`, `street`, `city`, `postal_code` (postal codes normalized; rows
	missing one of them, or with a postal code that is not Canadian, are dropped)."""
	from gigafibre.errors import InvalidValue
	from gigafibre.locations.postal import normalize_postal_code

	rows = payload.get("results") if isinstance(payload, dict) else payload
	out = []
	for row in rows if isinstance(rows, list) else []:
		if not isinstance(row, dict):
			continue
		values = {k: " ".join(str(row.get(k) or "").split()) for k in ("civic_number", "street", "city")}
		if not all(values.values()):
			continue
		try:
			values["postal_code"] = normalize_postal_code(str(row.get("postal_code") or ""))
		except InvalidValue:
			continue
		out.append(values)
		if len(out) >= limit:
			break
	return out
