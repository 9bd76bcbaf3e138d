"""Referral codes and the rules for crediting them. Pure: the shell (`referrals`) reads the records.

A code belongs to one customer (`GF-` + 6 characters without look-alikes: no 0/O, 1/I/L). A new
customer ordering with it gets a credit, and so does the customer who referred them — once per new
customer: the shell keeps one Referral per referred customer and per verified email or phone.
"""

import re
import secrets
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from gigafibre.errors import InvalidValue
from gigafibre.i18n import _

PREFIX = "GF-"
ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
LENGTH = 6
_CODE = re.compile(rf"{PREFIX}[{ALPHABET}]{{{LENGTH}}}")


def new_code(choice=secrets.choice) -> str:
	return PREFIX + "".join(choice(ALPHABET) for _i in range(LENGTH))


def normalize_code(value: str | None) -> str:
	"""`gf 7k2-m9q` → `GF-7K2M9Q`; typed look-alikes (O, I, L) read as the digits they resemble."""
	text = re.sub(r"[\s\-_.]", "", (value or "").upper())
	if text.startswith("GF"):
		text = text[2:]
	text = text.translate(str.maketrans({"O": "0", "I": "1", "L": "1"}))
	code = PREFIX + text
	if not _CODE.fullmatch(code):
		raise InvalidValue(_("This referral code is not valid."))
	return code


@dataclass(frozen=True)
class Referrer:
	customer: str
	disabled: bool
	identifiers: frozenset[str]  # the referrer's own emails (lower case) and mobiles (E.164)


@dataclass(frozen=True)
class Credit:
	customer: str
	amount: float
	role: str  # "referred" or "referrer"


def check(
	code: str | None,
	referrer: Referrer | None,
	identifier: str,
	already_referred: bool,
	existing_customer: bool,
) -> str:
	"""The normalized code when it may be credited for the person behind `identifier` (their
	verified email or phone); an `InvalidValue` saying why not otherwise."""
	normalized = normalize_code(code)
	if referrer is None or referrer.disabled:
		raise InvalidValue(_("This referral code is not valid."))
	if identifier.lower() in referrer.identifiers:
		raise InvalidValue(_("You cannot use your own referral code."))
	if existing_customer:
		raise InvalidValue(_("Referral codes are for new customers."))
	if already_referred:
		raise InvalidValue(_("A referral code was already credited for you."))
	return normalized


def credits(referrer: str, referred: str, referred_amount: float, referrer_amount: float) -> list[Credit]:
	"""The credit notes to write: one per party whose amount is above zero."""
	if referrer == referred:
		raise InvalidValue(_("You cannot use your own referral code."))
	out = []
	for customer, amount, role in (
		(referred, referred_amount, "referred"),
		(referrer, referrer_amount, "referrer"),
	):
		cents = Decimal(str(amount or 0)).quantize(Decimal("0.01"), ROUND_HALF_UP)
		if cents > 0:
			out.append(Credit(customer, float(cents), role))
	return out
