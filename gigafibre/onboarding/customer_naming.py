"""The id of a Customer made from a web order, when customers are named after themselves.

Pure. ERPNext names a second "Marie Tremblay" "Marie Tremblay - 1" and says so to whoever is
making it ("Changed customer name to …") — on a guest's signature, news of another customer. Ours
is the name when it is free, else the name with the service address's postal code ("Marie Tremblay
- H2J 2L3", which staff can tell apart), else with the web order too. `customer_name` stays the
name as typed either way.
"""

from collections.abc import Callable


def customer_id(name: str, postal_code: str | None, order: str, taken: Callable[[str], bool]) -> str:
	name = " ".join((name or "").split())
	postal = " ".join((postal_code or "").upper().split())
	candidates = [name] if name else []
	if postal:
		candidates.append(f"{name} - {postal}")
	candidates.append(f"{name} - {postal} - {order}" if postal else f"{name} - {order}")
	for candidate in candidates:
		if not taken(candidate):
			return candidate
	return candidates[-1]
