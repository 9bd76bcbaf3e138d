"""What the web form sends to place an order, checked before anything is written.

Pure: the shell (`orders`) reads the catalog and the serviceability of the address.
"""

import json
import re
from dataclasses import dataclass

from gigafibre.errors import InvalidValue
from gigafibre.i18n import _
from gigafibre.locations.postal import normalize_postal_code

_ORDER_KEY = re.compile(r"[A-Za-z0-9_-]{8,64}")
MAX_QTY = 10
MAX_LINES = 20
MAX_TEXT = 140
INDIVIDUAL = "Individual"
COMPANY = "Company"
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


@dataclass(frozen=True)
class OrderLine:
	item_code: str
	qty: int


@dataclass(frozen=True)
class OrderRequest:
	order_key: str
	lines: tuple[OrderLine, ...]
	first_name: str
	last_name: str
	civic_number: str
	street: str
	city: str
	postal_code: str
	customer_type: str = INDIVIDUAL
	company_name: str = ""
	email: str = ""
	referral_code: str = ""


def order_key(value: str | None) -> str:
	text = (value or "").strip()
	if not _ORDER_KEY.fullmatch(text):
		raise InvalidValue(_("The order key must be 8 to 64 letters, digits, dashes or underscores."))
	return text


def parse(
	key: str | None,
	items: str | list | None,
	first_name: str | None,
	last_name: str | None,
	civic_number: str | None,
	street: str | None,
	city: str | None,
	postal_code: str | None,
	customer_type: str | None = None,
	company_name: str | None = None,
	email: str | None = None,
	referral_code: str | None = None,
) -> OrderRequest:
	"""A company order is signed through DocuSeal, which emails its signer: it needs an email."""
	kind = (customer_type or INDIVIDUAL).strip().capitalize()
	if kind not in (INDIVIDUAL, COMPANY):
		raise InvalidValue(_("The customer type must be Individual or Company."))
	email_text = (email or "").strip().lower()
	if email_text and not _EMAIL.fullmatch(email_text):
		raise InvalidValue(_("Enter a valid email address."))
	company = ""
	if kind == COMPANY:
		company = _text(company_name, _("Enter the name of the company."))
		if not email_text:
			raise InvalidValue(_("Enter the email address of the person who signs for the company."))
	return OrderRequest(
		order_key=order_key(key),
		lines=lines(items),
		first_name=_text(first_name, _("Enter your first name.")),
		last_name=_text(last_name, _("Enter your last name.")),
		civic_number=_text(civic_number, _("Enter the civic number of the address.")),
		street=_text(street, _("Enter the street of the address.")),
		city=_text(city, _("Enter the city of the address.")),
		postal_code=normalize_postal_code(postal_code),
		customer_type=kind,
		company_name=company,
		email=email_text,
		referral_code=(referral_code or "").strip()[:MAX_TEXT],
	)


def lines(items: str | list | None) -> tuple[OrderLine, ...]:
	"""`[{"item_code": "...", "qty": 1}, …]` (or its JSON); one line per item, quantities added."""
	if isinstance(items, str):
		try:
			items = json.loads(items)
		except ValueError:
			items = None
	if not isinstance(items, list) or not items or len(items) > MAX_LINES:
		raise InvalidValue(_("Choose at least one product."))
	quantities: dict[str, int] = {}
	for row in items:
		code = row.get("item_code") if isinstance(row, dict) else None
		qty = row.get("qty", 1) if isinstance(row, dict) else None
		if not isinstance(code, str) or not code.strip():
			raise InvalidValue(_("Choose at least one product."))
		if isinstance(qty, bool) or not isinstance(qty, int | str) or not str(qty).isdigit():
			raise InvalidValue(_("The quantity of {0} must be a whole number from 1 to {1}."), code, MAX_QTY)
		quantities[code.strip()] = quantities.get(code.strip(), 0) + int(qty)
	for code, qty in quantities.items():
		if not 1 <= qty <= MAX_QTY:
			raise InvalidValue(_("The quantity of {0} must be a whole number from 1 to {1}."), code, MAX_QTY)
	return tuple(OrderLine(code, qty) for code, qty in quantities.items())


def _text(value: str | None, missing: str) -> str:
	"""`missing` is the (marked) message for an empty field: a whole sentence, so it translates."""
	text = " ".join((value or "").split())
	if not text:
		raise InvalidValue(missing)
	if len(text) > MAX_TEXT:
		raise InvalidValue(_("Each field takes {0} characters at most."), MAX_TEXT)
	if "<" in text or ">" in text:
		# ERPNext refuses them in the names of the records an order creates (Contact, Customer).
		raise InvalidValue(_("Names and addresses cannot contain < or >."))
	return text


def quantity(value) -> int | float:
	"""A quantity as people write it: 1, not 1.0 (ERPNext keeps quantities as floats)."""
	number = float(value or 0)
	return int(number) if number.is_integer() else number
