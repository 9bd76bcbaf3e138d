"""Time a customer waits for a web order and for signing its contract, over HTTP against a running
site (gunicorn): `checkout.order`, then `checkout.contract` (to read the hash) and
`checkout.accept_contract`, for --runs orders with a plan and an installation fee (a deposit
invoice at signature). Prints each run and the median, min and max of each endpoint.

	cd <bench>/sites && ../env/bin/python <repo>/benchmarks/web_order_http.py --site <site> \\
		--url http://127.0.0.1:8002 [--host <site>] [--runs 9] [--profile]

The first --warmup runs warm the workers and are not counted. Uses the E2E web items and serviceable address
of scripts/e2e_contract_page.py (created when missing); the orders placed stay, as real ones
would (each run a new order key and phone number); their sales order, deposit invoice and Stripe page
are made by the site's workers after the answer (or by the contract page when none runs). --profile also runs one order and acceptance
in this process under cProfile (rolled back) and prints where the time goes.
"""

import argparse
import cProfile
import io
import json
import pstats
import random
import statistics
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import frappe
import requests

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))

from e2e_contract_page import ITEMS, _catalog_and_address


def checkout_token(phone: str) -> str:
	from gigafibre.auth import magic_link
	from gigafibre.auth.service import link_secret
	from gigafibre.onboarding import otp_service

	return magic_link.issue(
		link_secret(), phone, otp_service.CHECKOUT_SCOPE, datetime.now(timezone.utc), timedelta(minutes=30)
	)[0]


def order_fields(phone: str) -> dict:
	return {
		"checkout_token": checkout_token(phone),
		"order_key": f"bench-{random.getrandbits(48):012x}",
		"items": json.dumps([{"item_code": code} for code, *_ in ITEMS]),
		"first_name": "Marie-Ève",
		"last_name": "Tremblay",
		"civic_number": "E2E-1",
		"street": "rue Saint-Denis",
		"city": "Montréal",
		"postal_code": "H2J 2L3",
	}


def timed(session: requests.Session, method: str, url: str, **kwargs) -> tuple[float, dict]:
	start = time.perf_counter()
	answer = session.request(method, url, timeout=120, **kwargs)
	elapsed = time.perf_counter() - start
	if answer.status_code != 200:
		raise SystemExit(f"{url}: {answer.status_code} {answer.text[:500]}")
	return elapsed, answer.json()["message"]


def one_run(session: requests.Session, api: str) -> dict:
	phone = f"+1438557{random.randint(1000, 9999)}"
	order_s, order = timed(session, "POST", api + "order", data=order_fields(phone))
	token = order["contract"]["url"].split("/contract/")[1]
	page_s, page = timed(session, "GET", api + "contract", params={"token": token})
	accept_s, state = timed(
		session,
		"POST",
		api + "accept_contract",
		data={
			"token": token,
			"full_name": "marie-eve tremblay",
			"agree": "1",
			"contract_hash": page["contract_hash"],
		},
	)
	assert state["contract_status"] == "Signed", state
	# The customer, sales order and deposit invoice come from a background job (or already did).
	assert state["preparing"] or state["deposit"], state
	return {"order": order_s, "contract page": page_s, "accept_contract": accept_s, "name": order["order"]}


def profile() -> None:
	"""One order and its acceptance in this process, under cProfile, then rolled back."""
	from gigafibre.onboarding import acceptance, order_request, orders

	frappe.flags.gigafibre_jobs_inline = False
	phone = f"+1438558{random.randint(1000, 9999)}"
	fields = order_fields(phone)
	request = order_request.parse(
		fields["order_key"],
		fields["items"],
		fields["first_name"],
		fields["last_name"],
		fields["civic_number"],
		fields["street"],
		fields["city"],
		fields["postal_code"],
	)
	frappe.set_user("Guest")
	placed = _profiled("order", lambda: orders.place(phone, request, {}))
	token = placed["contract"]["url"].split("/contract/")[1]
	shown = acceptance.page(acceptance.order_for_token(token))["contract_hash"]
	_profiled(
		"accept_contract", lambda: acceptance.accept_signed_link(token, "marie-eve tremblay", "1", shown)
	)
	frappe.set_user("Administrator")
	frappe.db.rollback()


def _profiled(label: str, call):
	profiler = cProfile.Profile()
	start = time.perf_counter()
	profiler.enable()
	result = call()
	profiler.disable()
	print(f"\n--- {label}, in this process: {time.perf_counter() - start:.3f} s")
	out = io.StringIO()
	pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(
		r"gigafibre|erpnext/(selling|accounts|crm|controllers|stock|setup)", 35
	)
	print(out.getvalue())
	return result


def main() -> int:
	parser = argparse.ArgumentParser()
	parser.add_argument("--site", required=True)
	parser.add_argument("--url", required=True)
	parser.add_argument("--host", help="Host header (the site's name when --url is an IP)")
	parser.add_argument("--runs", type=int, default=9)
	parser.add_argument("--warmup", type=int, default=4)
	parser.add_argument("--profile", action="store_true")
	args = parser.parse_args()
	frappe.init(site=args.site, sites_path=".")
	frappe.connect()
	frappe.set_user("Administrator")
	_catalog_and_address()
	session = requests.Session()
	session.headers["Host"] = args.host or args.site
	api = f"{args.url}/api/method/gigafibre.api.checkout."
	for _n in range(args.warmup):  # each gunicorn worker's first requests import and cache: not counted
		one_run(session, api)
	runs = []
	for n in range(args.runs):
		run = one_run(session, api)
		runs.append(run)
		print(
			f"run {n + 1}: order {run['order']:.3f} s, contract page {run['contract page']:.3f} s, "
			f"accept_contract {run['accept_contract']:.3f} s ({run['name']})"
		)
	for key in ("order", "contract page", "accept_contract"):
		values = [r[key] for r in runs]
		print(
			f"{key:16} median {statistics.median(values) * 1000:.0f} ms "
			f"(min {min(values) * 1000:.0f}, max {max(values) * 1000:.0f}, {len(values)} runs)"
		)
	if args.profile:
		profile()
	return 0


if __name__ == "__main__":
	sys.exit(main())
