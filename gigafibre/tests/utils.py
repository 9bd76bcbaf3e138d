"""Records the bench tests share."""

import importlib.util
from pathlib import Path
from types import ModuleType
from typing import ClassVar

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils import nowdate

TEST_CUSTOMER = "_Test Gigafibre Customer"
TEST_ITEM = "_Test Gigafibre Plan"
_PYTEST_PEERS: dict[str, ModuleType] = {}


def test_customer(name: str = TEST_CUSTOMER, mobile: str | None = None) -> str:
	existing = frappe.db.get_value("Customer", {"customer_name": name})
	if existing:
		return existing
	customer = frappe.get_doc(
		{"doctype": "Customer", "customer_name": name, "customer_type": "Individual"}
	).insert()
	if mobile:
		# ERPNext copies the primary contact's mobile here; the flows read this field.
		frappe.db.set_value("Customer", customer.name, "mobile_no", mobile)
	return customer.name


def make_location(**fields) -> "frappe.model.document.Document":
	values = {
		"doctype": "Service Location",
		"customer": test_customer(),
		"address_line1": "4500 rue Saint-Denis",
		"city": "Montréal",
		"postal_code": "h2j 2l3",
		"latitude": 45.5252,
		"longitude": -73.5823,
	}
	values.update(fields)
	return frappe.get_doc(values).insert()


def make_technician(**fields) -> "frappe.model.document.Document":
	values = {"doctype": "Technician", "full_name": "Test Technicien", "mobile": "514 555-0150"}
	values.update(fields)
	return frappe.get_doc(values).insert()


def company() -> str:
	return (
		frappe.defaults.get_global_default("company") or frappe.get_all("Company", pluck="name", limit=1)[0]
	)


def make_submitted_invoice(customer: str, rate: float = 95.0) -> "frappe.model.document.Document":
	if not frappe.db.exists("Item", TEST_ITEM):
		frappe.get_doc(
			{
				"doctype": "Item",
				"item_code": TEST_ITEM,
				"item_name": "Internet Fibre 1 Gbit/s",
				"item_group": frappe.db.get_value("Item Group", {"is_group": 0}, "name") or "All Item Groups",
				"stock_uom": "Nos",
				"is_stock_item": 0,
			}
		).insert()
	invoice = frappe.get_doc(
		{
			"doctype": "Sales Invoice",
			"customer": customer,
			"company": company(),
			"posting_date": nowdate(),
			"due_date": nowdate(),
			"items": [{"item_code": TEST_ITEM, "qty": 1, "rate": rate}],
		}
	)
	invoice.insert()
	invoice.submit()
	return invoice


def pay(invoice) -> "frappe.model.document.Document":
	from erpnext.accounts.doctype.payment_entry.payment_entry import get_payment_entry

	payment = get_payment_entry("Sales Invoice", invoice.name)
	payment.reference_no = f"test-{invoice.name}"
	payment.reference_date = nowdate()
	payment.insert()
	payment.submit()
	return payment


def call_endpoint(
	method: str,
	user: str = "Guest",
	token: str | None = None,
	get: bool = False,
	headers: dict | None = None,
	request_ip: str | None = None,
	form: dict | None = None,
	**fields,
):
	"""Call a whitelisted method as a request would reach it: Frappe's header authentication
	(`auth_hooks` included), whitelisting, allowed HTTP methods, rate limits and argument types.
	A `bytes` field is sent as an uploaded file; `token` goes in X-Gigafibre-Token (put a form
	field of that name in `form`). A request that names its language (an Accept-Language header
	or a `_lang` field) sets `frappe.local.lang` as Frappe does; it stays set after the call."""
	import io
	import uuid

	from frappe.auth import validate_auth
	from frappe.handler import execute_cmd
	from werkzeug.test import EnvironBuilder
	from werkzeug.wrappers import Request

	fields = {**fields, **(form or {})}
	data = {
		k: (io.BytesIO(v), f"{k}.jpg", "image/jpeg") if isinstance(v, bytes) else v for k, v in fields.items()
	}
	headers = {**(headers or {}), **({"X-Gigafibre-Token": token} if token else {})}
	if get:
		environ = EnvironBuilder(
			method="GET", path=f"/api/method/{method}", query_string=data, headers=headers
		).get_environ()
	else:
		environ = EnvironBuilder(
			method="POST", path=f"/api/method/{method}", data=data, headers=headers
		).get_environ()
	frappe.set_user(user)  # before the form: set_user empties form_dict
	frappe.local.request = Request(environ)
	# A fresh loopback address per call unless a test is about the per-IP limits: those limits
	# live in Redis and outlast a test run.
	frappe.local.request_ip = (
		request_ip or f"127.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}"
	)
	frappe.local.form_dict = frappe._dict(frappe.local.request.args if get else frappe.local.request.form)
	frappe.local.portal_customer = None
	if "Accept-Language" in headers or "_lang" in fields:
		from frappe.translate import get_language

		frappe.local.lang = get_language()  # frappe.auth.HTTPRequest.set_lang, before auth hooks
	validate_auth()  # what frappe.app does before any handler
	return execute_cmd(method)


def post_raw(
	method: str,
	data: bytes | str | dict | None = None,
	headers: dict | None = None,
	query: str = "",
	content_type: str | None = None,
	request_ip: str = "127.0.0.1",
):
	"""A guest POST with a body as a webhook sends it (JSON bytes, or form fields), dispatched as
	Frappe does: whitelisting, allowed methods, rate limits, and `form_dict` built the way
	`frappe.app.make_form_dict` builds it — a JSON object body's keys, else the query and form
	fields. (A body declared JSON that is not JSON gets an empty form here; Frappe itself answers
	500 before any app code runs.)"""
	import json

	from frappe.auth import validate_auth
	from frappe.handler import execute_cmd
	from werkzeug.test import EnvironBuilder
	from werkzeug.wrappers import Request

	options = {"content_type": content_type} if content_type else {}
	environ = EnvironBuilder(
		method="POST",
		path=f"/api/method/{method}",
		query_string=query,
		data=data,
		headers=headers or {},
		**options,
	).get_environ()
	frappe.set_user("Guest")  # before the form: set_user empties form_dict
	request = frappe.local.request = Request(environ)
	frappe.local.request_ip = request_ip
	if request.is_json and request.get_data():
		try:
			parsed = json.loads(request.get_data())
		except ValueError:
			parsed = None
		form = parsed if isinstance(parsed, dict) else {}
	else:
		form = {**request.args, **request.form}
	frappe.local.form_dict = frappe._dict(form, cmd=method)
	try:
		validate_auth()  # what frappe.app does before any handler (auth_hooks included)
		return execute_cmd(method)
	finally:
		frappe.set_user("Administrator")


def ensure_outgoing_email_account() -> None:
	"""frappe.sendmail needs a default outgoing account; a loopback one, never used to send here."""
	if not frappe.db.exists("Email Account", {"default_outgoing": 1}):
		frappe.get_doc(
			{
				"doctype": "Email Account",
				"email_account_name": "_Test Gigafibre Outgoing",
				"email_id": "bonjour@gigafibre.ca",
				"enable_outgoing": 1,
				"default_outgoing": 1,
				"smtp_server": "127.0.0.1",
				"no_smtp_authentication": 1,
			}
		).insert()


TWILIO_SID = "AC" + "1" * 32


# What the stub serves for any recording (a voicemail's MP3), whatever its sid.
TWILIO_RECORDING = b"ID3\x03\x00\x00\x00" + bytes(range(256)) * 16


def twilio_created(request):
	"""Twilio's answer to a Messages.json POST: 201 with the message resource. A GET (the outbox
	looking a message up after an unknown outcome) lists none: this stub keeps nothing. A GET of a
	recording answers TWILIO_RECORDING."""
	from gigafibre.tests.peers import Reply

	if request.method == "GET" and "/Recordings/" in request.path:
		return Reply(200, TWILIO_RECORDING, {"Content-Type": "audio/mpeg"})
	if request.method == "GET":
		return Reply(200, {"messages": [], "next_page_uri": None, "page": 0, "page_size": 50})
	form = request.form()
	return Reply(
		201,
		{
			"sid": "SM" + "b" * 32,
			"status": "queued",
			"to": form["To"],
			"from": form["From"],
			"body": form["Body"],
		},
	)


def start_twilio_stub(**settings):
	"""A loopback Twilio that records every SMS, wired into Gigafibre Settings (with `settings` too).
	Stop it with `peer.__exit__(None, None, None)` in tearDownClass."""
	from gigafibre.tests.peers import LoopbackPeer

	peer = LoopbackPeer(twilio_created).__enter__()
	doc = frappe.get_single("Gigafibre Settings")
	doc.update(
		{
			"twilio_account_sid": TWILIO_SID,
			"twilio_auth_token": "token",
			"twilio_from_number": "+15145550100",
			"twilio_api_base": peer.url,
			**settings,
		}
	)
	doc.save()
	return peer


class SmsTestCase(FrappeTestCase):
	"""Background jobs run inline and every SMS goes to a loopback Twilio (`cls.twilio.requests`).

	`settings` adds Gigafibre Settings values for the class (rolled back with its records).
	"""

	settings: ClassVar[dict] = {}

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		frappe.flags.gigafibre_jobs_inline = True
		cls.twilio = start_twilio_stub(**cls.settings)

	@classmethod
	def tearDownClass(cls):
		frappe.flags.gigafibre_jobs_inline = False
		cls.twilio.__exit__(None, None, None)
		frappe.set_user("Administrator")
		super().tearDownClass()

	def tearDown(self):
		frappe.set_user("Administrator")
		frappe.local.request = None


def serviceable_address(**fields) -> "frappe.model.document.Document":
	"""A Serviceable Address as the test needs it. A site may already have that address (a real
	network's table, another run's data): then that row is made to say what the test needs, inside
	the test's transaction, instead of a duplicate refused."""
	from gigafibre.onboarding.address import address_key

	key = address_key(fields.get("civic_number"), fields.get("street"), fields.get("postal_code"))
	existing = frappe.db.get_value("Serviceable Address", {"address_key": key}, "name")
	if existing:
		doc = frappe.get_doc("Serviceable Address", existing)
		doc.update({"olt": None, "pon_port": None, **fields})
		doc.save()
		return doc
	return frappe.get_doc({"doctype": "Serviceable Address", **fields}).insert()


def pytest_peer(path: str) -> ModuleType:
	"""A loopback peer of the pytest suite (`tests/<path>.py` beside the app package, not importable
	from it: "network/nbi_peer"), loaded once so its classes are the same for every bench test."""
	if path not in _PYTEST_PEERS:
		import gigafibre

		file = Path(gigafibre.__file__).resolve().parents[1] / "tests" / f"{path}.py"
		spec = importlib.util.spec_from_file_location("gigafibre_test_" + path.replace("/", "_"), file)
		module = importlib.util.module_from_spec(spec)
		spec.loader.exec_module(module)
		_PYTEST_PEERS[path] = module
	return _PYTEST_PEERS[path]


def desk_user(email: str, roles: list[str], first_name: str = "Test") -> str:
	"""A desk user with `roles`, made once (a later run finds it and keeps its roles)."""
	if not frappe.db.exists("User", email):
		frappe.get_doc(
			{
				"doctype": "User",
				"email": email,
				"first_name": first_name,
				"send_welcome_email": 0,
				"roles": [{"role": role} for role in roles],
			}
		).insert(ignore_permissions=True)
	return email
