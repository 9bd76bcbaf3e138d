"""Translation marker for the functional core.

Core modules cannot import Frappe, yet their messages reach people who read French.
They wrap message templates in this no-op `_` so that Frappe's extractor lists them;
the shell translates the template at run time with `frappe._` (see `gigafibre.validation`).
"""


def _(message: str) -> str:
	return message


# The languages our customers are written to in; ERPNext Language records of the same codes.
LANGUAGES = ("fr", "en")
DEFAULT_LANGUAGE = "fr"


def language_code(value: str | None) -> str | None:
	"""Our code for a language tag ("fr-CA", "fr_CA", "FR" -> "fr"), None when it is none of ours."""
	base = (value or "").strip().replace("_", "-").split("-")[0].lower()
	return base if base in LANGUAGES else None


def pick_language(*candidates: str | None, fallback: str = DEFAULT_LANGUAGE) -> str:
	"""The first candidate that is one of our languages, else `fallback` (French for this ISP)."""
	for candidate in candidates:
		code = language_code(candidate)
		if code:
			return code
	return language_code(fallback) or DEFAULT_LANGUAGE
