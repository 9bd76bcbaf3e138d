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


# Each customer's portal session runs as that customer's own Website User, named by this pattern:
# a `.invalid` address (RFC 2606) that no mail reaches and no person can register.
PORTAL_USER_PREFIX = "portal-"
PORTAL_USER_DOMAIN = "@gigafibre.invalid"


def portal_user_email(customer: str) -> str:
	"""The address of the customer's portal user: stable, unique per customer, never a real mailbox.
	Not a secret: a portal user has no password and signs in only with a session token."""
	import hashlib

	return f"{PORTAL_USER_PREFIX}{hashlib.sha256(customer.encode()).hexdigest()[:24]}{PORTAL_USER_DOMAIN}"


def is_portal_user(user: str | None) -> bool:
	"""A user the portal signs in as (each customer's own, or the retired shared one)."""
	user = (user or "").lower()
	return user.startswith(PORTAL_USER_PREFIX) and user.endswith(PORTAL_USER_DOMAIN)
