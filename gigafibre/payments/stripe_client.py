"""Stripe through the official SDK: Checkout, the billing portal, customers and off-session charges.

A plain class configured by its arguments (the shell reads Gigafibre Settings and builds it).
The SDK retries network failures and 409/5xx answers itself (`max_network_retries`, with backoff);
every call is bounded by `timeout`. Stripe's errors become `PaymentError` (a `ServiceError`) with
a message a person can act on and `retryable` set for rate limits and outages.
"""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

import stripe

from gigafibre.errors import ServiceError
from gigafibre.i18n import _

# Currencies Stripe counts in whole units (https://docs.stripe.com/currencies#zero-decimal).
ZERO_DECIMAL = frozenset("bif clp djf gnf jpy kmf krw mga pyg rwf ugx vnd vuv xaf xof xpf".split())


# Codes of the errors that say Stripe is not set up (staff's business, never the customer's).
NOT_CONFIGURED = "gigafibre_not_configured"
KEY_REFUSED = "gigafibre_key_refused"
SETUP_CODES = frozenset({NOT_CONFIGURED, KEY_REFUSED})


class PaymentError(ServiceError):
	"""Stripe refused or failed. `code`/`decline_code` are Stripe's, `payment_intent` the id it names."""

	def __init__(
		self,
		message: str,
		*args: object,
		retryable: bool = False,
		code: str | None = None,
		decline_code: str | None = None,
		payment_intent: str | None = None,
	):
		super().__init__(message, *args, retryable=retryable)
		self.code = code
		self.decline_code = decline_code
		self.payment_intent = payment_intent


@dataclass(frozen=True)
class CheckoutSession:
	id: str
	url: str


@dataclass(frozen=True)
class Charge:
	"""An off-session PaymentIntent as Stripe answered it."""

	id: str
	status: str  # succeeded, processing, requires_action, requires_payment_method...
	amount: int  # smallest currency unit
	currency: str
	payment_method: str | None = None


def to_minor_units(amount, currency: str) -> int:
	"""95.5 CAD -> 9550 (Stripe counts cents); rounded half up, never through a float."""
	value = Decimal(str(amount))
	if currency.lower() not in ZERO_DECIMAL:
		value *= 100
	return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def from_minor_units(amount: int, currency: str) -> Decimal:
	value = Decimal(int(amount))
	return value if currency.lower() in ZERO_DECIMAL else value / 100


class StripePayments:
	def __init__(
		self,
		secret_key: str | None,
		api_base: str | None = None,
		timeout: float = 20.0,
		max_network_retries: int = 2,
		locale: str = "fr-CA",
	):
		if not secret_key:
			raise PaymentError(
				_("Stripe is not configured: set the secret key in Gigafibre Settings."), code=NOT_CONFIGURED
			)
		self.locale = locale
		client = stripe.StripeClient(
			secret_key,
			base_addresses={"api": api_base.rstrip("/")} if api_base else None,
			max_network_retries=max_network_retries,
			http_client=stripe.RequestsClient(timeout=timeout),
		)
		# stripe >= 12 groups the v1 services under `.v1`; older releases have them on the client.
		self._api = getattr(client, "v1", client)

	# ------------------------------------------------------------ checkout and portal
	def create_checkout_session(
		self,
		invoice: str,
		customer: str,
		amount,
		currency: str,
		success_url: str,
		cancel_url: str,
		description: str | None = None,
		stripe_customer: str | None = None,
		save_card: bool = False,
	) -> CheckoutSession:
		"""A hosted payment page for `amount` of one invoice (mode payment, one line item)."""
		cents = to_minor_units(amount, currency)
		if cents <= 0:
			raise PaymentError(_("Invoice {0} has nothing left to pay."), invoice)
		metadata = {"invoice": invoice, "customer": customer}
		intent: dict = {"metadata": metadata, "description": description or invoice}
		if save_card:
			intent["setup_future_usage"] = "off_session"
		params: dict = {
			"mode": "payment",
			"line_items": [
				{
					"quantity": 1,
					"price_data": {
						"currency": currency.lower(),
						"unit_amount": cents,
						"product_data": {"name": description or invoice},
					},
				}
			],
			"client_reference_id": invoice,
			"metadata": metadata,
			"payment_intent_data": intent,
			"success_url": success_url,
			"cancel_url": cancel_url,
			"locale": self.locale,
		}
		if stripe_customer:
			params["customer"] = stripe_customer
		session = self._call(self._api.checkout.sessions.create, params)
		return CheckoutSession(id=session["id"], url=session["url"])

	def billing_portal_url(self, stripe_customer: str, return_url: str) -> str:
		"""Stripe's customer portal (cards, receipts) for one customer."""
		session = self._call(
			self._api.billing_portal.sessions.create,
			{"customer": stripe_customer, "return_url": return_url, "locale": self.locale},
		)
		return session["url"]

	# ------------------------------------------------------------ customers
	def create_customer(
		self,
		customer: str,
		name: str | None = None,
		email: str | None = None,
		phone: str | None = None,
	) -> str:
		"""A Stripe customer for an ERPNext customer; returns its id (cus_...)."""
		params: dict = {"name": name or customer, "metadata": {"customer": customer}}
		if email:
			params["email"] = email
		if phone:
			params["phone"] = phone
		return self._call(self._api.customers.create, params)["id"]

	def get_customer(self, stripe_customer: str) -> dict | None:
		"""The Stripe customer as a dict, or None when it was deleted on Stripe's side."""
		data = self._call(self._api.customers.retrieve, stripe_customer)
		return None if data.get("deleted") else data

	# ------------------------------------------------------------ off-session charges
	def charge_off_session(
		self,
		invoice: str,
		customer: str,
		amount,
		currency: str,
		stripe_customer: str,
		payment_method: str,
		idempotency_key: str,
		description: str | None = None,
	) -> Charge:
		"""Charge a saved card without the customer present (pre-authorized payment).

		Stripe answers a replay of the same `idempotency_key` with the first result, so a job
		run twice the same day cannot charge twice."""
		if not (stripe_customer and payment_method):
			raise PaymentError(_("Customer {0} has no card on file for pre-authorized payments."), customer)
		cents = to_minor_units(amount, currency)
		if cents <= 0:
			raise PaymentError(_("Invoice {0} has nothing left to pay."), invoice)
		intent = self._call(
			self._api.payment_intents.create,
			{
				"amount": cents,
				"currency": currency.lower(),
				"customer": stripe_customer,
				"payment_method": payment_method,
				"off_session": True,
				"confirm": True,
				"description": description or invoice,
				"metadata": {"invoice": invoice, "customer": customer, "ppa": "1"},
			},
			{"idempotency_key": idempotency_key},
		)
		return Charge(
			id=intent["id"],
			status=intent["status"],
			amount=int(intent["amount"]),
			currency=intent["currency"],
			payment_method=_id_of(intent.get("payment_method")),
		)

	def payment_intent(self, intent_id: str) -> Charge:
		"""Where a PaymentIntent stands now (a charge whose webhook never came)."""
		intent = self._call(self._api.payment_intents.retrieve, intent_id)
		return Charge(
			id=intent["id"],
			status=intent["status"],
			amount=int(intent.get("amount_received") or intent["amount"]),
			currency=intent["currency"],
			payment_method=_id_of(intent.get("payment_method")),
		)

	# ------------------------------------------------------------ health
	def check(self) -> None:
		"""One cheap authenticated call (the account's balance): PaymentError when the key is refused
		or Stripe cannot be reached."""
		self._call(self._api.balance.retrieve, {})

	# ------------------------------------------------------------ errors
	def _call(self, method, params, options=None):
		try:
			found = method(params, options) if options else method(params)
		except stripe.CardError as err:
			raise _card_error(err) from err
		except stripe.RateLimitError as err:
			raise PaymentError(
				_("Stripe is receiving too many requests; try again in a moment."), retryable=True
			) from err
		except stripe.AuthenticationError as err:
			raise PaymentError(
				_("Stripe refused the secret key: check the Stripe settings in Gigafibre Settings."),
				code=KEY_REFUSED,
			) from err
		except stripe.APIConnectionError as err:
			raise PaymentError(_("Stripe could not be reached; try again later."), retryable=True) from err
		except stripe.IdempotencyError as err:
			raise PaymentError(_("Stripe refused a repeated request: {0}"), _message(err)) from err
		except stripe.InvalidRequestError as err:
			raise PaymentError(
				_("Stripe refused the request: {0}"), _message(err), code=err.code or None
			) from err
		except stripe.StripeError as err:
			status = err.http_status or 0
			raise PaymentError(
				_("Stripe answered with an error: {0}"),
				_message(err),
				retryable=status == 429 or status >= 500 or not status,
			) from err
		# Plain dicts from here on: StripeObject stopped being a dict in stripe 13.
		return found.to_dict() if hasattr(found, "to_dict") else dict(found)


def _message(err: "stripe.StripeError") -> str:
	return err.user_message or getattr(err, "_message", None) or err.__class__.__name__


def _id_of(value) -> str | None:
	if value is None or isinstance(value, str):
		return value
	return value["id"]


def _card_error(err: "stripe.CardError") -> PaymentError:
	body = (err.json_body or {}).get("error") or {}
	intent = _id_of(body.get("payment_intent"))
	code = err.code or body.get("code")
	decline_code = body.get("decline_code")
	extra = {"code": code, "decline_code": decline_code, "payment_intent": intent}
	if code == "authentication_required" or decline_code == "authentication_required":
		return PaymentError(
			_("The customer's bank asks them to confirm this payment; they must pay it from the portal."),
			**extra,
		)
	if code == "card_declined":
		return PaymentError(_("The card was declined: {0}"), _message(err), **extra)
	if code == "expired_card":
		return PaymentError(_("The card on file has expired."), **extra)
	return PaymentError(_("Stripe refused the card: {0}"), _message(err), **extra)
