"""Serial numbers, MAC addresses and GPON serials as printed on equipment labels.

One normal form each, so that a technician's scan, a typed value and a GenieACS record
compare equal and hit the same unique index.
"""

import re

from gigafibre.errors import InvalidValue
from gigafibre.i18n import _

_MAC_HEX = re.compile(r"[0-9A-F]{12}")
_SERIAL_ALLOWED = re.compile(r"[A-Z0-9][A-Z0-9._/-]*")
_GPON = re.compile(r"([A-Z]{4})([0-9A-F]{8})")
# Separators seen on labels and in vendor UIs: 00:11:.., 00-11-.., 0011.2233.4455, spaces.
_MAC_SEPARATORS = re.compile(r"[\s:.\-]")
SERIAL_MAX_LENGTH = 64


def normalize_serial(value: str | None) -> str:
	"""Trimmed, upper-cased, inner blanks removed; refuses characters no label carries."""
	serial = re.sub(r"\s+", "", value or "").upper()
	if not serial:
		raise InvalidValue(_("Serial number is required."))
	if len(serial) > SERIAL_MAX_LENGTH or not _SERIAL_ALLOWED.fullmatch(serial):
		raise InvalidValue(_("Serial number {0} is not valid."), value)
	return serial


def normalize_mac(value: str | None) -> str | None:
	"""`AA:BB:CC:DD:EE:FF`, or None for an empty value (the MAC is optional)."""
	if not value or not value.strip():
		return None
	digits = _MAC_SEPARATORS.sub("", value.strip()).upper()
	if not _MAC_HEX.fullmatch(digits):
		raise InvalidValue(_("MAC address {0} is not valid (12 hexadecimal digits expected)."), value)
	return ":".join(digits[i : i + 2] for i in range(0, 12, 2))


def normalize_gpon_serial(value: str | None) -> str | None:
	"""4-letter vendor id + 8 hex digits (`TPLG1A2B3C4D`), or None when empty.

	Labels sometimes print the vendor id in hex (`54504C47` for TPLG): that form is decoded.
	"""
	if not value or not value.strip():
		return None
	compact = re.sub(r"[\s:\-]", "", value).upper()
	if re.fullmatch(r"[0-9A-F]{16}", compact):
		try:
			vendor = bytes.fromhex(compact[:8]).decode("ascii")
		except UnicodeDecodeError:
			vendor = ""
		if re.fullmatch(r"[A-Za-z]{4}", vendor):
			compact = vendor.upper() + compact[8:]
	if not _GPON.fullmatch(compact):
		raise InvalidValue(
			_("GPON serial {0} is not valid (4 letters and 8 hexadecimal digits expected)."), value
		)
	return compact
