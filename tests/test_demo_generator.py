import re
from datetime import date

from gigafibre.demo.generator import SKILLS, generate
from gigafibre.dispatch.shifts import Shift, check_shifts, to_time
from gigafibre.equipment.identifiers import normalize_gpon_serial, normalize_mac, normalize_serial
from gigafibre.locations.postal import normalize_postal_code
from gigafibre.messaging.phone import to_e164

DAY = date(2026, 11, 25)


def test_sizes_asked_for():
	data = generate(day=DAY)
	assert len(data.technicians) == 10
	assert len(data.locations) == 200 and len(data.customers) == 200
	assert len(data.jobs) == 50
	assert len(data.equipment) > 300


def test_same_seed_same_records():
	assert generate(day=DAY) == generate(day=DAY)
	assert generate(day=DAY, seed=1).locations != generate(day=DAY).locations


def test_every_record_passes_the_apps_own_validation():
	data = generate(day=DAY)
	for tech in data.technicians:
		assert to_e164(tech["mobile"]) == tech["mobile"]
		assert set(tech["skills"]) <= set(SKILLS)
		check_shifts(
			[
				Shift(
					r["weekday"],
					to_time(r["start_time"]),
					to_time(r["end_time"]),
					to_time(r["break_start"]),
					r["break_minutes"],
				)
				for r in tech["working_hours"]
			]
		)
	email = re.compile(r"[a-z0-9.-]+@[a-z0-9.-]+\.[a-z]+")
	assert all(email.fullmatch(t["email"]) for t in data.technicians)
	assert all(email.fullmatch(c["email"]) for loc in data.locations for c in loc["contacts"])
	for location in data.locations:
		assert normalize_postal_code(location["postal_code"]) == location["postal_code"]
		# Montréal and Laval, not (0, 0) and not the St. Lawrence.
		assert 45.40 < location["latitude"] < 45.70 and -73.85 < location["longitude"] < -73.50
		for contact in location["contacts"]:
			assert to_e164(contact["phone"]) == contact["phone"]
	for item in data.equipment:
		assert normalize_serial(item["serial_number"]) == item["serial_number"]
		if item.get("mac_address"):
			assert normalize_mac(item["mac_address"]) == item["mac_address"]
		if item.get("gpon_serial"):
			assert normalize_gpon_serial(item["gpon_serial"]) == item["gpon_serial"]


def test_natural_keys_are_unique():
	data = generate(day=DAY)
	assert len({loc["key"] for loc in data.locations}) == len(data.locations)
	assert len({c["customer_name"] for c in data.customers}) == len(data.customers)
	assert len({e["serial_number"] for e in data.equipment}) == len(data.equipment)
	macs = [e["mac_address"] for e in data.equipment if e.get("mac_address")]
	assert len(set(macs)) == len(macs)


def test_jobs_are_for_the_day_and_consistent_with_their_status():
	data = generate(day=DAY)
	for job in data.jobs:
		assert job["window_start"].date() == DAY and job["window_end"] > job["window_start"]
		if job["status"] in ("New", "Planned"):
			assert job["technician_name"] is None
		else:
			assert job["technician_name"]
		if job["status"] != "New":
			assert job["window_start"] <= job["scheduled_start"] < job["window_end"]
	assert {j["status"] for j in data.jobs} >= {"New", "Assigned"}


def test_finished_jobs_take_no_order_template():
	# A job from an order takes its type's template (required photo and scan), which a generated
	# finished job cannot satisfy: the loader would stop on ChecklistIncomplete.
	for seed in range(5):
		finished = [j for j in generate(day=DAY, seed=seed).jobs if j["status"] == "Completed"]
		assert finished and all(j["source"] != "Order" for j in finished)
