"""What a person types in the address box, turned into something an index can answer.

Pure: folds accents and case, reads a leading civic number, a postal code (or its first three
characters) and a street, and gives every street a search key without its type and particles
("rue de la Montagne" and "Montagne" both key to "montagne"; "St-Denis" to "saint denis"), so a
prefix LIKE on an indexed column finds it.
"""

import re
import unicodedata
from dataclasses import dataclass, field

from gigafibre.errors import InvalidValue
from gigafibre.i18n import _
from gigafibre.locations.postal import normalize_postal_code

SERVICEABLE = "Serviceable"
PLANNED = "Planned"
NOT_SERVICEABLE = "Not Serviceable"
UNKNOWN = "Unknown"
STATUSES = (SERVICEABLE, PLANNED, NOT_SERVICEABLE)
# What a page shows beside each address found, by status.
_NOT_SERVED = _("We do not serve this address yet. Leave your email and we will tell you when we do.")
STATUS_MESSAGES = {
	SERVICEABLE: _("Fibre is available at this address."),
	PLANNED: _(
		"Fibre is coming to this address soon. Leave your email and we will tell you when you can order."
	),
	UNKNOWN: _NOT_SERVED,
	NOT_SERVICEABLE: _NOT_SERVED,
}

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
# An apartment as people write it: "app. 2", "apt 2", "unité 3B", "#4", or "2-4120 rue …" (unit first).
_UNIT_WORD = re.compile(
	r"(?:^|\s)(?:app|appt|apt|appartement|unite|unit|suite|bureau|bur|local|logement|porte)\s*([0-9]{1,5}[a-z]?)(?=\s|$)"
)
_UNIT_HASH = re.compile(r"#\s*([0-9]{1,5}[A-Za-z]?)")
_UNIT_CIVIC = re.compile(r"^\s*([0-9]{1,5}[A-Za-z]?)\s*-\s*([0-9]{1,6}[A-Za-z]?)(?=[\s,])")
# Words that end an address without naming the city ("Laval, QC", "Montréal Québec Canada").
_REGION_WORDS = {"qc", "quebec", "pq", "on", "ontario", "canada", "ca"}
# How many trailing words of a comma-less query may be its city ("… des Érables Laval-des-Rapides").
_MAX_CITY_WORDS = 3


@dataclass(frozen=True)
class AddressQuery:
	civic_number: str | None = None
	street_key: str | None = None
	postal_prefix: str | None = None  # "H2J 2L3" or "H2J"
	# The city when the query says where it ends (after a comma); folded.
	locality: str | None = None
	unit: str | None = None
	# As typed, for a page that shows the address back; not part of what is searched.
	typed_street: str = field(default="", compare=False)
	typed_city: str = field(default="", compare=False)


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
	"""`4500 rue St-Denis`, `4500 saint-d`, `H2J 2L3`, `h2j`, `saint denis`,
	`4120 rue des Érables, app. 2, Laval (QC) H7P 5L3`, `2-4120 boul. des Érables` …"""
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
	unit = None
	match = _UNIT_CIVIC.match(text)
	if match:
		unit, text = match.group(1), match.group(2) + text[match.end() :]
	match = _UNIT_HASH.search(text)
	if match:
		unit = unit or match.group(1)
		text = text[: match.start()] + " " + text[match.end() :]
	segments = [s.strip() for s in re.split(r"[,;()]", text)]
	civic = None
	match = _CIVIC.match(fold(segments[0]))
	if match:
		civic = match.group(1)
		segments[0] = _after_civic(segments[0])
	# The street is the first part with words in it; the parts after it say where it is.
	while len(segments) > 1 and not fold(segments[0]):
		segments.pop(0)
	typed_street, places = segments[0], [s for s in segments[1:] if fold(s)]
	street_words, unit = _without_unit(fold(typed_street), unit)
	places_words, typed_places = [], []
	for place in places:
		words, unit = _without_unit(fold(place), unit)
		if words:
			places_words.append(words)
			typed_places.append(place)
	# A full postal code typed at the end ("… h2j 2l3", "…, Laval H7P 5L3") narrows the search.
	postal = None
	last = places_words[-1] if places_words else street_words
	tail = _POSTAL_TAIL.search(last)
	if tail:
		try:
			postal = normalize_postal_code(tail.group(1) + tail.group(2))
			last = last[: tail.start()].strip()
		except InvalidValue:
			postal = None
		if places_words:
			places_words[-1] = last
		else:
			street_words = last
	locality = None
	typed_city = ""
	for index, words in enumerate(places_words):
		city = strip_region(words)
		if city:
			locality = city
			typed_city = typed_places[index]
			break
	key = street_key(street_words) or None
	if not civic and not key and not postal:
		raise InvalidValue(_("Type at least {0} characters of the address."), MIN_QUERY)
	return AddressQuery(
		civic_number=civic,
		street_key=key,
		postal_prefix=postal,
		locality=locality,
		unit=unit,
		typed_street=_without_postal_text(_without_unit_text(typed_street)) if key else "",
		typed_city=_without_postal_text(strip_region_text(typed_city)),
	)


def _after_civic(segment: str) -> str:
	"""The part of `4120 rue des Érables` after its civic number, as typed."""
	return re.sub(r"^\s*[0-9]{1,6}[A-Za-z]?(?=[\s,]|$)", "", segment, count=1).strip()


def _without_unit(words: str, unit: str | None) -> tuple[str, str | None]:
	match = _UNIT_WORD.search(words)
	if not match:
		return words, unit
	return " ".join((words[: match.start()] + " " + words[match.end() :]).split()), unit or match.group(1)


def _without_unit_text(typed: str) -> str:
	"""`rue des Érables app. 2` → `rue des Érables`, keeping the accents and case as typed."""
	text = re.sub(
		r"\s+(?:app|appt|apt|appartement|unit[ée]|unit|suite|bureau|bur|local|logement|porte)\.?\s*[0-9]{1,5}[A-Za-z]?\b",
		"",
		typed,
		flags=re.IGNORECASE,
	)
	return " ".join(text.split())


def _without_postal_text(typed: str) -> str:
	return re.sub(r"\s*[A-Za-z][0-9][A-Za-z]\s?[0-9][A-Za-z][0-9]\s*$", "", typed).strip()


def strip_region_text(typed: str) -> str:
	"""`Laval QC H7P 5L3` → `Laval H7P 5L3`: the province dropped from a city as typed."""
	kept = [w for w in typed.split() if fold(w) not in _REGION_WORDS - {"quebec"}]
	return " ".join(kept)


def strip_region(words: str) -> str:
	"""`laval qc` → `laval`; `qc` alone → `` (a province names no city)."""
	parts = words.split()
	while parts and parts[-1] in _REGION_WORDS and len(parts) > 1:
		parts.pop()
	if len(parts) == 1 and parts[0] in _REGION_WORDS - {"quebec"}:
		return ""
	return " ".join(parts)


def street_candidates(query: AddressQuery) -> list[tuple[str | None, str | None]]:
	"""(street key, city) pairs to try in order. A query without a comma may end with its city
	("4120 rue des Érables Laval"): after the whole key, the key without its last words, those
	words then being the city the address must be in."""
	if not query.street_key or query.locality:
		return [(query.street_key, query.locality)]
	words = query.street_key.split()
	candidates: list[tuple[str | None, str | None]] = [(query.street_key, None)]
	for cut in range(len(words) - 1, max(0, len(words) - 1 - _MAX_CITY_WORDS), -1):
		city = strip_region(" ".join(words[cut:]))
		candidates.append((" ".join(words[:cut]), city or None))
	return candidates


def in_city(locality: str | None, city: str | None) -> bool:
	"""Whether a row's city is the one the query named (a prefix: `laval` is in `Laval-des-Rapides`)."""
	if not locality:
		return True
	return fold(city).startswith(locality)


def label(civic_number: str | None, street: str | None, city: str | None, postal_code: str | None) -> str:
	"""`4500 rue Saint-Denis, Montréal H2J 2L3`."""
	first = " ".join(p for p in (civic_number or "", street or "") if p).strip()
	last = " ".join(p for p in (city or "", postal_code or "") if p).strip()
	return ", ".join(p for p in (first, last) if p)


def matches(
	query: AddressQuery,
	civic_number: str | None,
	street: str | None,
	postal_code: str | None,
	city: str | None = None,
) -> bool:
	"""Whether a row found by a coarse filter really answers the query (used for Service Locations,
	whose street is not keyed)."""
	if query.civic_number and fold(civic_number).replace(" ", "") != query.civic_number:
		return False
	if query.street_key and not street_key(street).startswith(query.street_key):
		return False
	if query.postal_prefix and not (postal_code or "").upper().startswith(query.postal_prefix):
		return False
	return in_city(query.locality, city) if city is not None else True


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
