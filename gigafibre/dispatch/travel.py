"""Travel times between places: great-circle estimate by default, a road-network table when set up.

The estimate: haversine distance x road factor (roads are longer than the crow flies, about
1.3 in a city grid) at an average speed. The table services are existing engines: OSRM
(`GET /table/v1/driving/{lon,lat;...}?annotations=duration,distance`) and Valhalla
(`POST /sources_to_targets`). Their answers are cached per pair of places through a small
get/set interface (a dict in tests, Redis in the shell), so a day's matrix is asked once.
"""

import json
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from gigafibre.errors import InvalidValue, ServiceError
from gigafibre.i18n import _
from gigafibre.locations.geo import distance_m

DEFAULT_ROAD_FACTOR = 1.3
DEFAULT_SPEED_KMH = 40.0

Point = tuple[float, float]  # (latitude, longitude)


@dataclass(frozen=True)
class Matrix:
	durations: tuple[tuple[int, ...], ...]  # seconds
	distances: tuple[tuple[int, ...], ...]  # metres
	source: str  # "estimate", "osrm" or "valhalla"


def check_point(point: Point) -> Point:
	try:
		lat, lon = float(point[0]), float(point[1])
	except (TypeError, ValueError, IndexError):
		raise InvalidValue(_("{0} is not a latitude and longitude."), point) from None
	if not (-90 <= lat <= 90 and -180 <= lon <= 180) or math.isnan(lat) or math.isnan(lon):
		raise InvalidValue(_("{0} is not a latitude and longitude."), point)
	return lat, lon


def haversine_m(a: Point, b: Point) -> float:
	return distance_m(a[0], a[1], b[0], b[1])


def estimate(
	points: Sequence[Point], road_factor: float = DEFAULT_ROAD_FACTOR, speed_kmh: float = DEFAULT_SPEED_KMH
) -> Matrix:
	if road_factor < 1:
		raise InvalidValue(_("The road factor must be at least 1."))
	if speed_kmh <= 0:
		raise InvalidValue(_("The average speed must be more than 0 km/h."))
	pts = [check_point(p) for p in points]
	legs = [[estimate_leg(a, b, road_factor, speed_kmh) for b in pts] for a in pts]
	durations = tuple(tuple(seconds for seconds, _m in row) for row in legs)
	distances = tuple(tuple(metres for _s, metres in row) for row in legs)
	return Matrix(durations, distances, "estimate")


def estimate_leg(a: Point, b: Point, road_factor: float, speed_kmh: float) -> tuple[int, int]:
	"""(seconds, metres) from `a` to `b` as `estimate` counts them, for one leg (a route's
	consecutive legs without the whole matrix)."""
	metres = round(haversine_m(a, b) * road_factor)
	return round(metres / (speed_kmh / 3.6)), metres


class Cache(Protocol):
	def get(self, key: str): ...

	def set(self, key: str, value, expires_in_sec: int | None = None): ...


class DictCache:
	def __init__(self):
		self.data: dict[str, object] = {}

	def get(self, key: str):
		return self.data.get(key)

	def set(self, key: str, value, expires_in_sec: int | None = None):
		self.data[key] = value


@dataclass
class TableClient:
	"""A road-network table service (OSRM or Valhalla) at `base_url`, with a per-pair cache."""

	base_url: str
	engine: str = "osrm"  # or "valhalla"
	timeout: float = 10.0
	retries: int = 2
	cache: Cache | None = None
	cache_seconds: int = 7 * 24 * 3600
	session: object | None = None  # a requests.Session, for tests and connection reuse
	sleep: Callable[[float], None] = time.sleep

	def matrix(self, points: Sequence[Point]) -> Matrix:
		if self.engine not in ("osrm", "valhalla"):
			raise InvalidValue(_("Unknown routing engine {0}: use osrm or valhalla."), self.engine)
		pts = [check_point(p) for p in points]
		n = len(pts)
		keys = [[_key(self.engine, a, b) for b in pts] for a in pts]
		cached = [[None if i == j else self._cached(keys[i][j]) for j in range(n)] for i in range(n)]
		if all(cached[i][j] is not None for i in range(n) for j in range(n) if i != j):
			durations = [[0 if i == j else cached[i][j][0] for j in range(n)] for i in range(n)]
			distances = [[0 if i == j else cached[i][j][1] for j in range(n)] for i in range(n)]
		else:
			durations, distances = self._ask(pts)
			if self.cache is not None:
				for i in range(n):
					for j in range(n):
						if i != j:
							self.cache.set(keys[i][j], [durations[i][j], distances[i][j]], self.cache_seconds)
		return Matrix(tuple(map(tuple, durations)), tuple(map(tuple, distances)), self.engine)

	def _cached(self, key: str):
		if self.cache is None:
			return None
		value = self.cache.get(key)
		if isinstance(value, bytes | str):
			value = json.loads(value)
		return value

	def _ask(self, pts: list[Point]) -> tuple[list[list[int]], list[list[int]]]:
		import requests

		session = self.session or requests
		base = self.base_url.rstrip("/")
		for attempt in range(self.retries + 1):
			try:
				if self.engine == "osrm":
					coords = ";".join(f"{lon:.6f},{lat:.6f}" for lat, lon in pts)
					response = session.get(
						f"{base}/table/v1/driving/{coords}",
						params={"annotations": "duration,distance"},
						timeout=self.timeout,
					)
				else:
					locations = [{"lat": lat, "lon": lon} for lat, lon in pts]
					response = session.post(
						f"{base}/sources_to_targets",
						json={"sources": locations, "targets": locations, "costing": "auto"},
						timeout=self.timeout,
					)
			except requests.RequestException:
				if attempt < self.retries:
					self.sleep(0.5 * 2**attempt)
					continue
				raise ServiceError(
					_("The routing service at {0} does not answer."), base, retryable=True
				) from None
			if response.status_code >= 500 and attempt < self.retries:
				self.sleep(0.5 * 2**attempt)
				continue
			return self._parse(response, len(pts), base)
		raise AssertionError("unreachable")

	def _parse(self, response, n: int, base: str) -> tuple[list[list[int]], list[list[int]]]:
		try:
			body = response.json()
		except ValueError:
			body = None
		if response.status_code != 200 or not isinstance(body, dict):
			raise ServiceError(
				_("The routing service at {0} refused the request ({1})."),
				base,
				response.status_code,
				retryable=response.status_code >= 500,
			)
		try:
			if self.engine == "osrm":
				if body.get("code") != "Ok":
					raise ServiceError(
						_("The routing service at {0} refused the request ({1})."), base, body.get("code")
					)
				durations = [[_whole(v) for v in row] for row in body["durations"]]
				distances = [[_whole(v) for v in row] for row in body["distances"]]
			else:
				rows = body["sources_to_targets"]
				durations = [[_whole(cell.get("time")) for cell in row] for row in rows]
				distances = [
					[
						_whole(None if cell.get("distance") is None else cell["distance"] * 1000)
						for cell in row
					]
					for row in rows
				]
		except (KeyError, TypeError, AttributeError):
			raise ServiceError(_("The routing service at {0} answered in an unknown format."), base) from None
		if len(durations) != n or any(len(row) != n for row in durations + distances):
			raise ServiceError(_("The routing service at {0} answered in an unknown format."), base)
		return durations, distances


def _whole(value) -> int:
	if value is None:
		# No road between the two places: a value the planner will never choose.
		return 10**7
	return round(float(value))


def _key(engine: str, a: Point, b: Point) -> str:
	return f"gigafibre:travel:{engine}:{a[0]:.5f},{a[1]:.5f}:{b[0]:.5f},{b[1]:.5f}"
