"""Distances on the Earth's surface, for check-ins and travel estimates."""

from math import asin, cos, radians, sin, sqrt

EARTH_RADIUS_M = 6_371_008.8  # mean radius (IUGG)


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
	"""Great-circle distance in metres (haversine)."""
	phi1, phi2 = radians(lat1), radians(lat2)
	dphi, dlmb = phi2 - phi1, radians(lon2 - lon1)
	a = sin(dphi / 2) ** 2 + cos(phi1) * cos(phi2) * sin(dlmb / 2) ** 2
	return 2 * EARTH_RADIUS_M * asin(min(1.0, sqrt(a)))
