"""Phone numbers in E.164, the only form Twilio and the customer lookup by phone accept."""

import phonenumbers

from gigafibre.errors import InvalidValue
from gigafibre.i18n import _

DEFAULT_REGION = "CA"


def to_e164(value: str | None, region: str = DEFAULT_REGION) -> str | None:
	"""`+15145551234` from what a person types (`514 555-1234`, `1-514-555-1234`…); None when empty."""
	if not value or not value.strip():
		return None
	try:
		number = phonenumbers.parse(value, region)
	except phonenumbers.NumberParseException:
		raise InvalidValue(_("Phone number {0} is not valid."), value) from None
	if not phonenumbers.is_valid_number(number):
		raise InvalidValue(_("Phone number {0} is not valid."), value)
	return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
