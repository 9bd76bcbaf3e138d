"""Canadian postal codes (`H2X 1Y4`) and coordinates."""

import re

from gigafibre.errors import InvalidValue
from gigafibre.i18n import _

# Canada Post never uses D, F, I, O, Q or U, and W and Z never start a code.
_POSTAL_CODE = re.compile(r"([ABCEGHJ-NPRSTVXY][0-9][ABCEGHJ-NPRSTV-Z])([0-9][ABCEGHJ-NPRSTV-Z][0-9])")


def normalize_postal_code(value: str | None) -> str:
	compact = re.sub(r"[\s-]", "", value or "").upper()
	match = _POSTAL_CODE.fullmatch(compact)
	if not match:
		raise InvalidValue(
			_("Postal code {0} is not a valid Canadian postal code (e.g. H2X 1Y4)."), value or ""
		)
	return f"{match.group(1)} {match.group(2)}"


def check_coordinates(latitude: float | None, longitude: float | None) -> None:
	"""Both or neither, and within the globe; (0, 0) is a forgotten value, not a place we serve."""
	if latitude in (None, 0) and longitude in (None, 0):
		return
	if latitude in (None, 0) or longitude in (None, 0):
		raise InvalidValue(_("Latitude and longitude must be given together."))
	if not -90 <= latitude <= 90:
		raise InvalidValue(_("Latitude {0} is out of range (-90 to 90)."), latitude)
	if not -180 <= longitude <= 180:
		raise InvalidValue(_("Longitude {0} is out of range (-180 to 180)."), longitude)
