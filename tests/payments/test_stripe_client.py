"""The Stripe client against a loopback server speaking Stripe's REST API (form-encoded requests,
JSON objects and error bodies as documented at https://docs.stripe.com/api)."""

import time
from decimal import Decimal

import pytest

from gigafibre.payments.stripe_client import (
	PaymentError,
	StripePayments,
	from_minor_units,
	to_minor_units,
)
from gigafibre.tests.peers import LoopbackPeer, Reply

KEY = "sk_test_51Gigafibre000000000000"


def _client(peer, **kw) -> StripePayments:
	kw.setdefault("timeout", 2)
	return StripePayments(KEY, api_base=peer.url, **kw)


def _checkout_session(request):
	form = request.form()
	return Reply(
		200,
		{
			"id": "cs_test_a1b2c3",
			"object": "checkout.session",
			"amount_total": int(form["line_items[0][price_data][unit_amount]"]),
			"client_reference_id": form["client_reference_id"],
			"currency": form["line_items[0][price_data][currency]"],
			"customer": form.get("customer"),
			"livemode": False,
			"metadata": {"invoice": form["metadata[invoice]"], "customer": form["metadata[customer]"]},
			"mode": "payment",
			"payment_intent": None,
			"payment_status": "unpaid",
			"status": "open",
			"success_url": form["success_url"],
			"cancel_url": form["cancel_url"],
			"url": "https://checkout.stripe.com/c/pay/cs_test_a1b2c3#fidkdWxOYHwnPyd1blpxYHZxWjA0",
		},
	)


def test_checkout_session_posts_the_documented_form():
	with LoopbackPeer(_checkout_session) as peer:
		session = _client(peer).create_checkout_session(
			invoice="ACC-SINV-2026-00042",
			customer="Marie Tremblay",
			amount=95.5,
			currency="CAD",
			success_url="https://portal.gigafibre.ca/#/invoices?paid=1",
			cancel_url="https://portal.gigafibre.ca/#/invoices",
			description="Facture ACC-SINV-2026-00042",
			stripe_customer="cus_Q1w2e3",
			save_card=True,
		)
	assert session.id == "cs_test_a1b2c3"
	assert session.url.startswith("https://checkout.stripe.com/c/pay/cs_test_a1b2c3")
	(request,) = peer.requests
	assert (request.method, request.path) == ("POST", "/v1/checkout/sessions")
	assert request.headers["authorization"] == f"Bearer {KEY}"
	assert request.headers["content-type"].startswith("application/x-www-form-urlencoded")
	assert request.form() == {
		"mode": "payment",
		"line_items[0][quantity]": "1",
		"line_items[0][price_data][currency]": "cad",
		"line_items[0][price_data][unit_amount]": "9550",
		"line_items[0][price_data][product_data][name]": "Facture ACC-SINV-2026-00042",
		"client_reference_id": "ACC-SINV-2026-00042",
		"metadata[invoice]": "ACC-SINV-2026-00042",
		"metadata[customer]": "Marie Tremblay",
		"payment_intent_data[metadata][invoice]": "ACC-SINV-2026-00042",
		"payment_intent_data[metadata][customer]": "Marie Tremblay",
		"payment_intent_data[description]": "Facture ACC-SINV-2026-00042",
		"payment_intent_data[setup_future_usage]": "off_session",
		"success_url": "https://portal.gigafibre.ca/#/invoices?paid=1",
		"cancel_url": "https://portal.gigafibre.ca/#/invoices",
		"locale": "fr-CA",
		"customer": "cus_Q1w2e3",
	}


def test_checkout_without_card_saving_or_known_customer():
	with LoopbackPeer(_checkout_session) as peer:
		_client(peer).create_checkout_session(
			invoice="SINV-1",
			customer="C1",
			amount="12.00",
			currency="CAD",
			success_url="https://x/ok",
			cancel_url="https://x/no",
		)
	form = peer.requests[0].form()
	assert "customer" not in form and "payment_intent_data[setup_future_usage]" not in form
	assert form["line_items[0][price_data][unit_amount]"] == "1200"


def test_nothing_to_pay_is_refused_before_calling_stripe():
	with LoopbackPeer(_checkout_session) as peer, pytest.raises(PaymentError) as err:
		_client(peer).create_checkout_session("SINV-2", "C1", 0, "CAD", "https://x/ok", "https://x/no")
	assert "nothing left to pay" in str(err.value)
	assert peer.requests == []


def test_billing_portal_session():
	def portal(request):
		form = request.form()
		return Reply(
			200,
			{
				"id": "bps_1Q0",
				"object": "billing_portal.session",
				"customer": form["customer"],
				"livemode": False,
				"locale": form.get("locale"),
				"return_url": form["return_url"],
				"url": "https://billing.stripe.com/p/session/test_YWNjdF8x",
			},
		)

	with LoopbackPeer(portal) as peer:
		url = _client(peer).billing_portal_url("cus_Q1w2e3", "https://portal.gigafibre.ca/#/")
	assert url == "https://billing.stripe.com/p/session/test_YWNjdF8x"
	(request,) = peer.requests
	assert request.path == "/v1/billing_portal/sessions"
	assert request.form() == {
		"customer": "cus_Q1w2e3",
		"return_url": "https://portal.gigafibre.ca/#/",
		"locale": "fr-CA",
	}


def test_customers_create_and_retrieve():
	def customers(request):
		if request.method == "POST":
			form = request.form()
			return Reply(
				200,
				{
					"id": "cus_NffrFeUfNV2Hib",
					"object": "customer",
					"email": form.get("email"),
					"name": form["name"],
					"phone": form.get("phone"),
					"metadata": {"customer": form["metadata[customer]"]},
				},
			)
		if request.path.endswith("/cus_gone"):
			return Reply(200, {"id": "cus_gone", "object": "customer", "deleted": True})
		return Reply(200, {"id": "cus_NffrFeUfNV2Hib", "object": "customer", "name": "Marie Tremblay"})

	with LoopbackPeer(customers) as peer:
		client = _client(peer)
		created = client.create_customer(
			"CUST-0001", name="Marie Tremblay", email="marie@example.ca", phone="+15145550100"
		)
		found = client.get_customer("cus_NffrFeUfNV2Hib")
		gone = client.get_customer("cus_gone")
	assert created == "cus_NffrFeUfNV2Hib"
	assert peer.requests[0].path == "/v1/customers"
	assert peer.requests[0].form() == {
		"name": "Marie Tremblay",
		"email": "marie@example.ca",
		"phone": "+15145550100",
		"metadata[customer]": "CUST-0001",
	}
	assert (peer.requests[1].method, peer.requests[1].path) == ("GET", "/v1/customers/cus_NffrFeUfNV2Hib")
	assert found["name"] == "Marie Tremblay"
	assert gone is None


def _payment_intent(request, status="succeeded"):
	form = request.form()
	return Reply(
		200,
		{
			"id": "pi_3MtwBwLkdIwHu7ix28a3tqPa",
			"object": "payment_intent",
			"amount": int(form["amount"]),
			"amount_received": int(form["amount"]) if status == "succeeded" else 0,
			"currency": form["currency"],
			"customer": form["customer"],
			"metadata": {k[9:-1]: v for k, v in form.items() if k.startswith("metadata[")},
			"payment_method": form["payment_method"],
			"status": status,
		},
	)


def test_off_session_charge_carries_the_idempotency_key():
	with LoopbackPeer(_payment_intent) as peer:
		charge = _client(peer).charge_off_session(
			invoice="SINV-7",
			customer="C7",
			amount=Decimal("114.98"),
			currency="CAD",
			stripe_customer="cus_7",
			payment_method="pm_1Q0PsIJvEtkwdCNYMSaVuRz6",
			idempotency_key="ppa-SINV-7-20261125",
		)
	assert (charge.id, charge.status, charge.amount, charge.currency) == (
		"pi_3MtwBwLkdIwHu7ix28a3tqPa",
		"succeeded",
		11498,
		"cad",
	)
	assert charge.payment_method == "pm_1Q0PsIJvEtkwdCNYMSaVuRz6"
	(request,) = peer.requests
	assert request.path == "/v1/payment_intents"
	assert request.headers["idempotency-key"] == "ppa-SINV-7-20261125"
	assert request.form() == {
		"amount": "11498",
		"currency": "cad",
		"customer": "cus_7",
		"payment_method": "pm_1Q0PsIJvEtkwdCNYMSaVuRz6",
		"off_session": "true",
		"confirm": "true",
		"description": "SINV-7",
		"metadata[invoice]": "SINV-7",
		"metadata[customer]": "C7",
		"metadata[ppa]": "1",
	}


def test_charge_without_card_on_file_is_refused_locally():
	with LoopbackPeer(_payment_intent) as peer, pytest.raises(PaymentError) as err:
		_client(peer).charge_off_session("SINV-8", "C8", 10, "CAD", "cus_8", "", "ppa-SINV-8-20261125")
	assert "no card on file" in str(err.value)
	assert peer.requests == []


def _card_error(code, decline_code=None, message="Your card was declined."):
	error = {
		"type": "card_error",
		"code": code,
		"message": message,
		"doc_url": f"https://stripe.com/docs/error-codes/{code}",
		"request_log_url": "https://dashboard.stripe.com/test/logs/req_x",
		"payment_intent": {
			"id": "pi_declined_1",
			"object": "payment_intent",
			"status": "requires_payment_method",
		},
	}
	if decline_code:
		error["decline_code"] = decline_code
	return lambda request: Reply(402, {"error": error}, headers={"Request-Id": "req_x"})


def test_declined_card_is_a_clear_error_with_the_payment_intent():
	with (
		LoopbackPeer(_card_error("card_declined", "insufficient_funds")) as peer,
		pytest.raises(PaymentError) as err,
	):
		_client(peer).charge_off_session("SINV-9", "C9", 50, "CAD", "cus_9", "pm_9", "ppa-SINV-9-20261125")
	assert str(err.value) == "The card was declined: Your card was declined."
	assert err.value.message == "The card was declined: {0}"
	assert (err.value.code, err.value.decline_code, err.value.payment_intent) == (
		"card_declined",
		"insufficient_funds",
		"pi_declined_1",
	)
	assert err.value.retryable is False
	assert len(peer.requests) == 1  # a decline is never retried by the SDK


def test_authentication_required():
	with (
		LoopbackPeer(
			_card_error("authentication_required", message="This payment requires authentication.")
		) as peer,
		pytest.raises(PaymentError) as err,
	):
		_client(peer).charge_off_session("SINV-10", "C", 50, "CAD", "cus_9", "pm_9", "ppa-SINV-10-20261125")
	assert "confirm this payment" in str(err.value)
	assert err.value.code == "authentication_required" and not err.value.retryable


def test_rate_limit_is_retryable():
	def limited(request):
		return Reply(
			429,
			{
				"error": {
					"type": "invalid_request_error",
					"code": "rate_limit",
					"message": "Too many requests hit the API too quickly.",
				}
			},
		)

	with LoopbackPeer(limited) as peer, pytest.raises(PaymentError) as err:
		_client(peer).billing_portal_url("cus_1", "https://x/")
	assert err.value.retryable is True
	assert "too many requests" in str(err.value)


def test_server_error_retried_then_retryable():
	def broken(request):
		return Reply(500, {"error": {"type": "api_error", "message": "Something went wrong."}})

	with LoopbackPeer(broken) as peer, pytest.raises(PaymentError) as err:
		_client(peer, max_network_retries=1).billing_portal_url("cus_1", "https://x/")
	assert err.value.retryable is True
	assert len(peer.requests) == 2  # the SDK's bounded retry


def test_timeout_is_retryable_and_bounded():
	with LoopbackPeer(lambda r: Reply(200, {"id": "bps_x", "url": "u"}, delay=1.5)) as peer:
		started = time.monotonic()
		with pytest.raises(PaymentError) as err:
			_client(peer, timeout=0.3, max_network_retries=1).billing_portal_url("cus_1", "https://x/")
		elapsed = time.monotonic() - started
	assert err.value.retryable is True
	assert "could not be reached" in str(err.value)
	assert len(peer.requests) == 2
	assert elapsed < 3


def test_bad_key_and_bad_request():
	def refuse(request):
		if request.path == "/v1/customers":
			return Reply(
				401,
				{
					"error": {
						"type": "invalid_request_error",
						"message": "Invalid API Key provided: sk_test_***0000",
					}
				},
			)
		return Reply(
			400,
			{
				"error": {
					"type": "invalid_request_error",
					"code": "resource_missing",
					"param": "customer",
					"message": "No such customer: 'cus_missing'",
				}
			},
		)

	with LoopbackPeer(refuse) as peer:
		with pytest.raises(PaymentError) as bad_key:
			_client(peer).create_customer("C1")
		with pytest.raises(PaymentError) as bad_request:
			_client(peer).billing_portal_url("cus_missing", "https://x/")
	assert "secret key" in str(bad_key.value) and "sk_test" not in str(bad_key.value)
	assert not bad_key.value.retryable
	assert str(bad_request.value) == "Stripe refused the request: No such customer: 'cus_missing'"
	assert bad_request.value.code == "resource_missing"


def test_not_configured():
	with pytest.raises(PaymentError) as err:
		StripePayments("")
	assert "not configured" in str(err.value)


def test_minor_units():
	assert to_minor_units(95.5, "CAD") == 9550
	assert to_minor_units("0.1", "cad") == 10
	assert to_minor_units(Decimal("19.995"), "CAD") == 2000
	assert to_minor_units(500, "JPY") == 500
	assert from_minor_units(9550, "cad") == Decimal("95.5")
	assert from_minor_units(500, "jpy") == 500


def test_payment_intent_is_read_back():
	def intents(request):
		if request.path.endswith("/pi_missing"):
			return Reply(
				404,
				{
					"error": {
						"type": "invalid_request_error",
						"code": "resource_missing",
						"message": "No such payment_intent: 'pi_missing'",
					}
				},
			)
		return Reply(
			200,
			{
				"id": "pi_3MtwBwLkdIwHu7ix28a3tqPa",
				"object": "payment_intent",
				"amount": 11498,
				"amount_received": 0,
				"currency": "cad",
				"payment_method": {"id": "pm_card_visa", "object": "payment_method"},
				"status": "processing",
			},
		)

	with LoopbackPeer(intents) as peer:
		charge = _client(peer).payment_intent("pi_3MtwBwLkdIwHu7ix28a3tqPa")
		with pytest.raises(PaymentError, match="No such payment_intent") as err:
			_client(peer).payment_intent("pi_missing")
	assert (peer.requests[0].method, peer.requests[0].path) == (
		"GET",
		"/v1/payment_intents/pi_3MtwBwLkdIwHu7ix28a3tqPa",
	)
	assert (charge.status, charge.amount, charge.currency, charge.payment_method) == (
		"processing",
		11498,
		"cad",
		"pm_card_visa",
	)
	assert err.value.code == "resource_missing"
