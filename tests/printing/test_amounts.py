"""Invoice amounts as customers read them: figures and words in French (Québec) and English."""

import pytest

from gigafibre.printing.amounts import NBSP, amount_in_words, format_money, format_qty


@pytest.mark.parametrize(
	("value", "currency", "lang", "expected"),
	[
		(189.7, "CAD", "fr", f"189,70{NBSP}$"),
		(1234.5, "USD", "fr", f"1{NBSP}234,50{NBSP}$"),
		(-5, "CAD", "fr", f"-5,00{NBSP}$"),
		(0.005, "CAD", "fr", f"0,01{NBSP}$"),
		(1234.5, "CAD", "en", "$1,234.50"),
		(3, "EUR", "fr", f"3,00{NBSP}€"),
		(3, "XOF", "en", "3.00 XOF"),
	],
)
def test_format_money(value, currency, lang, expected):
	assert format_money(value, currency, lang) == expected


def test_quantities_are_whole_when_whole():
	assert [format_qty(q) for q in (1.0, 2, 2.5, None)] == ["1", "2", "2.5", "0"]


@pytest.mark.parametrize(
	("value", "currency", "lang", "expected"),
	[
		(189.70, "CAD", "fr", "Cent quatre-vingt-neuf dollars et soixante-dix cents"),
		(1, "CAD", "fr", "Un dollar"),
		(0, "CAD", "fr", "Zéro dollar"),
		(0.05, "USD", "fr", "Cinq cents"),
		(2_000_000.01, "CAD", "fr", "Deux millions de dollars et un cent"),
		(3.01, "EUR", "fr", "Trois euros et un centime"),
		(189.70, "CAD", "en", "One hundred and eighty-nine dollars and seventy cents"),
		(12.5, "XOF", "fr", "Douze XOF et 50/100"),
		(-1, "CAD", "fr", ""),
	],
)
def test_amount_in_words(value, currency, lang, expected):
	assert amount_in_words(value, currency, lang) == expected
