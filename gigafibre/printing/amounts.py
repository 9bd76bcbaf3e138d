"""Amounts as a customer reads them on an invoice: figures and words, French or English.

Core: no Frappe. Words come from num2words (a Frappe dependency too), with the currency's
own forms ("dollars et cents"): Canadian and US dollars share them.
"""

from decimal import ROUND_HALF_UP, Decimal

NBSP = "\u00a0"
SYMBOLS = {"CAD": "$", "USD": "$", "EUR": "€"}
# Unit and hundredth of each currency, singular and plural, per language.
_UNITS = {
	"fr": {
		"$": (("dollar", "dollars"), ("cent", "cents")),
		"EUR": (("euro", "euros"), ("centime", "centimes")),
	},
	"en": {"$": (("dollar", "dollars"), ("cent", "cents")), "EUR": (("euro", "euros"), ("cent", "cents"))},
}


def _cents(value) -> Decimal:
	return Decimal(str(value or 0)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def format_money(value, currency: str = "CAD", lang: str = "fr") -> str:
	"""1 234,50 $ in French (Québec), $1,234.50 in English."""
	amount = _cents(value)
	sign = "-" if amount < 0 else ""
	whole, cents = f"{abs(amount):,.2f}".split(".")
	symbol = SYMBOLS.get(currency or "", currency or "")
	if lang == "fr":
		return f"{sign}{whole.replace(',', NBSP)},{cents}{NBSP}{symbol}"
	return f"{sign}{symbol}{whole}.{cents}" if len(symbol) == 1 else f"{sign}{whole}.{cents} {symbol}"


def format_qty(value) -> str:
	"""1, not 1.0; 2,5 kept as typed otherwise."""
	number = float(value or 0)
	return str(int(number)) if number.is_integer() else f"{number:g}"


def amount_in_words(value, currency: str = "CAD", lang: str = "fr") -> str:
	"""« Cent quatre-vingt-neuf dollars et soixante-dix cents », capitalised; "" when negative."""
	from num2words import num2words

	amount = _cents(value)
	if amount < 0:
		return ""
	lang = lang if lang in _UNITS else "en"
	whole, cents = int(amount), int((amount % 1) * 100)
	units = _UNITS[lang].get("$" if SYMBOLS.get(currency) == "$" else currency)
	and_ = " et " if lang == "fr" else " and "
	if not units:
		words = f"{num2words(whole, lang=lang)} {currency}"
		words += f"{and_}{cents:02d}/100" if cents else ""
		return words[:1].upper() + words[1:]
	(one, many), (one_cent, many_cents) = units

	def counted(number: int, singular: str, plural: str) -> str:
		# French: 0 and 1 take the singular; "un million de dollars".
		few = number < 2 if lang == "fr" else number == 1
		text = num2words(number, lang=lang)
		of = (
			" de"
			if lang == "fr" and text.split()[-1] in ("million", "millions", "milliard", "milliards")
			else ""
		)
		return f"{text}{of} {singular if few else plural}"

	words = counted(whole, one, many)
	if cents:
		words = (
			f"{words}{and_}{counted(cents, one_cent, many_cents)}"
			if whole
			else counted(cents, one_cent, many_cents)
		)
	return words[:1].upper() + words[1:]
