"""One customer's portal session finds nothing of another customer through any of Frappe's doors.

Customer B uses the portal (a message, a ticket and a reply, the referral card), staff answer B and
record a payment, files are attached to B's ticket. Then, with customer A's session, every doctype
(child tables through their parent) is listed through frappe.client.get_list and /api/resource
(fields ["*"], no limit), and every record of B is asked for by name through frappe.client.get,
frappe.desk.form.load.getdoc and /api/resource/<doctype>/<name>. No answer may carry B's text, names or records. A refusal
(401/403/404/417) is isolation, not a failure.
"""

import json
import uuid

import frappe
from frappe.auth import validate_auth
from frappe.tests.utils import FrappeTestCase
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

from gigafibre.portal import links
from gigafibre.portal.auth import portal_user_of
from gigafibre.tests.utils import call_endpoint, make_submitted_invoice, pay, test_customer

API = "gigafibre.api.portal."
# What refusing looks like: 401, 403, 404, 417 (and a doctype that cannot be listed at all).
REFUSALS = (
	frappe.AuthenticationError,
	frappe.PermissionError,
	frappe.DoesNotExistError,
	frappe.ValidationError,
)


class TestPortalIsolation(FrappeTestCase):
	# Nothing here sends a text, and background jobs stay queued (never run in a test that rolls
	# back): no Twilio stub, so no lock held on Gigafibre Settings for the length of the walk.

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		tag = uuid.uuid4().hex[:8].upper()
		cls.marker = f"ZQB{tag}"  # in everything B writes or is written about
		cls.alice = test_customer("_Test Isolation Alpha", mobile="+18195550171")
		cls.bob = test_customer("_Test Isolation Bravo", mobile="+18195550172")
		frappe.db.set_value("Customer", cls.bob, "email_id", "bravo.isolation@exemple.ca")
		cls.bob_invoice = make_submitted_invoice(cls.bob, rate=130)

	def tearDown(self):
		frappe.set_user("Administrator")
		frappe.local.request = None
		frappe.local.portal_customer = None

	def call(self, method, session, get=False, **fields):
		return call_endpoint(
			API + method, get=get, headers={"Authorization": f"Bearer {session}"}, form=fields
		)

	def session_for(self, customer, phone):
		token, _name = links.issue(customer, "SMS", phone)
		return call_endpoint(API + "exchange", form={"token": token})["token"]

	def bob_uses_the_portal(self) -> list[tuple[str, str]]:
		"""B's records (doctype, name), each carrying the marker where it has text."""
		from gigafibre.messaging.conversations import reply

		m = self.marker
		bob = self.session_for(self.bob, "+18195550172")
		thread = self.call("send_message", bob, text=f"{m} mon modem clignote, l'acompte suit")
		ticket = self.call("open_ticket", bob, subject=f"{m} Internet lent", message=f"{m} depuis hier")
		self.call("reply_ticket", bob, name=ticket["name"], message=f"{m} toujours lent")
		code = self.call("referral", bob, get=True)["code"]
		frappe.set_user("Administrator")
		conversation = frappe.db.get_value("Issue", {"customer": self.bob, "gigafibre_channel": "Portal"})
		reply(conversation, f"{m} réponse du personnel")
		payment = pay(self.bob_invoice)
		staff_file = frappe.get_doc(
			{
				"doctype": "File",
				"file_name": f"{m}-staff.txt",
				"content": f"{m} staff note",
				"is_private": 1,
				"attached_to_doctype": "Issue",
				"attached_to_name": ticket["name"],
			}
		).insert()
		frappe.set_user(portal_user_of(self.bob))
		own_file = frappe.get_doc(
			{
				"doctype": "File",
				"file_name": f"{m}-photo.txt",
				"content": f"{m} customer upload",
				"is_private": 1,
				"attached_to_doctype": "Issue",
				"attached_to_name": ticket["name"],
			}
		).insert(ignore_permissions=True)
		frappe.set_user("Administrator")
		self.bob_words = [m, self.bob, "_Test Isolation Bravo", portal_user_of(self.bob), code]
		records = [
			("Customer", self.bob),
			("Issue", conversation),
			("Issue", ticket["name"]),
			("Sales Invoice", self.bob_invoice.name),
			("Payment Entry", payment.name),
			("File", staff_file.name),
			("File", own_file.name),
			("User", portal_user_of(self.bob)),
		]
		for issue in (conversation, ticket["name"]):
			for doctype, field in (
				("Communication", "reference_name"),
				("Comment", "reference_name"),
				("Version", "docname"),
			):
				records += [(doctype, n) for n in frappe.get_all(doctype, {field: issue}, pluck="name")]
		records += [
			("Portal Link", n) for n in frappe.get_all("Portal Link", {"customer": self.bob}, pluck="name")
		]
		# Whatever else B's portal user owns, in any table.
		for doctype in self.doctypes(tables=False):
			if frappe.get_meta(doctype).is_virtual or frappe.get_meta(doctype).issingle:
				continue
			records += [
				(doctype, n)
				for n in frappe.get_all(doctype, {"owner": portal_user_of(self.bob)}, pluck="name")
				if (doctype, n) not in records
			]
		self.bob_names = [name for _doctype, name in records]
		self.assertTrue(thread and code)
		return records

	@staticmethod
	def doctypes(tables: bool = True) -> list[str]:
		filters = {} if tables else {"istable": 0}
		return frappe.get_all("DocType", filters=filters, pluck="name", order_by="name")

	# ------------------------------------------------------------ one request through a door

	def api(self, path: str, query: dict | None = None) -> str:
		"""GET /api/... with A's session, dispatched as frappe.app does (frappe.api.handle)."""
		import frappe.api

		environ = EnvironBuilder(
			method="GET", path=path, query_string=query or {}, headers=self.alice_headers
		).get_environ()
		frappe.set_user("Guest")
		frappe.local.request = Request(environ)
		frappe.local.request_ip = "127.0.0.9"
		frappe.local.form_dict = frappe._dict(frappe.local.request.args)
		frappe.local.portal_customer = None
		validate_auth()
		return frappe.api.handle(frappe.local.request).get_data(as_text=True)

	def post(self, path: str, data: dict):
		"""POST /api/... with A's session and a JSON body, dispatched as frappe.app does."""
		import frappe.api

		environ = EnvironBuilder(
			method="POST", path=path, json=data, headers=self.alice_headers
		).get_environ()
		frappe.set_user("Guest")
		frappe.local.request = Request(environ)
		frappe.local.request_ip = "127.0.0.9"
		frappe.local.form_dict = frappe._dict()
		frappe.local.portal_customer = None
		validate_auth()
		return frappe.api.handle(frappe.local.request)

	def test_a_portal_session_writes_nothing_through_frappes_doors(self):
		"""The doctypes Frappe lets every user create (Contact, ToDo, Event, File, Tag Link...) are
		closed to a portal session: a Contact naming B's Customer would be A's word on B's record."""
		alice = self.session_for(self.alice, "+18195550171")
		self.alice_headers = {"Authorization": f"Bearer {alice}"}
		attempts = {
			"Contact": {
				"first_name": "Pirate",
				"links": [{"link_doctype": "Customer", "link_name": self.bob}],
			},
			"Address": {"address_line1": "1 rue X", "city": "Montréal", "address_type": "Billing"},
			"ToDo": {"description": "spam", "reference_type": "Customer", "reference_name": self.bob},
			"Event": {"subject": "spam", "event_type": "Public", "starts_on": "2030-01-01 10:00:00"},
			"Communication": {
				"subject": "x",
				"content": "x",
				"reference_doctype": "Customer",
				"reference_name": self.bob,
			},
			"File": {"file_name": "x.txt", "content": "x", "is_private": 1},
		}
		written = []
		for doctype, values in attempts.items():
			try:
				self.post(f"/api/resource/{doctype}", values)
				written.append(doctype)
			except REFUSALS:
				pass
			finally:
				frappe.set_user("Administrator")
				frappe.local.request = None
		self.assertEqual(written, [])

	def method(self, method: str, **form) -> str:
		return json.dumps(
			call_endpoint(method, get=True, headers=self.alice_headers, request_ip="127.0.0.9", form=form),
			default=str,
			ensure_ascii=False,
		)

	def look(self, door: str, fetch, *args, asked: str = "", **kwargs) -> None:
		"""Ask through one door; note what of B's it answers (a refusal may name what was `asked`)."""
		frappe.local.response = frappe._dict({"docs": []})
		frappe.local.message_log = []
		try:
			answer = fetch(*args, **kwargs)
		except REFUSALS:
			answer = ""
		except Exception as err:  # not a refusal Frappe names, but not an answer either
			self.errors.append(f"{door}: {type(err).__name__}: {str(err)[:120]}")
			answer = ""
		finally:
			said = json.dumps(frappe.local.message_log, default=str, ensure_ascii=False).replace(asked, "")
			frappe.local.message_log = []
			frappe.set_user("Administrator")
			frappe.local.request = None
		self.seen += 1 if self.alice_marker in answer else 0
		leaked = [w for w in self.bob_words if w in answer or w in said]
		leaked += [n for n in self.bob_names if json.dumps(n) in answer]
		if leaked:
			self.leaks.append(f"{door}: {sorted(set(leaked))}")

	def test_another_customers_session_finds_nothing_of_theirs(self):
		records = self.bob_uses_the_portal()
		alice = self.session_for(self.alice, "+18195550171")
		self.alice_headers = {"Authorization": f"Bearer {alice}"}
		self.alice_marker = f"ZQA{uuid.uuid4().hex[:8].upper()}"
		self.call("send_message", alice, text=f"{self.alice_marker} bonjour")
		frappe.set_user("Administrator")
		self.leaks, self.errors, self.seen = [], [], 0

		parents = {
			row.options: row.parent
			for row in frappe.get_all(
				"DocField", {"fieldtype": ("in", ["Table", "Table MultiSelect"])}, ["options", "parent"]
			)
		}
		star = json.dumps(["*"])
		for doctype in self.doctypes():
			parent = parents.get(doctype) if frappe.get_meta(doctype).istable else None
			if frappe.get_meta(doctype).istable and not parent:
				continue
			common = {"fields": star, "limit_page_length": 0, **({"parent": parent} if parent else {})}
			self.look(
				f"frappe.client.get_list {doctype}",
				self.method,
				"frappe.client.get_list",
				doctype=doctype,
				**common,
			)
			if not parent:  # for a child table, /api/resource is the same frappe.client.get_list
				self.look(f"/api/resource/{doctype}", self.api, f"/api/resource/{doctype}", common)
		for doctype, name in records:
			for method in ("frappe.client.get", "frappe.desk.form.load.getdoc"):
				self.look(
					f"{method} {doctype} {name}", self.method, method, doctype=doctype, name=name, asked=name
				)
			self.look(
				f"/api/resource/{doctype}/{name}", self.api, f"/api/resource/{doctype}/{name}", asked=name
			)

		# The walk reached data at all: A's own message came back through some door.
		self.assertTrue(self.seen, "no door answered A's own message: the walk proves nothing")
		self.assertFalse(
			self.leaks,
			f"{len(self.leaks)} doors answer B's records to A:\n"
			+ "\n".join(self.leaks[:60])
			+ "\n(doors that failed otherwise: {})".format("; ".join(self.errors[:20])),
		)
