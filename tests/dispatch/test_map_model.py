"""The Dispatch map's decisions: coordinates kept or dropped, technicians placed, routes in order."""

from datetime import datetime, timedelta

from gigafibre.dispatch import map_model

NOW = datetime(2026, 12, 2, 10, 0, 0)
STALE = timedelta(minutes=30)


def job(name, lat=45.5, lon=-73.6, **fields):
	return {"name": name, "status": "Assigned", "latitude": lat, "longitude": lon, **fields}


def tech(name, **fields):
	return {
		"name": name,
		"full_name": name.title(),
		"home_latitude": 45.40,
		"home_longitude": -73.50,
		**fields,
	}


def build(jobs, techs, today=True):
	return map_model.build(jobs, techs, now=NOW, today=today, stale_after=STALE)


def test_points_refuse_missing_zero_and_out_of_range():
	assert map_model.point(45.5, -73.6) == (45.5, -73.6)
	assert map_model.point("45.1234567", "-73.1") == (45.123457, -73.1)
	for lat, lon in ((None, None), (0, 0), (0.0, None), (91, 0), (45, -181), ("x", 1), (float("nan"), 1)):
		assert map_model.point(lat, lon) is None


def test_route_in_scheduled_order_from_home():
	jobs = [
		job("J3", 45.53, -73.61, technician="T1", scheduled_start=datetime(2026, 12, 2, 14)),
		job("J1", 45.51, -73.62, technician="T1", scheduled_start=datetime(2026, 12, 2, 8, 30)),
		job("J2", 45.52, -73.63, technician="T1", scheduled_start="2026-12-02 11:00:00"),
		job(
			"J4", 45.54, -73.64, technician="T1", window_start=datetime(2026, 12, 2, 9)
		),  # not scheduled: last
	]
	out = build(jobs, [tech("T1")], today=False)
	(t1,) = out["technicians"]
	assert t1["jobs"] == ["J1", "J2", "J3", "J4"]
	assert t1["route"] == [
		[45.40, -73.50],
		[45.51, -73.62],
		[45.52, -73.63],
		[45.53, -73.61],
		[45.54, -73.64],
	]
	assert [(j["name"], j["order"]) for j in out["jobs"]] == [("J1", 1), ("J2", 2), ("J3", 3), ("J4", 4)]
	assert t1["where"] == "home" and (t1["lat"], t1["lon"]) == (45.40, -73.50)


def test_today_with_a_live_position_the_route_starts_there_and_skips_the_completed():
	jobs = [
		job("J1", 45.51, -73.62, technician="T1", status="Completed", scheduled_start="2026-12-02 08:00:00"),
		job("J2", 45.52, -73.63, technician="T1", status="En Route", scheduled_start="2026-12-02 10:00:00"),
	]
	live = tech(
		"T1", last_latitude=45.515, last_longitude=-73.625, last_position_at=NOW - timedelta(minutes=2)
	)
	(t1,) = build(jobs, [live])["technicians"]
	assert t1["where"] == "live"
	assert t1["route"] == [[45.515, -73.625], [45.52, -73.63]]
	# Another day, the same technician's route runs from home through every job.
	(t1,) = build(jobs, [live], today=False)["technicians"]
	assert t1["route"][0] == [45.40, -73.50] and len(t1["route"]) == 3


def test_old_positions_are_stale_and_routes_start_at_home():
	old = tech("T1", last_latitude=45.6, last_longitude=-73.7, last_position_at=NOW - timedelta(hours=2))
	jobs = [job("J1", technician="T1", scheduled_start="2026-12-02 09:00:00")]
	(t1,) = build(jobs, [old])["technicians"]
	assert (t1["where"], t1["lat"], t1["position_at"]) == ("stale", 45.6, "2026-12-02 08:00:00")
	assert t1["route"][0] == [45.40, -73.50]


def test_nowhere_without_home_or_position_and_a_single_point_is_no_route():
	(t1,) = build([], [tech("T1", home_latitude=0, home_longitude=0)])["technicians"]
	assert (t1["where"], t1["lat"], t1["route"]) == (None, None, [])
	(t2,) = build([], [tech("T2")])["technicians"]
	assert t2["route"] == []


def test_unassigned_jobs_and_jobs_without_coordinates():
	jobs = [
		job("J1", status="New"),
		job("J2", status="Planned", technician="GONE"),  # a technician no longer active
		job("J3", technician="T1"),
		job("J4", status="Completed"),  # closed: nothing to give out
		job("J5", lat=None, lon=None, status="New"),
	]
	out = build(jobs, [tech("T1")])
	flags = {j["name"]: j["unassigned"] for j in out["jobs"]}
	assert flags == {"J1": True, "J2": True, "J3": False, "J4": False}
	assert out["missing_coordinates"] == ["J5"]


def test_gps_on_site_and_priority_pass_through():
	out = build([job("J1", priority=None, gps_on_site_at=datetime(2026, 12, 2, 9, 41))], [])
	(j1,) = out["jobs"]
	assert (j1["priority"], j1["gps_on_site_at"]) == ("Normal", "2026-12-02 09:41:00")
