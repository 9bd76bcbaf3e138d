"""Whether a technician is where the job is: the check-in decision, without Frappe."""

from dataclasses import dataclass

from gigafibre.errors import InvalidValue
from gigafibre.i18n import _
from gigafibre.locations.geo import distance_m


@dataclass(frozen=True)
class CheckIn:
	distance_m: float | None  # None when the location has no coordinates
	within_radius: bool


def check_in(
	latitude: float | None,
	longitude: float | None,
	site_latitude: float | None,
	site_longitude: float | None,
	radius_m: float,
	reason: str | None,
) -> CheckIn:
	"""Accept a check-in within `radius_m` of the site; farther needs a reason, and says how far."""
	if latitude is None or longitude is None:
		if not (reason or "").strip():
			raise InvalidValue(_("Your position is not available: say why you are checking in without it."))
		return CheckIn(None, False)
	if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
		raise InvalidValue(_("The position {0}, {1} is not valid."), latitude, longitude)
	if not site_latitude or not site_longitude:
		return CheckIn(None, True)  # nothing to compare with: the dispatcher sees the raw position
	distance = distance_m(latitude, longitude, site_latitude, site_longitude)
	if distance <= radius_m:
		return CheckIn(round(distance, 1), True)
	if not (reason or "").strip():
		raise TooFar(
			_("You are {0} m from the service location (limit {1} m). Say why to check in anyway."),
			round(distance),
			round(radius_m),
			distance=distance,
		)
	return CheckIn(round(distance, 1), False)


class TooFar(InvalidValue):
	def __init__(self, message: str, *args: object, distance: float):
		super().__init__(message, *args)
		self.distance = distance
