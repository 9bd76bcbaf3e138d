"""Travel times: the great-circle estimate, and an OSRM table served by a loopback peer, cached."""

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import ClassVar

import pytest

from gigafibre.dispatch import travel
from gigafibre.errors import InvalidValue, ServiceError

MTL, LAVAL = (45.5017, -73.5673), (45.6066, -73.7124)


def test_estimate_uses_road_factor_and_speed():
	m = travel.estimate([MTL, LAVAL], road_factor=1.3, speed_kmh=40)
	crow = travel.haversine_m(MTL, LAVAL)
	assert 16_000 < crow < 17_000
	assert m.distances[0][1] == round(crow * 1.3) and m.distances[0][0] == 0
	assert m.durations[0][1] == round(m.distances[0][1] / (40 / 3.6))


@pytest.mark.parametrize("points", [[(91, 0)], [("x", 0)], [(None,)]])
def test_bad_points_rejected(points):
	with pytest.raises(InvalidValue):
		travel.estimate(points)


def test_bad_settings_rejected():
	with pytest.raises(InvalidValue):
		travel.estimate([MTL], road_factor=0.5)
	with pytest.raises(InvalidValue):
		travel.estimate([MTL], speed_kmh=0)


class _Osrm(BaseHTTPRequestHandler):
	calls: ClassVar[list[str]] = []
	status = 200

	def do_GET(self):
		_Osrm.calls.append(self.path)
		coords = self.path.split("/table/v1/driving/")[1].split("?")[0].split(";")
		n = len(coords)
		body = {
			"code": "Ok",
			"durations": [[0 if i == j else 600.4 for j in range(n)] for i in range(n)],
			"distances": [[0 if i == j else 9000.6 for j in range(n)] for i in range(n)],
		}
		payload = json.dumps(body if _Osrm.status == 200 else {"code": "Error"}).encode()
		self.send_response(_Osrm.status)
		self.send_header("Content-Type", "application/json")
		self.end_headers()
		self.wfile.write(payload)

	def log_message(self, *args):
		pass


@pytest.fixture
def osrm():
	server = HTTPServer(("127.0.0.1", 0), _Osrm)
	threading.Thread(target=server.serve_forever, daemon=True).start()
	_Osrm.calls, _Osrm.status = [], 200
	yield f"http://127.0.0.1:{server.server_port}"
	server.shutdown()


def test_osrm_table_is_asked_once_then_cached(osrm):
	client = travel.TableClient(osrm, cache=travel.DictCache(), sleep=lambda s: None)
	first = client.matrix([MTL, LAVAL])
	assert first.durations == ((0, 600), (600, 0)) and first.distances == ((0, 9001), (9001, 0))
	assert "-73.567300,45.501700;-73.712400,45.606600" in _Osrm.calls[0]
	assert client.matrix([MTL, LAVAL]) == first
	assert len(_Osrm.calls) == 1


def test_osrm_errors_are_clear(osrm):
	_Osrm.status = 400
	with pytest.raises(ServiceError, match="refused"):
		travel.TableClient(osrm, sleep=lambda s: None).matrix([MTL, LAVAL])
	with pytest.raises(ServiceError, match="does not answer"):
		travel.TableClient("http://127.0.0.1:9", retries=1, timeout=0.5, sleep=lambda s: None).matrix(
			[MTL, LAVAL]
		)
	with pytest.raises(InvalidValue, match="Unknown routing engine"):
		travel.TableClient(osrm, engine="gmaps").matrix([MTL])
