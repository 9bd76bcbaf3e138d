import pytest

from gigafibre.errors import InvalidValue
from gigafibre.locations.geo import distance_m
from gigafibre.tech.checkin import TooFar, check_in

SITE = (45.5252, -73.5823)  # 4500 rue Saint-Denis


def test_distance_known_values():
	# Montréal (Place Ville Marie) to Québec (Château Frontenac): about 233 km.
	assert 230_000 < distance_m(45.5017, -73.5700, 46.8122, -71.2050) < 236_000
	assert distance_m(*SITE, *SITE) == 0
	# 0.001° of latitude is about 111 m.
	assert 110 < distance_m(45.0, -73.0, 45.001, -73.0) < 112


def test_within_radius_accepted():
	result = check_in(45.5258, -73.5823, *SITE, radius_m=150, reason=None)
	assert result.within_radius and 60 < result.distance_m < 75


def test_too_far_needs_a_reason_and_says_how_far():
	with pytest.raises(TooFar) as err:
		check_in(45.5352, -73.5823, *SITE, radius_m=150, reason="  ")
	assert 1100 < err.value.distance < 1125
	assert err.value.args_[1] == 150
	result = check_in(45.5352, -73.5823, *SITE, radius_m=150, reason="Entrée par la ruelle")
	assert not result.within_radius and result.distance_m > 1000


def test_no_gps_needs_a_reason():
	with pytest.raises(InvalidValue, match="position"):
		check_in(None, None, *SITE, radius_m=150, reason="")
	assert check_in(None, None, *SITE, radius_m=150, reason="GPS en panne").distance_m is None


def test_bad_position_refused():
	with pytest.raises(InvalidValue):
		check_in(95.0, -73.0, *SITE, radius_m=150, reason=None)


def test_location_without_coordinates_accepts():
	assert check_in(45.5, -73.5, None, None, radius_m=150, reason=None).within_radius
