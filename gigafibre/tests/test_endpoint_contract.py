"""Every whitelisted endpoint of the app answers a bad request with a 4xx, never a 5xx.

The endpoints are found, not listed: every module of the package is imported and every function
`frappe.whitelist` registered from it is called — with no parameters, with each parameter
missing in turn, and with each parameter malformed (blank, not JSON, out of range, huge, of the
wrong type in a JSON body) — as a guest, a guest holding a technician's link, a Technician, a
System Manager and a portal customer. Any 5xx fails, except a 503 that says an outside service is
not configured or not answering.

Each call goes through Frappe's request path as `frappe.app` runs it — `make_form_dict`,
`validate_auth` (our `auth_hooks`), `frappe.api.handle` (routing, whitelisting, allowed methods,
rate limits, argument types) — inside a savepoint rolled back after it; commits and rollbacks the
code makes stay inside that savepoint. A few calls also go through `frappe.app.application` itself.
"""

import importlib
import inspect
import json
import pkgutil
import random
import re
import uuid
from unittest.mock import patch

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils import add_to_date, now_datetime, nowdate
from werkzeug.exceptions import HTTPException

import gigafibre
from gigafibre.endpoints.params import kinds_of
from gigafibre.tests.utils import make_location, make_technician, test_customer

# Text values a form can send: blank, not JSON, half JSON, out of range, not a date, huge.
MALFORMED_TEXT = ("", "   ", "not json", "{", "[1,", "-1", "99999999999", "2026-13-45", "x" * 5000)
# Values only a JSON body can send: of the wrong type for most parameters.
MALFORMED_JSON = (["x"], {"x": 1}, 99999999999, -1.5, True, None)
# A 503 is deliberate when it says the outside service is not set up or not answering.
SERVICE_DOWN = re.compile(
	r"not (configured|set up|answering|available)|unavailable|cannot be reached|try again|right now"
	r"|n'est pas configur|indisponible|ne répond pas|réessayez",
	re.IGNORECASE,
)
# A write's `client_id` names it for replay (the tech page's offline queue): each call gets its own,
# or every call after the first would get the first one's stored answer.
FRESH = "<fresh client id>"
PLAUSIBLE_BY_KIND = {"str": "test", "int": "1", "float": "1.5", "bool": "0", "dict": "{}", "list": "[]"}


def unlocked_series(key: str, digits: int) -> str:
	"""A number for a naming series without its `tabSeries` row: high enough to miss existing names."""
	return str(random.randint(5 * 10 ** (digits - 1), 10**digits - 1))


def app_endpoints() -> tuple[list, list[str]]:
	"""Every module-level whitelisted function of the app, and the modules that failed to import."""
	failed = []
	for info in pkgutil.walk_packages(gigafibre.__path__, "gigafibre."):
		if ".tests" in info.name or info.name.endswith(".hooks"):
			continue
		try:
			importlib.import_module(info.name)
		except Exception as err:
			failed.append(f"{info.name}: {err!r}")
	found = {}
	for fn in frappe.whitelisted:
		module = getattr(fn, "__module__", "") or ""
		# Document methods (Class.method) run on a document through run_doc_method, without parameters.
		if module.startswith("gigafibre.") and ".tests" not in module and "." not in fn.__qualname__:
			found[f"{module}.{fn.__name__}"] = fn
	return sorted(found.items()), failed


class TestEndpointContract(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		# Every record made here is rolled back, so none needs a number from a naming series; taking
		# one would lock its series row until the class ends, against every other test class
		# running on the site at the same time.
		series = patch("frappe.model.naming.getseries", unlocked_series)
		series.start()
		cls.addClassCleanup(series.stop)
		# Test classes run side by side on one site also wait on each other's user and default rows:
		# the loser of a deadlock has its whole transaction rolled back, so the fixtures are made again.
		for attempt in range(3):
			try:
				cls.make_fixtures()
				break
			except (frappe.QueryDeadlockError, frappe.QueryTimeoutError):
				frappe.db.rollback()
				if attempt == 2:
					raise

	@classmethod
	def make_fixtures(cls):
		frappe.set_user("Administrator")
		cls.tech = make_technician(full_name="Contrat Technicien", mobile="514 555-0177")
		cls.job = frappe.get_doc(
			{
				"doctype": "Dispatch Job",
				"subject": "Contrat des endpoints",
				"job_type": "Install",
				"service_location": make_location().name,
				"technician": cls.tech.name,
				"scheduled_start": add_to_date(now_datetime(), hours=1),
			}
		).insert()
		cls.technician_user = cls.make_user("contract-tech@gigafibre.invalid", "Technician")
		cls.manager_user = cls.make_user("contract-manager@gigafibre.invalid", "System Manager")
		from gigafibre.tech.links import issue_link

		cls.link_token = issue_link(cls.tech.name)[0]
		cls.customer = test_customer()
		cls.portal_session = cls.make_portal_session(cls.customer)
		cls.plausible = {
			"job": cls.job.name,
			"name": cls.job.name,
			"technician": cls.tech.name,
			"date": nowdate(),
			"scheduled_start": str(add_to_date(now_datetime(), hours=2)),
			"latitude": "45.5252",
			"longitude": "-73.5823",
			"status": "En Route",
			"action": "refresh",
			"reference_doctype": "Customer",
			"reference_name": cls.customer,
			"identifier": "514 555-0199",
			"text": "Bonjour",
			"message": "Bonjour",
			"client_id": FRESH,
		}
		frappe.set_user("Administrator")

	@classmethod
	def make_user(cls, email: str, role: str) -> str:
		if not frappe.db.exists("User", email):
			user = frappe.get_doc(
				{
					"doctype": "User",
					"email": email,
					"first_name": role,
					"send_welcome_email": 0,
					"roles": [{"role": role}],
				}
			)
			user.flags.no_welcome_mail = True
			user.insert(ignore_permissions=True)
		return email

	@classmethod
	def make_portal_session(cls, customer: str) -> str:
		from gigafibre.portal import links

		token, _name = links.issue(customer, "SMS", "+15145550199")
		return links.exchange(token)["token"]

	def tearDown(self):
		frappe.set_user("Administrator")
		frappe.local.request = None
		frappe.local.portal_customer = None
		frappe.local.lang = "en"

	# ------------------------------------------------------------ the request path

	def identities(self) -> dict[str, tuple[str, dict, bool, bool]]:
		"""Who calls: (user, headers, every malformed value on guest endpoints, … on staff endpoints).
		The others get the calls without parameters and with each one missing: they are refused
		before anything is read (403/401), and that must stay so."""
		return {
			"Guest": ("Guest", {}, True, False),
			"Guest with a technician link": ("Guest", {"X-Gigafibre-Token": self.link_token}, True, False),
			"Technician": (self.technician_user, {}, False, True),
			"System Manager": (self.manager_user, {}, True, True),
			"Portal customer": ("Guest", {"Authorization": f"Bearer {self.portal_session}"}, False, True),
		}

	def request(self, cmd: str, http_method: str, user: str, headers: dict, params: dict, as_json: bool):
		"""(status, exception or None) for one call, the way frappe.app.application answers it."""
		import frappe.api
		from frappe.app import make_form_dict
		from frappe.auth import validate_auth
		from werkzeug.test import EnvironBuilder
		from werkzeug.wrappers import Request

		options = {"headers": {"Accept": "application/json", **headers}}
		if as_json:
			options["json"] = params
		elif http_method == "GET":
			options["query_string"] = params
		else:
			options["data"] = params
		environ = EnvironBuilder(method=http_method, path=f"/api/method/{cmd}", **options).get_environ()
		frappe.set_user(user)  # before the form: set_user empties form_dict
		request = frappe.local.request = Request(environ)
		frappe.local.request_ip = (
			f"127.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}"
		)
		frappe.local.response = frappe._dict({"docs": []})
		frappe.local.message_log = []
		frappe.local.portal_customer = None
		try:
			make_form_dict(request)
			validate_auth()
			response = frappe.api.handle(request)
		except HTTPException as err:
			return err.code, err
		except Exception as err:
			return getattr(err, "http_status_code", 500), err
		return getattr(response, "status_code", 200), None

	def plausible_value(self, name: str, kinds) -> str:
		if name in self.plausible:
			return self.plausible[name]
		for kind in ("dict", "list", "int", "float", "bool", "str"):
			if kinds and kind in kinds:
				return PLAUSIBLE_BY_KIND[kind]
		return "test"

	def cases(self, fn, malformed: bool = True):
		"""(label, params, as_json) for one endpoint: nothing; each parameter missing; each malformed."""
		signature = inspect.signature(fn)
		names = [
			n
			for n, p in signature.parameters.items()
			if p.kind not in (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD)
		]
		hints = {n: kinds_of(signature.parameters[n].annotation) for n in names}
		plausible = {n: self.plausible_value(n, hints[n]) for n in names}
		yield "no parameters", {}, False
		for name in names:
			yield f"without {name}", {k: v for k, v in plausible.items() if k != name}, False
		if not malformed:
			return
		# A function that reads its own body (webhooks) gets the malformed values as a field.
		for name in names or ["data"]:
			for value in MALFORMED_TEXT:
				yield f"{name}={value[:12]!r}", {**plausible, name: value}, False
			for value in MALFORMED_JSON:
				yield f"{name}={value!r} (JSON)", {**plausible, name: value}, True

	def test_no_endpoint_answers_a_bad_request_with_a_5xx(self):
		endpoints, import_failures = app_endpoints()
		self.assertGreater(len(endpoints), 40, [name for name, _fn in endpoints])
		self.assertIn("gigafibre.api.tech.create_equipment", dict(endpoints))
		failures = [f"import {failure}" for failure in import_failures]
		statuses = {}
		savepoint = "endpoint_contract"
		real_commit, real_rollback = frappe.db.commit, frappe.db.rollback

		def rollback(*args, save_point=None, **kwargs):
			return real_rollback(save_point=save_point or savepoint)

		with (
			patch.object(frappe.db, "commit", lambda *a, **k: None),
			patch.object(frappe.db, "rollback", rollback),
		):
			for cmd, fn in endpoints:
				allowed = frappe.allowed_http_methods_for_whitelisted_func.get(fn, ["POST"])
				http_method = "POST" if "POST" in allowed else allowed[0]
				guest_endpoint = fn in frappe.guest_methods
				for who, (user, headers, on_guest, on_staff) in self.identities().items():
					malformed = on_guest if guest_endpoint else on_staff
					for label, params, as_json in self.cases(fn, malformed):
						if params.get("client_id") == FRESH:
							params = {**params, "client_id": uuid.uuid4().hex}
						frappe.db.savepoint(savepoint)
						try:
							status, err = self.request(cmd, http_method, user, headers, params, as_json)
						finally:
							frappe.set_user("Administrator")
							real_rollback(save_point=savepoint)
						statuses[status] = statuses.get(status, 0) + 1
						message = str(err)[:300] if err else ""
						if status >= 500 and not (status == 503 and SERVICE_DOWN.search(message)):
							failures.append(
								f"{cmd} as {who} ({http_method} {label}): {status} "
								f"{type(err).__name__ if err else ''}: {message}"
							)
		self.assertEqual(real_commit, frappe.db.commit)
		print(f"endpoint contract: {len(endpoints)} endpoints, statuses {dict(sorted(statuses.items()))}")
		if failures:
			self.fail(f"{len(failures)} calls answered 5xx:\n" + "\n".join(failures[:200]))

	def test_a_missing_parameter_is_named_in_french_with_a_400(self):
		frappe.local.lang = "fr"
		status, err = self.request(
			"gigafibre.api.tech.create_equipment", "POST", "Guest", {}, {"serial_number": "SN-1"}, False
		)
		self.assertEqual((status, str(err)), (400, "Paramètre manquant : name"))
		status, err = self.request(
			"gigafibre.api.vision.create_purchase_invoice",
			"POST",
			self.manager_user,
			{},
			{"invoice": "{"},
			False,
		)
		self.assertEqual((status, str(err)), (400, "Le paramètre invoice n'est pas du JSON valide."))
		status, err = self.request(
			"gigafibre.api.dispatch.assign",
			"POST",
			self.manager_user,
			{},
			{"job": " ", "technician": ""},
			False,
		)
		self.assertEqual((status, str(err)), (400, "Paramètre vide : job"))

	def test_staff_endpoints_say_nothing_about_parameters_to_a_guest(self):
		status, err = self.request("gigafibre.api.dispatch.assign", "POST", "Guest", {}, {}, False)
		self.assertEqual(status, 403, err)

	def test_through_frappe_app(self):
		"""The real WSGI application, in its own thread and connection (guests only: nothing to commit)."""
		from frappe.tests.test_api import make_request
		from frappe.utils import get_test_client

		client = get_test_client()
		response = make_request(
			target=client.post,
			args=("/api/method/gigafibre.api.tech.create_equipment",),
			kwargs={"data": {"serial_number": "SN-1"}, "headers": {"Accept-Language": "fr-CA"}},
		)
		self.assertEqual(response.status_code, 400, response.get_data(as_text=True))
		messages = [json.loads(m)["message"] for m in json.loads(response.json["_server_messages"])]
		self.assertEqual(messages, ["Paramètre manquant : name"])
		response = make_request(
			target=client.post,
			args=("/api/method/gigafibre.api.webhooks.pbx.call_event",),
			kwargs={"data": "{", "headers": {"Content-Type": "text/plain"}},
		)
		self.assertEqual(response.status_code, 400, response.get_data(as_text=True))
