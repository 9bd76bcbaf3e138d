"""Server-side time of the technician page's equipment search with 100 000 Service Equipment rows.

Inserts the rows in bulk (tagged so they are removed afterwards), times `search_equipment` for
serial prefixes, MAC prefixes and misses (median of --repeats each), then deletes them.

	cd <bench>/sites && ../env/bin/python <repo>/benchmarks/equipment_search.py --site <site>
"""

import argparse
import random
import statistics
import time

import frappe

TAG = "BENCH-SEARCH"


def main() -> None:
	parser = argparse.ArgumentParser()
	parser.add_argument("--site", required=True)
	parser.add_argument("--rows", type=int, default=100_000)
	parser.add_argument("--repeats", type=int, default=25)
	args = parser.parse_args()
	frappe.init(site=args.site, sites_path=".")
	frappe.connect()
	from gigafibre.tech.workday import search_equipment

	rng = random.Random(7)
	now = frappe.utils.now()
	fields = [
		"name",
		"serial_number",
		"mac_address",
		"equipment_type",
		"status",
		"notes",
		"creation",
		"modified",
		"owner",
		"modified_by",
	]
	try:
		existing = frappe.db.count("Service Equipment")
		rows = []
		for i in range(args.rows):
			serial = f"{rng.choice(['ZTEG', 'ALCL', 'HWTC', 'TPLG'])}{rng.getrandbits(32):08X}{i:06d}"
			mac = ":".join(f"{rng.getrandbits(8):02X}" for _ in range(6))
			rows.append(
				(
					f"BENCH-{i:07d}",
					serial,
					mac,
					"ONT",
					"In Stock",
					TAG,
					now,
					now,
					"Administrator",
					"Administrator",
				)
			)
		start = time.perf_counter()
		frappe.db.bulk_insert("Service Equipment", fields, rows, ignore_duplicates=True)
		frappe.db.commit()
		print(f"inserted {args.rows} rows in {time.perf_counter() - start:.1f} s ({existing} already there)")
		queries = {
			"serial prefix (ZTEG1)": "ZTEG1",
			"serial prefix, exact length": rows[rng.randrange(len(rows))][1],
			"MAC prefix (3 bytes)": rows[rng.randrange(len(rows))][2][:8].replace(":", ""),
			"miss": "QQQQ9",
		}
		for label, q in queries.items():
			timings = []
			for _ in range(args.repeats):
				frappe.local.cache = {}
				t0 = time.perf_counter()
				found = search_equipment(q)
				timings.append((time.perf_counter() - t0) * 1000)
			print(
				f"{label:32} {statistics.median(timings):6.2f} ms median, {len(found)} results (goal <= 50 ms)"
			)
	finally:
		frappe.db.delete("Service Equipment", {"notes": TAG})
		frappe.db.commit()


if __name__ == "__main__":
	main()
