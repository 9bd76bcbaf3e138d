"""Which of our languages a customer is written to (gigafibre.i18n)."""

from gigafibre.i18n import language_code, pick_language


def test_language_tags_map_to_our_codes():
	assert [language_code(v) for v in ("fr-CA", "fr_CA", "FR", " en-US ", "en", "es", "", None)] == [
		"fr",
		"fr",
		"fr",
		"en",
		"en",
		None,
		None,
		None,
	]


def test_first_known_language_else_french():
	assert pick_language(None, "es", "en-CA", "fr") == "en"
	assert pick_language("fr-CA", "en") == "fr"
	assert pick_language(None, "") == "fr"
	assert pick_language("de", fallback="en") == "en"
	assert pick_language("de", fallback="de") == "fr"
