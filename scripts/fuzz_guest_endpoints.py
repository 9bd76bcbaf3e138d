"""Fuzz every endpoint a guest can reach, against a running site: no 5xx, no traceback in a body.

Hypothesis draws arguments (empty, huge, unicode, JSON-ish, numbers), tokens (garbage,
JWT-shaped, in the header or the form) and bodies for the webhooks; each answer must be a 2xx,
3xx or 4xx without a Python traceback. Prints the count of requests per endpoint and status.
Run it with tracebacks off, as production runs (System Settings → Allow Error Traceback off):

	python scripts/fuzz_guest_endpoints.py --url http://gigafibre.localhost:8000 [--examples 60]

Only ever point it at a local site.
"""

import argparse
import collections
import json
import sys
from urllib.parse import urlsplit

import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

GUEST_METHODS = {
	"gigafibre.api.portal.request_link": ["identifier"],
	"gigafibre.api.portal.exchange": ["token"],
	"gigafibre.api.tech.today": [],
	"gigafibre.api.tech.job": ["name"],
	"gigafibre.api.tech.update_job": ["name", "job_type", "priority", "client_id"],
	"gigafibre.api.tech.set_status": [
		"name",
		"status",
		"latitude",
		"longitude",
		"reason",
		"notes",
		"client_id",
	],
	"gigafibre.api.tech.search_equipment": ["q"],
	"gigafibre.api.tech.link_equipment": ["name", "equipment", "client_id"],
	"gigafibre.api.tech.unlink_equipment": ["name", "equipment", "client_id"],
	"gigafibre.api.tech.create_equipment": [
		"name",
		"serial_number",
		"equipment_type",
		"brand",
		"model",
		"mac_address",
		"client_id",
	],
	"gigafibre.api.tech.upload_photo": ["name", "client_id"],
	"gigafibre.api.vision.barcodes": ["image"],
	"gigafibre.api.vision.equipment": ["image"],
	"gigafibre.api.webhooks.stripe.receive": [],
	"gigafibre.api.webhooks.twilio.sms": ["From", "To", "Body", "MessageSid"],
	"gigafibre.api.webhooks.twilio.status": ["MessageSid", "MessageStatus"],
	"gigafibre.api.webhooks.twilio.voice": ["From", "CallSid"],
	"gigafibre.api.webhooks.pbx.call_event": ["call_id", "state", "from", "to"],
	"gigafibre.api.webhooks.kuma.receive": ["secret", "heartbeat", "monitor", "msg"],
	"gigafibre.api.dispatch.calendar": ["token"],
	"gigafibre.api.checkout.request_otp": ["identifier"],
	"gigafibre.api.checkout.verify_otp": ["identifier", "code"],
	"gigafibre.api.checkout.search_address": ["q"],
	"gigafibre.api.checkout.catalog": [],
	"gigafibre.api.checkout.order": [
		"checkout_token",
		"order_key",
		"items",
		"first_name",
		"last_name",
		"civic_number",
		"street",
		"city",
		"postal_code",
		"customer_type",
		"company_name",
		"email",
		"referral_code",
	],
	"gigafibre.api.checkout.check_referral": ["code"],
	"gigafibre.api.checkout.contract": ["token"],
	"gigafibre.api.checkout.accept_contract": ["token", "full_name", "agree", "contract_hash"],
	"gigafibre.api.webhooks.docuseal.receive": ["event_type", "data"],
}
PAGES = ["/j/{token}", "/contract/{token}"]
# Endpoints that answer GET only (a POST is refused with 403 before any app code).
GET_ONLY = {
	"gigafibre.api.dispatch.calendar",
	"gigafibre.api.checkout.catalog",
	"gigafibre.api.checkout.check_referral",
	"gigafibre.api.checkout.contract",
}

text = st.one_of(
	st.just(""),
	st.text(max_size=40),
	st.text(min_size=1000, max_size=3000),
	st.from_regex(r"[A-Za-z0-9_-]{10,40}\.[A-Za-z0-9_-]{10,80}\.[A-Za-z0-9_-]{10,43}", fullmatch=True),
	st.integers().map(str),
	st.floats(allow_nan=True, allow_infinity=True).map(str),
	st.sampled_from(
		[
			"null",
			"[]",
			"{}",
			"' OR 1=1 --",
			"<script>alert(1)</script>",
			"../../etc/passwd",
			"DJ-00001",
			"En Route",
		]
	),
)

# What can travel in a header: printable ASCII, no surrounding blanks.
header_text = st.one_of(
	st.from_regex(r"[!-~][ -~]{0,298}[!-~]", fullmatch=True),
	st.from_regex(r"[A-Za-z0-9_-]{10,40}\.[A-Za-z0-9_-]{10,80}\.[A-Za-z0-9_-]{10,43}", fullmatch=True),
)


def _is_json(raw: bytes) -> bool:
	try:
		json.loads(raw.decode("utf-8"))  # as Frappe reads it: UTF-8 text
	except ValueError:  # UnicodeDecodeError included
		return False
	return bool(raw.strip())


def main() -> int:
	parser = argparse.ArgumentParser()
	parser.add_argument("--url", required=True)
	parser.add_argument("--examples", type=int, default=60)
	args = parser.parse_args()
	host = urlsplit(args.url).hostname or ""
	if not (host.startswith("127.") or host in ("localhost", "::1") or host.endswith(".localhost")):
		print("refusing to fuzz a non-local address", file=sys.stderr)
		return 2
	session = requests.Session()
	counts: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
	failures: list[str] = []

	def check(label: str, response: requests.Response) -> None:
		counts[label][response.status_code] += 1
		if response.status_code >= 500 or "Traceback (most recent call last)" in response.text:
			failures.append(f"{label}: {response.status_code} {response.text[:300]}")

	def make_probe(method: str, params: list[str]):
		@settings(
			max_examples=args.examples, deadline=None, suppress_health_check=list(HealthCheck), database=None
		)
		@given(
			values=st.fixed_dictionaries({p: text for p in params}),
			token=st.one_of(st.none(), header_text),
			as_json=st.booleans(),
			raw=st.binary(max_size=2000),
		)
		def probe(values, token, as_json, raw):
			headers = {"X-Gigafibre-Token": token} if token else {}
			url = f"{args.url}/api/method/{method}"
			if method.endswith("stripe.receive"):
				headers["Stripe-Signature"] = token or ""
				# Frappe parses a JSON body before any app code (frappe/app.py, make_form_dict) and answers
				# 500 when it is not JSON, on every endpoint: a framework behaviour, measured apart below.
				body = raw if _is_json(raw) else json.dumps({"id": raw.hex()[:40]}).encode()
				response = session.post(
					url, data=body, headers={**headers, "Content-Type": "application/json"}, timeout=30
				)
			elif method in GET_ONLY:
				response = session.get(url, params=values, headers=headers, timeout=30)
			elif as_json:
				response = session.post(url, json=values, headers=headers, timeout=30)
			else:
				response = session.post(url, data=values, headers=headers, timeout=30)
			check(method, response)

		return probe

	for method, params in GUEST_METHODS.items():
		make_probe(method, params)()

	def make_page_probe(route: str):
		@settings(
			max_examples=args.examples, deadline=None, suppress_health_check=list(HealthCheck), database=None
		)
		@given(token=text.filter(bool))
		def page(token):
			quoted = requests.utils.quote(token, safe="")
			check(route, session.get(f"{args.url}{route.format(token=quoted)}", timeout=30))

		return page

	for route in PAGES:
		make_page_probe(route)()
	# The framework behaviour noted above, measured once so the note can say it.
	check_label = "frappe core: malformed JSON body"
	response = session.post(
		f"{args.url}/api/method/gigafibre.api.portal.request_link",
		data=b"{not json",
		headers={"Content-Type": "application/json"},
		timeout=30,
	)
	print(f"{check_label}: HTTP {response.status_code} (not counted)")
	for label, counter in counts.items():
		print(
			f"{label:55} {sum(counter.values()):4} requests  "
			+ "  ".join(f"{code}:{n}" for code, n in sorted(counter.items()))
		)
	print(f"total {sum(sum(c.values()) for c in counts.values())} requests, {len(failures)} failures")
	for failure in failures[:20]:
		print("FAIL", failure)
	return 1 if failures else 0


if __name__ == "__main__":
	sys.exit(main())
