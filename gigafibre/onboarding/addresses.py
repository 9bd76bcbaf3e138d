"""Address search for the web checkout: Serviceable Addresses and Service Locations.

The built-in source. Every query is a prefix LIKE on an indexed column (postal code, street key,
or a Service Location's postal code / first line), at most `LIMIT` rows; guests get the address
and whether the network reaches it — never who lives there.
"""

from dataclasses import replace

import frappe
from frappe import _

from gigafibre.onboarding import address
from gigafibre.onboarding.address import NOT_SERVICEABLE, PLANNED, SERVICEABLE, UNKNOWN, AddressQuery

LIMIT = 10
EXTERNAL_TIMEOUT_S = 3
_FIELDS = ["name", "civic_number", "street", "city", "postal_code", "status"]


def search(q: str | None) -> list[dict]:
	"""At most LIMIT addresses for what was typed, serviceable ones first. A whole address (civic
	number and street) that nothing knows comes back as typed, saying it is not served yet, so the
	page has something to show and to offer a waiting list for."""
	query = address.parse_query(q)
	found: dict[str, dict] = {}
	# A query without a comma may end with its city: the longest street that finds something wins.
	for street_key, city in address.street_candidates(query):
		candidate = replace(query, street_key=street_key, locality=city)
		_add_known(found, candidate)
		if found:
			break
	if len(found) < LIMIT:
		for row in _external(q):
			key = address.address_key(row["civic_number"], row["street"], row["postal_code"])
			if key not in found:
				status = status_for(row["civic_number"], row["street"], row["postal_code"])
				found[key] = _result(frappe._dict(row, status=status))
	if not found and query.civic_number and query.street_key:
		found["typed"] = _result(
			frappe._dict(
				civic_number=query.civic_number.upper(),
				street=query.typed_street,
				city=query.typed_city,
				postal_code=query.postal_prefix
				if query.postal_prefix and len(query.postal_prefix) == 7
				else "",
				status=UNKNOWN,
			)
		)
	order = {SERVICEABLE: 0, PLANNED: 1, UNKNOWN: 2, NOT_SERVICEABLE: 3}
	results = sorted(found.values(), key=lambda r: (order[r["status"]], r["label"]))
	return results[:LIMIT]


def _add_known(found: dict[str, dict], query: AddressQuery) -> None:
	for row in _serviceable_addresses(query):
		found.setdefault(address.address_key(row.civic_number, row.street, row.postal_code), _result(row))
	for row in _service_locations(query):
		civic, street = address.split_line(row.address_line1)
		key = address.address_key(civic, street, row.postal_code)
		if key in found:
			continue
		status = SERVICEABLE if row.olt else UNKNOWN
		found[key] = _result(
			frappe._dict(
				civic_number=civic, street=street, city=row.city, postal_code=row.postal_code, status=status
			)
		)


def status_for(civic_number: str | None, street: str | None, postal_code: str | None) -> str:
	"""Serviceable, Planned, Not Serviceable or Unknown for one address (the order endpoint checks it)."""
	key = address.address_key(civic_number, street, postal_code)
	status = frappe.db.get_value("Serviceable Address", {"address_key": key}, "status")
	if status:
		return status
	query = AddressQuery(
		civic_number=address.fold(civic_number).replace(" ", "") or None,
		street_key=address.street_key(street) or None,
		postal_prefix=(postal_code or "").upper() or None,
	)
	for row in _service_locations(query):
		civic, line_street = address.split_line(row.address_line1)
		if row.olt and address.address_key(civic, line_street, row.postal_code) == key:
			return SERVICEABLE
	return UNKNOWN


def _serviceable_addresses(query: AddressQuery) -> list:
	filters = {}
	if query.postal_prefix:
		filters["postal_code"] = ("like", f"{query.postal_prefix}%")
	if query.street_key:
		filters["street_key"] = ("like", f"{_escape(query.street_key)}%")
	if query.civic_number:
		filters["civic_number"] = query.civic_number.upper()
	rows = frappe.get_all(
		"Serviceable Address",
		filters=filters,
		fields=_FIELDS,
		# a city named in the query is checked after: folded, it has no index
		limit=LIMIT * 5 if query.locality else LIMIT,
		order_by="street_key, civic_number",
	)
	return [r for r in rows if address.in_city(query.locality, r.city)][:LIMIT]


def _service_locations(query: AddressQuery) -> list:
	"""Service Locations have no street key: narrow by postal code or civic-number prefix of the
	first line, then keep the rows whose street really matches."""
	filters = {"location_status": ("!=", "Inactive")}
	if query.postal_prefix:
		filters["postal_code"] = ("like", f"{query.postal_prefix}%")
	if query.civic_number:
		filters["address_line1"] = ("like", f"{_escape(query.civic_number)} %")
	elif not query.postal_prefix:
		# A street alone: without a key on Service Location, only Serviceable Addresses answer.
		return []
	rows = frappe.get_all(
		"Service Location",
		filters=filters,
		fields=["address_line1", "city", "postal_code", "olt"],
		limit=LIMIT * 5,
		order_by="address_line1",
	)
	result = []
	for row in rows:
		civic, street = address.split_line(row.address_line1)
		if address.matches(query, civic, street, row.postal_code, row.city or ""):
			result.append(row)
	return result[:LIMIT]


def _result(row) -> dict:
	return {
		"label": address.label(row.civic_number, row.street, row.city, row.postal_code),
		"civic_number": row.civic_number,
		"street": row.street,
		"city": row.city,
		"postal_code": row.postal_code,
		"status": row.status,
		"serviceable": row.status == SERVICEABLE,
		"message": _(address.STATUS_MESSAGES[row.status]),
	}


def _external(q: str | None) -> list[dict]:
	"""The optional external address API (Gigafibre Settings): asked only when ours found fewer
	than LIMIT, with a short timeout; when it fails the search answers with what we have."""
	import requests

	settings = frappe.get_cached_doc("Gigafibre Settings")
	url = (settings.get("address_api_url") or "").strip()
	if not url:
		return []
	key = settings.get_password("address_api_key", raise_exception=False)
	try:
		response = requests.get(
			url,
			params={"q": (q or "").strip()},
			headers={"Authorization": f"Bearer {key}"} if key else {},
			timeout=EXTERNAL_TIMEOUT_S,
		)
		response.raise_for_status()
		return address.external_results(response.json(), LIMIT)
	except (requests.RequestException, ValueError) as err:
		frappe.log_error(title="External address search", message=str(err))
		return []


def _escape(text: str) -> str:
	return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
