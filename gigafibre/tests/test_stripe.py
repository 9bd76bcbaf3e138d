"""Stripe in a real bench: signed webhooks -> Payment Entries, replays, Checkout links and the PPA job
against a loopback server speaking Stripe's REST API."""

import hashlib
import hmac
import json
import time
from unittest.mock import patch

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils import add_days, flt, today

from gigafibre.payments import ppa, service
from gigafibre.payments.setup import ensure_custom_fields
from gigafibre.tests.peers import LoopbackPeer, Reply
from gigafibre.tests.utils import make_submitted_invoice, post_raw, test_customer
from gigafibre.webhooks.intake import BadSignature

METHOD = "gigafibre.api.webhooks.stripe.receive"
SECRET = "whsec_test_gigafibre_0123456789abcdef"
API_KEY = "sk_test_51GigafibreBench"
DECLINED_CARD = "pm_card_chargeDeclined"
PROCESSING_CARD = "pm_card_processing"


def sign(payload: bytes, secret: str = SECRET, timestamp: int | None = None) -> str:
	"""Stripe-Signature exactly as Stripe computes it: v1 = HMAC-SHA256(secret, "{t}.{payload}")."""
	t = int(timestamp or time.time())
	digest = hmac.new(secret.encode(), f"{t}.".encode() + payload, hashlib.sha256).hexdigest()
	return f"t={t},v1={digest}"


def post_webhook(payload: bytes, signature: str | None, ip: str = "127.0.0.1"):
	headers = {"Stripe-Signature": signature} if signature else {}
	return post_raw(METHOD, payload, headers, content_type="application/json", request_ip=ip)


def event(kind: str, obj: dict, event_id: str | None = None) -> bytes:
	return json.dumps(
		{
			"id": event_id or f"evt_{frappe.generate_hash(length=16)}",
			"object": "event",
			"api_version": "2025-10-29.clover",
			"created": int(time.time()),
			"data": {"object": obj},
			"livemode": False,
			"pending_webhooks": 1,
			"request": {"id": None, "idempotency_key": None},
			"type": kind,
		}
	).encode()


def session_completed(invoice, payment_intent: str) -> dict:
	return {
		"id": f"cs_test_{frappe.generate_hash(length=12)}",
		"object": "checkout.session",
		"amount_subtotal": round(invoice.outstanding_amount * 100),
		"amount_total": round(invoice.outstanding_amount * 100),
		"client_reference_id": invoice.name,
		"currency": invoice.currency.lower(),
		"customer": "cus_test_bench",
		"metadata": {"invoice": invoice.name, "customer": invoice.customer},
		"mode": "payment",
		"payment_intent": payment_intent,
		"payment_status": "paid",
		"status": "complete",
	}


def intent_succeeded(invoice, payment_intent: str, **extra) -> dict:
	return {
		"id": payment_intent,
		"object": "payment_intent",
		"amount": round(invoice.outstanding_amount * 100),
		"amount_received": round(invoice.outstanding_amount * 100),
		"currency": invoice.currency.lower(),
		"customer": "cus_test_bench",
		"metadata": {"invoice": invoice.name, "customer": invoice.customer},
		"payment_method": "pm_card_visa",
		"status": "succeeded",
		**extra,
	}


# PaymentIntents the loopback Stripe created, by id: a test may change a status (the bank decided).
INTENTS: dict[str, dict] = {}


def stripe_api(request):
	"""The loopback Stripe: customers, checkout and portal sessions, payment intents."""
	if request.method == "GET" and request.path.startswith("/v1/payment_intents/"):
		found = INTENTS.get(request.path.rsplit("/", 1)[1])
		if not found:
			return Reply(
				404, {"error": {"type": "invalid_request_error", "message": "No such payment_intent"}}
			)
		return Reply(200, found)
	form = request.form()
	if request.path == "/v1/customers":
		return Reply(
			200, {"id": f"cus_{frappe.generate_hash(length=14)}", "object": "customer", "name": form["name"]}
		)
	if request.path == "/v1/checkout/sessions":
		return Reply(
			200,
			{
				"id": "cs_test_bench",
				"object": "checkout.session",
				"client_reference_id": form["client_reference_id"],
				"mode": "payment",
				"payment_status": "unpaid",
				"url": "https://checkout.stripe.com/c/pay/cs_test_bench",
			},
		)
	if request.path == "/v1/billing_portal/sessions":
		return Reply(200, {"id": "bps_1", "url": "https://billing.stripe.com/p/session/test_bench"})
	if request.path == "/v1/payment_intents":
		intent = f"pi_{hashlib.sha256(request.headers.get('idempotency-key', '').encode()).hexdigest()[:24]}"
		if form["payment_method"] == DECLINED_CARD:
			return Reply(
				402,
				{
					"error": {
						"type": "card_error",
						"code": "card_declined",
						"decline_code": "insufficient_funds",
						"message": "Your card has insufficient funds.",
						"payment_intent": {
							"id": intent,
							"object": "payment_intent",
							"status": "requires_payment_method",
						},
					}
				},
			)
		INTENTS.setdefault(
			intent,
			{
				"id": intent,
				"object": "payment_intent",
				"amount": int(form["amount"]),
				"amount_received": int(form["amount"]),
				"currency": form["currency"],
				"customer": form["customer"],
				"metadata": {"invoice": form["metadata[invoice]"], "customer": form["metadata[customer]"]},
				"payment_method": form["payment_method"],
				"status": "processing" if form["payment_method"] == PROCESSING_CARD else "succeeded",
			},
		)
		return Reply(200, INTENTS[intent])
	return Reply(
		404,
		{"error": {"type": "invalid_request_error", "message": f"Unrecognized request URL ({request.path})"}},
	)


class StripeTestCase(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		frappe.flags.gigafibre_jobs_inline = True
		ensure_custom_fields()
		cls.peer = LoopbackPeer(stripe_api).__enter__()
		settings = frappe.get_single("Gigafibre Settings")
		cls.saved = {
			"stripe_api_base": settings.stripe_api_base,
			"stripe_secret_key": settings.get_password("stripe_secret_key", raise_exception=False),
			"stripe_webhook_secret": settings.get_password("stripe_webhook_secret", raise_exception=False),
		}
		cls.configure()
		cls.customer = test_customer("_Test Stripe Customer")

	@classmethod
	def configure(cls):
		# Other test modules may write the settings at the same moment: retry a deadlock.
		for attempt in range(5):
			try:
				settings = frappe.get_single("Gigafibre Settings")
				settings.update(
					{
						"stripe_api_base": cls.peer.url,
						"stripe_secret_key": API_KEY,
						"stripe_webhook_secret": SECRET,
					}
				)
				settings.save(ignore_permissions=True)
				return
			except frappe.QueryDeadlockError:
				if attempt == 4:
					raise
				time.sleep(0.5 * (attempt + 1))

	def setUp(self):
		# The site is shared: another test module may have saved the settings meanwhile.
		if frappe.db.get_single_value("Gigafibre Settings", "stripe_api_base") != self.peer.url:
			self.configure()

	@classmethod
	def tearDownClass(cls):
		cls.peer.__exit__(None, None, None)
		settings = frappe.get_single("Gigafibre Settings")
		settings.update({k: v or "" for k, v in cls.saved.items()})
		settings.save(ignore_permissions=True)
		frappe.flags.gigafibre_jobs_inline = False
		super().tearDownClass()

	def entries_for(self, reference: str) -> list[str]:
		return frappe.get_all("Payment Entry", {"reference_no": reference, "docstatus": 1}, pluck="name")


class TestStripeWebhook(StripeTestCase):
	def test_signed_checkout_event_records_a_submitted_payment(self):
		invoice = make_submitted_invoice(self.customer, rate=114.98)
		intent = f"pi_{frappe.generate_hash(length=20)}"
		payload = event("checkout.session.completed", session_completed(invoice, intent))
		with (
			patch("frappe.publish_realtime") as realtime,
			patch("gigafibre.flows.doc_events.dispatch_event") as dispatched,
		):
			answer = post_webhook(payload, sign(payload))
		self.assertEqual(answer, {"received": True})

		(name,) = self.entries_for(intent)
		entry = frappe.get_doc("Payment Entry", name)
		self.assertEqual(
			(entry.payment_type, entry.party_type, entry.party), ("Receive", "Customer", self.customer)
		)
		self.assertEqual(entry.mode_of_payment, "Stripe")
		self.assertEqual(flt(entry.paid_amount), flt(invoice.outstanding_amount))
		self.assertEqual(entry.paid_to_account_currency, invoice.currency)
		self.assertEqual(
			(entry.references[0].reference_name, flt(entry.references[0].allocated_amount)),
			(invoice.name, flt(invoice.outstanding_amount)),
		)
		self.assertEqual(frappe.db.get_value("Sales Invoice", invoice.name, "outstanding_amount"), 0)
		stored = frappe.get_doc("Webhook Event", {"source": "Stripe", "event_id": json.loads(payload)["id"]})
		self.assertEqual((stored.status, stored.event_type), ("Processed", "checkout.session.completed"))
		self.assertIn("stripe-signature", stored.headers.lower())
		# ERPNext's on_submit hook hands the payment to the flow runtime.
		self.assertEqual(
			[(c.args[0], c.args[1].name) for c in dispatched.call_args_list], [("on_payment_received", name)]
		)
		paid = [c for c in realtime.call_args_list if c.args and c.args[0] == "invoice_paid"]
		self.assertEqual(len(paid), 1)
		self.assertEqual(paid[0].kwargs["room"], f"customer:{self.customer}")
		self.assertEqual(paid[0].args[1]["invoice"], invoice.name)

	def test_hundred_replays_record_one_payment(self):
		invoice = make_submitted_invoice(self.customer)
		intent = f"pi_{frappe.generate_hash(length=20)}"
		payload = event("payment_intent.succeeded", intent_succeeded(invoice, intent))
		for _ in range(100):
			self.assertEqual(post_webhook(payload, sign(payload)), {"received": True})
		self.assertEqual(len(self.entries_for(intent)), 1)
		self.assertEqual(frappe.db.count("Webhook Event", {"event_id": json.loads(payload)["id"]}), 1)

	def test_checkout_and_intent_events_of_one_payment_record_one_entry(self):
		invoice = make_submitted_invoice(self.customer)
		intent = f"pi_{frappe.generate_hash(length=20)}"
		first = event("checkout.session.completed", session_completed(invoice, intent))
		second = event("payment_intent.succeeded", intent_succeeded(invoice, intent))
		post_webhook(first, sign(first))
		post_webhook(second, sign(second))
		self.assertEqual(len(self.entries_for(intent)), 1)
		for payload in (first, second):
			self.assertEqual(
				frappe.db.get_value("Webhook Event", {"event_id": json.loads(payload)["id"]}, "status"),
				"Processed",
			)

	def test_bad_or_missing_signature_is_400_and_nothing_stored(self):
		invoice = make_submitted_invoice(self.customer)
		intent = f"pi_{frappe.generate_hash(length=20)}"
		payload = event("payment_intent.succeeded", intent_succeeded(invoice, intent))
		event_id = json.loads(payload)["id"]
		tampered = payload.replace(b'"amount_received": ', b'"amount_received": 1')
		for body, signature in (
			(payload, sign(payload, secret="whsec_someone_else")),
			(tampered, sign(payload)),
			(
				payload,
				sign(payload, timestamp=int(time.time()) - 3600),
			),  # outside Stripe's 5-minute tolerance
			(payload, "t=1,v1=deadbeef"),
			(payload, None),
		):
			with self.assertRaises(BadSignature) as caught:
				post_webhook(body, signature)
			self.assertEqual(caught.exception.http_status_code, 400)
		self.assertFalse(frappe.db.exists("Webhook Event", {"event_id": event_id}))
		self.assertEqual(self.entries_for(intent), [])

	def test_no_secret_configured_refuses_everything(self):
		invoice = make_submitted_invoice(self.customer)
		payload = event("payment_intent.succeeded", intent_succeeded(invoice, "pi_nosecret"))
		with patch("frappe.model.document.Document.get_password", return_value=None):
			with self.assertRaises(BadSignature):
				post_webhook(payload, sign(payload))
		self.assertFalse(frappe.db.exists("Webhook Event", {"event_id": json.loads(payload)["id"]}))

	def test_fuzzed_bodies_and_signatures_only_ever_answer_400(self):
		from hypothesis import HealthCheck, given, settings
		from hypothesis import strategies as st

		json_values = st.recursive(
			st.none() | st.booleans() | st.integers() | st.text(max_size=20),
			lambda inner: st.lists(inner, max_size=3)
			| st.dictionaries(st.text(max_size=8), inner, max_size=3),
			max_leaves=8,
		)
		bodies = st.binary(max_size=300) | json_values.map(lambda v: json.dumps(v).encode())
		headers = (
			st.none()
			| st.text(st.characters(min_codepoint=32, max_codepoint=255), max_size=120)
			| st.builds(lambda t, v: f"t={t},v1={v}", st.integers(), st.text("0123456789abcdef", max_size=64))
		)

		@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
		@given(body=bodies, header=headers)
		def unsigned(body, header):
			with self.assertRaises(BadSignature):
				post_webhook(body, header, ip="127.0.0.2")

		@settings(max_examples=80, deadline=None, suppress_health_check=list(HealthCheck))
		@given(body=bodies)
		def signed_garbage(body):
			# Correctly signed, odd content: refused with 400, or stored and ignored; never a 500.
			try:
				answer = post_webhook(body, sign(body), ip="127.0.0.2")
			except BadSignature:
				return
			self.assertEqual(answer, {"received": True})

		before = frappe.db.count("Webhook Event", {"source": "Stripe"})
		unsigned()
		self.assertEqual(frappe.db.count("Webhook Event", {"source": "Stripe"}), before)
		signed_garbage()

	def test_other_events_are_ignored(self):
		payload = event("customer.created", {"id": "cus_x", "object": "customer"})
		post_webhook(payload, sign(payload))
		self.assertEqual(
			frappe.db.get_value("Webhook Event", {"event_id": json.loads(payload)["id"]}, "status"), "Ignored"
		)

	def test_card_saved_at_checkout_becomes_the_ppa_method(self):
		customer = test_customer("_Test Stripe Saved Card")
		invoice = make_submitted_invoice(customer)
		intent = f"pi_{frappe.generate_hash(length=20)}"
		payload = event(
			"payment_intent.succeeded",
			intent_succeeded(
				invoice,
				intent,
				setup_future_usage="off_session",
				customer="cus_saved",
				payment_method="pm_saved_1",
			),
		)
		post_webhook(payload, sign(payload))
		self.assertEqual(len(self.entries_for(intent)), 1)
		self.assertEqual(
			frappe.db.get_value("Customer", customer, "gigafibre_ppa_payment_method"), "pm_saved_1"
		)

	def test_partial_payment_and_payment_of_a_settled_invoice(self):
		invoice = make_submitted_invoice(self.customer, rate=100)
		intent = f"pi_{frappe.generate_hash(length=20)}"
		half = intent_succeeded(invoice, intent)
		half["amount_received"] = half["amount"] = round(invoice.outstanding_amount * 50)
		payload = event("payment_intent.succeeded", half)
		post_webhook(payload, sign(payload))
		(name,) = self.entries_for(intent)
		self.assertEqual(
			flt(frappe.db.get_value("Payment Entry", name, "paid_amount")),
			flt(invoice.outstanding_amount / 2),
		)
		self.assertEqual(
			flt(frappe.db.get_value("Sales Invoice", invoice.name, "outstanding_amount")),
			flt(invoice.outstanding_amount / 2),
		)

		# Settled meanwhile at the counter, then Stripe reports a payment: kept, unallocated, not lost.
		settled = make_submitted_invoice(self.customer, rate=40)
		from gigafibre.tests.utils import pay

		pay(settled)
		late = f"pi_{frappe.generate_hash(length=20)}"
		payload = event(
			"payment_intent.succeeded", intent_succeeded(settled, late, amount=4000, amount_received=4000)
		)
		post_webhook(payload, sign(payload))
		(name,) = self.entries_for(late)
		entry = frappe.get_doc("Payment Entry", name)
		self.assertEqual((flt(entry.paid_amount), flt(entry.unallocated_amount)), (40.0, 40.0))
		self.assertEqual(entry.references, [])

	def test_failed_checkout_attempt_is_not_recorded(self):
		invoice = make_submitted_invoice(self.customer)
		payload = event(
			"payment_intent.payment_failed",
			intent_succeeded(invoice, "pi_failed_checkout", status="requires_payment_method"),
		)
		post_webhook(payload, sign(payload))
		self.assertEqual(
			frappe.db.get_value("Webhook Event", {"event_id": json.loads(payload)["id"]}, "status"), "Ignored"
		)
		self.assertFalse(
			frappe.db.exists("Comment", {"reference_name": invoice.name, "comment_type": "Comment"})
		)


class TestCheckoutLinks(StripeTestCase):
	def test_checkout_creates_the_stripe_customer_once_and_returns_the_url(self):
		customer = test_customer(f"_Test Stripe Checkout {frappe.generate_hash(length=6)}")
		frappe.db.set_value("Customer", customer, "gigafibre_ppa_enabled", 1)
		invoice = make_submitted_invoice(customer, rate=60)
		before = len(self.peer.requests)
		url = service.checkout_for_invoice(
			invoice.name, "https://portal.example/#/ok", "https://portal.example/#/no"
		)
		self.assertEqual(url, "https://checkout.stripe.com/c/pay/cs_test_bench")
		customers, session = self.peer.requests[before:]
		self.assertEqual(customers.path, "/v1/customers")
		stripe_id = frappe.db.get_value("Customer", customer, "stripe_customer_id")
		self.assertTrue(stripe_id.startswith("cus_"))
		form = session.form()
		self.assertEqual(
			(form["client_reference_id"], form["customer"], form["line_items[0][price_data][unit_amount]"]),
			(invoice.name, stripe_id, str(round(invoice.outstanding_amount * 100))),
		)
		self.assertEqual(form["payment_intent_data[setup_future_usage]"], "off_session")

		service.checkout_for_invoice(
			invoice.name, "https://portal.example/#/ok", "https://portal.example/#/no"
		)
		self.assertEqual([r.path for r in self.peer.requests[before + 2 :]], ["/v1/checkout/sessions"])

		url = service.billing_portal_url(customer, "https://portal.example/#/")
		self.assertEqual(url, "https://billing.stripe.com/p/session/test_bench")
		self.assertEqual(self.peer.requests[-1].form()["customer"], stripe_id)

	def test_paid_draft_and_cancelled_invoices_are_refused(self):
		from gigafibre.tests.utils import pay

		invoice = make_submitted_invoice(self.customer)
		pay(invoice)
		with self.assertRaisesRegex(frappe.ValidationError, "already paid"):
			service.checkout_for_invoice(invoice.name, "https://x/ok", "https://x/no")
		draft = frappe.copy_doc(invoice)
		draft.docstatus = 0
		draft.insert()
		with self.assertRaisesRegex(frappe.ValidationError, "draft"):
			service.checkout_for_invoice(draft.name, "https://x/ok", "https://x/no")
		draft.submit()
		draft.cancel()
		with self.assertRaisesRegex(frappe.ValidationError, "cancelled"):
			service.checkout_for_invoice(draft.name, "https://x/ok", "https://x/no")


class TestPreAuthorizedPayments(StripeTestCase):
	def ppa_customer(self, label: str, card: str) -> str:
		customer = test_customer(f"_Test Stripe PPA {label} {frappe.generate_hash(length=6)}")
		frappe.db.set_value(
			"Customer",
			customer,
			{
				"stripe_customer_id": f"cus_{frappe.generate_hash(length=14)}",
				"gigafibre_ppa_enabled": 1,
				"gigafibre_ppa_payment_method": card,
			},
		)
		return customer

	def charges_for(self, invoice: str, since: int):
		return [
			r
			for r in self.peer.requests[since:]
			if r.path == "/v1/payment_intents" and r.form().get("metadata[invoice]") == invoice
		]

	def test_due_invoice_is_charged_once_with_its_idempotency_key(self):
		customer = self.ppa_customer("ok", "pm_card_visa")
		invoice = make_submitted_invoice(customer, rate=80)
		not_ppa = make_submitted_invoice(self.customer)
		before = len(self.peer.requests)

		ppa.charge_due_invoices()

		(charge,) = self.charges_for(invoice.name, before)
		self.assertEqual(charge.headers["idempotency-key"], f"ppa-{invoice.name}-{today().replace('-', '')}")
		form = charge.form()
		self.assertEqual(
			(form["off_session"], form["confirm"], form["amount"], form["payment_method"]),
			("true", "true", str(round(invoice.outstanding_amount * 100)), "pm_card_visa"),
		)
		self.assertEqual(self.charges_for(not_ppa.name, before), [])
		self.assertEqual(frappe.db.get_value("Sales Invoice", invoice.name, "outstanding_amount"), 0)
		entries = frappe.get_all(
			"Payment Entry Reference",
			{"reference_name": invoice.name, "docstatus": 1},
			pluck="parent",
		)
		self.assertEqual(len(entries), 1)
		self.assertEqual(frappe.db.get_value("Payment Entry", entries[0], "mode_of_payment"), "Stripe")

		# The succeeded webhook for the same PaymentIntent adds nothing.
		intent = frappe.db.get_value("Payment Entry", entries[0], "reference_no")
		payload = event("payment_intent.succeeded", intent_succeeded(invoice, intent))
		post_webhook(payload, sign(payload))
		self.assertEqual(len(self.entries_for(intent)), 1)

		# Run again the same day: the invoice is paid, nothing is charged.
		before = len(self.peer.requests)
		ppa.charge_due_invoices()
		self.assertEqual(self.charges_for(invoice.name, before), [])

	def test_declined_card_is_recorded_and_charged_again_the_next_day(self):
		customer = self.ppa_customer("declined", DECLINED_CARD)
		invoice = make_submitted_invoice(customer)
		before = len(self.peer.requests)

		ppa.charge_due_invoices()

		(first,) = self.charges_for(invoice.name, before)
		self.assertEqual(first.headers["idempotency-key"], f"ppa-{invoice.name}-{today().replace('-', '')}")
		comments = frappe.get_all(
			"Comment",
			{"reference_doctype": "Sales Invoice", "reference_name": invoice.name, "comment_type": "Comment"},
			pluck="content",
		)
		self.assertEqual(len(comments), 1)
		self.assertIn("insufficient funds", comments[0])
		self.assertTrue(frappe.db.exists("Error Log", {"reference_name": invoice.name}))
		self.assertEqual(
			flt(frappe.db.get_value("Sales Invoice", invoice.name, "outstanding_amount")),
			flt(invoice.outstanding_amount),
		)

		# Stripe's payment_failed webhook for the same attempt is not recorded twice.
		intent = first.headers["idempotency-key"]
		intent_id = f"pi_{hashlib.sha256(intent.encode()).hexdigest()[:24]}"
		failed = event(
			"payment_intent.payment_failed",
			intent_succeeded(
				invoice,
				intent_id,
				status="requires_payment_method",
				metadata={"invoice": invoice.name, "customer": customer, "ppa": "1"},
				last_payment_error={
					"code": "card_declined",
					"decline_code": "insufficient_funds",
					"message": "Your card has insufficient funds.",
				},
			),
		)
		post_webhook(failed, sign(failed))
		self.assertEqual(
			frappe.db.count(
				"Comment",
				{
					"reference_doctype": "Sales Invoice",
					"reference_name": invoice.name,
					"comment_type": "Comment",
				},
			),
			1,
		)

		# The next day (the customer updated their card meanwhile): a new key, and this time it succeeds.
		tomorrow = add_days(today(), 1)
		frappe.db.set_value("Customer", customer, "gigafibre_ppa_payment_method", "pm_card_visa")
		before = len(self.peer.requests)
		with patch("gigafibre.payments.ppa.today", return_value=tomorrow):
			ppa.charge_due_invoices()
		(second,) = self.charges_for(invoice.name, before)
		self.assertEqual(second.headers["idempotency-key"], f"ppa-{invoice.name}-{tomorrow.replace('-', '')}")
		self.assertEqual(frappe.db.get_value("Sales Invoice", invoice.name, "outstanding_amount"), 0)

	def test_processing_charge_is_recorded_by_the_succeeded_webhook(self):
		customer = self.ppa_customer("processing", PROCESSING_CARD)
		invoice = make_submitted_invoice(customer)
		before = len(self.peer.requests)
		ppa.charge_due_invoices()
		(charge,) = self.charges_for(invoice.name, before)
		intent = f"pi_{hashlib.sha256(charge.headers['idempotency-key'].encode()).hexdigest()[:24]}"
		self.assertEqual(self.entries_for(intent), [])
		self.assertEqual(frappe.db.get_value("Sales Invoice", invoice.name, "gigafibre_ppa_pending"), intent)
		# While the bank decides, later runs do not charge again (not even on a new day).
		before = len(self.peer.requests)
		with patch("gigafibre.payments.ppa.today", return_value=add_days(today(), 1)):
			ppa.charge_due_invoices()
		self.assertEqual(self.charges_for(invoice.name, before), [])
		succeeded = intent_succeeded(invoice, intent)
		succeeded["metadata"]["ppa"] = "1"
		payload = event("payment_intent.succeeded", succeeded)
		post_webhook(payload, sign(payload))
		self.assertEqual(len(self.entries_for(intent)), 1)
		self.assertEqual(frappe.db.get_value("Sales Invoice", invoice.name, "outstanding_amount"), 0)
		self.assertFalse(frappe.db.get_value("Sales Invoice", invoice.name, "gigafibre_ppa_pending"))

	def processing_charge(self, label: str):
		customer = self.ppa_customer(label, PROCESSING_CARD)
		invoice = make_submitted_invoice(customer)
		before = len(self.peer.requests)
		ppa.charge_due_invoices()
		(charge,) = self.charges_for(invoice.name, before)
		intent = f"pi_{hashlib.sha256(charge.headers['idempotency-key'].encode()).hexdigest()[:24]}"
		self.assertEqual(frappe.db.get_value("Sales Invoice", invoice.name, "gigafibre_ppa_pending"), intent)
		return invoice, intent

	def test_processing_charge_whose_webhook_never_came_is_asked_about(self):
		invoice, intent = self.processing_charge("lost webhook")
		tomorrow = add_days(today(), 1)
		# Still processing at Stripe: asked, left alone, not charged again.
		before = len(self.peer.requests)
		with patch("gigafibre.payments.ppa.today", return_value=tomorrow):
			ppa.charge_due_invoices()
		asked = [r for r in self.peer.requests[before:] if r.method == "GET"]
		self.assertIn(f"/v1/payment_intents/{intent}", [r.path for r in asked])
		self.assertEqual(self.charges_for(invoice.name, before), [])
		# The bank said yes and the webhook was lost: the next run records the payment, once.
		INTENTS[intent]["status"] = "succeeded"
		with patch("gigafibre.payments.ppa.today", return_value=tomorrow):
			counts = ppa.charge_due_invoices()
		self.assertEqual(counts["reconciled"], 1)
		self.assertEqual(len(self.entries_for(intent)), 1)
		self.assertEqual(flt(frappe.db.get_value("Sales Invoice", invoice.name, "outstanding_amount")), 0)
		self.assertFalse(frappe.db.get_value("Sales Invoice", invoice.name, "gigafibre_ppa_pending"))

	def test_processing_charge_that_failed_is_cleared_and_charged_again_next_day(self):
		invoice, intent = self.processing_charge("lost failure")
		INTENTS[intent]["status"] = "requires_payment_method"
		day_after = add_days(today(), 1)
		before = len(self.peer.requests)
		with patch("gigafibre.payments.ppa.today", return_value=day_after):
			counts = ppa.charge_due_invoices()
		self.assertEqual(counts["reconciled"], 1)
		comments = frappe.get_all(
			"Comment",
			filters={"reference_doctype": "Sales Invoice", "reference_name": invoice.name},
			pluck="content",
		)
		self.assertTrue(any(intent in c and "requires_payment_method" in c for c in comments))
		# Cleared, so the same run charged it again with that day's key.
		(again,) = self.charges_for(invoice.name, before)
		self.assertIn(str(day_after).replace("-", ""), again.headers["idempotency-key"])
