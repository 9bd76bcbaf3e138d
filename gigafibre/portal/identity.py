"""What a customer types to receive a link: an email address or a mobile number."""

import re

from gigafibre.errors import InvalidValue
from gigafibre.i18n import _
from gigafibre.messaging.phone import to_e164

_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


def parse_identifier(value: str | None) -> tuple[str, str]:
	"""("email", lower-cased address) or ("phone", E.164)."""
	text = (value or "").strip()
	if _EMAIL.fullmatch(text):
		return "email", text.lower()
	if text and sum(c.isdigit() for c in text) >= 7:
		try:
			return "phone", to_e164(text)
		except InvalidValue:
			pass
	raise InvalidValue(_("Enter your email address or your mobile number."))
