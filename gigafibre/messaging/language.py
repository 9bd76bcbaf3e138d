"""Which language a customer is written to, and rendering in it (the Frappe side of `i18n`).

A message sent from a background job is rendered in its recipient's language: the Customer's,
else their web order's (the language the household's browser asked for), else French. Render
the text inside `rendered_in(language)` at the call site, then hand it to the sender.
"""

from contextlib import contextmanager

import frappe

from gigafibre.i18n import DEFAULT_LANGUAGE, pick_language


def request_language() -> str:
	"""The language the current request asked for (Frappe set `frappe.local.lang` from `_lang`, the
	preferred_language cookie or Accept-Language), as one of ours; French when it asked for none
	(Frappe would then fall back to the site's default, English on a fresh site)."""
	request = getattr(frappe.local, "request", None)
	asked = request is not None and bool(
		request.headers.get("Accept-Language")
		or request.cookies.get("preferred_language")
		or (getattr(frappe.local, "form_dict", None) or {}).get("_lang")
	)
	return pick_language(getattr(frappe.local, "lang", None) if asked else None)


def recipient_language(customer: str | None = None, web_order=None, fallback: str = DEFAULT_LANGUAGE) -> str:
	"""The customer's language, else the web order's (`web_order` a name or the document; for a
	customer without one, their latest web order), else `fallback`."""
	candidates = []
	if customer:
		candidates.append(frappe.db.get_value("Customer", customer, "language"))
	if isinstance(web_order, str):
		candidates.append(frappe.db.get_value("Web Order", web_order, "language"))
	elif web_order is not None:
		candidates.append(web_order.get("language"))
	elif customer:
		candidates += frappe.get_all(
			"Web Order",
			filters={"customer": customer, "language": ("is", "set")},
			pluck="language",
			order_by="creation desc",
			limit=1,
		)
	return pick_language(*candidates, fallback=fallback)


@contextmanager
def rendered_in(language: str | None):
	"""`_()` and Jinja (print formats) in `language` for the block, restored after, even on error.
	(Frappe's `print_language` does the same without the restore on error.)"""
	language = pick_language(language)
	previous_lang = getattr(frappe.local, "lang", None)
	previous_jenv = getattr(frappe.local, "jenv", None)
	frappe.local.lang = language
	frappe.local.jenv = None  # Jinja's `_` is bound per environment
	try:
		yield language
	finally:
		frappe.local.lang = previous_lang
		frappe.local.jenv = previous_jenv


def paragraphs(*texts: str) -> str:
	"""An email body of translated texts, one paragraph each. (Frappe's `_()` looks a message up
	with its HTML tags stripped, so a translatable string holds no markup: it goes around it.)"""
	return "".join(f"<p>{text}</p>" for text in texts)
