"""Stripe events -> the facts the shell records. Plain Python: a parsed event dict in, data out.

`checkout.session.completed` and `payment_intent.succeeded` of one payment name the same
PaymentIntent: it is the payment's reference, so the two events record one Payment Entry.
A dispute (`charge.dispute.*`) names the PaymentIntent too: that is how its invoice is found.
"""

from dataclasses import dataclass
from datetime import date, datetime, timezone
from decimal import Decimal

from gigafibre.payments.stripe_client import from_minor_units

PAID_EVENTS = (
	"checkout.session.completed",
	"checkout.session.async_payment_succeeded",
	"payment_intent.succeeded",
)
FAILED_EVENTS = ("payment_intent.payment_failed",)
DISPUTE_EVENTS = ("charge.dispute.created", "charge.dispute.closed")
# A dispute closed in our favour, or an inquiry that never became one: the invoice stands again.
# Lost, the payment is taken back: the invoice stays marked for staff to settle by hand.
DISPUTE_CLEARED = ("won", "warning_closed")


@dataclass(frozen=True)
class Payment:
	reference: str  # the PaymentIntent id (pi_...)
	invoice: str
	customer: str | None  # ERPNext customer named in the metadata
	amount: Decimal
	currency: str  # upper case, like ERPNext
	paid_on: date
	stripe_customer: str | None = None
	payment_method: str | None = None  # set when the card was saved for later (off_session)
	ppa: bool = False


@dataclass(frozen=True)
class Failure:
	reference: str
	invoice: str
	customer: str | None
	code: str | None
	message: str
	ppa: bool


@dataclass(frozen=True)
class Dispute:
	dispute: str  # dp_...
	payment_intent: str | None
	charge: str | None
	status: str  # Stripe's: needs_response, under_review, won, lost, warning_closed...
	disputed: bool  # what the invoice's gigafibre_disputed becomes


def _id(value) -> str | None:
	if isinstance(value, dict):
		return value.get("id")
	return value or None


def _day(timestamp) -> date:
	return datetime.fromtimestamp(int(timestamp or 0), tz=timezone.utc).date()


def payment_from_event(event: dict) -> Payment | None:
	"""The payment an event reports, or None (not paid yet, or not one of our invoices)."""
	kind = event.get("type")
	obj = (event.get("data") or {}).get("object") or {}
	metadata = obj.get("metadata") or {}
	if kind in ("checkout.session.completed", "checkout.session.async_payment_succeeded"):
		if obj.get("mode") not in (None, "payment") or obj.get("payment_status") != "paid":
			return None
		invoice = obj.get("client_reference_id") or metadata.get("invoice")
		reference = _id(obj.get("payment_intent")) or obj.get("id")
		amount = obj.get("amount_total")
		payment_method = None
	elif kind == "payment_intent.succeeded":
		invoice = metadata.get("invoice")
		reference = obj.get("id")
		amount = obj.get("amount_received") or obj.get("amount")
		payment_method = _id(obj.get("payment_method")) if obj.get("setup_future_usage") else None
	else:
		return None
	currency = obj.get("currency") or ""
	if not (invoice and reference and amount and currency):
		return None
	return Payment(
		reference=reference,
		invoice=invoice,
		customer=metadata.get("customer") or None,
		amount=from_minor_units(amount, currency),
		currency=currency.upper(),
		paid_on=_day(event.get("created") or obj.get("created")),
		stripe_customer=_id(obj.get("customer")),
		payment_method=payment_method,
		ppa=metadata.get("ppa") == "1",
	)


def failure_from_event(event: dict) -> Failure | None:
	"""`payment_intent.payment_failed` of one of our invoices, or None."""
	if event.get("type") not in FAILED_EVENTS:
		return None
	obj = (event.get("data") or {}).get("object") or {}
	metadata = obj.get("metadata") or {}
	if not metadata.get("invoice"):
		return None
	error = obj.get("last_payment_error") or {}
	return Failure(
		reference=obj.get("id") or "",
		invoice=metadata["invoice"],
		customer=metadata.get("customer") or None,
		code=error.get("decline_code") or error.get("code"),
		message=error.get("message") or "",
		ppa=metadata.get("ppa") == "1",
	)


def ppa_idempotency_key(invoice: str, day: date) -> str:
	"""One pre-authorized attempt per invoice and day: tomorrow's key is new, so it charges again."""
	return f"ppa-{invoice}-{day:%Y%m%d}"


def dispute_from_event(event: dict) -> Dispute | None:
	"""`charge.dispute.created` (the invoice becomes disputed) or `charge.dispute.closed` (won or
	warning_closed: no longer disputed; lost: still disputed), else None."""
	kind = event.get("type")
	if kind not in DISPUTE_EVENTS:
		return None
	obj = (event.get("data") or {}).get("object") or {}
	status = obj.get("status") or ""
	intent, charge = _id(obj.get("payment_intent")), _id(obj.get("charge"))
	if not (obj.get("id") and (intent or charge)):
		return None
	return Dispute(
		dispute=obj["id"],
		payment_intent=intent,
		charge=charge,
		status=status,
		disputed=kind == "charge.dispute.created" or status not in DISPUTE_CLEARED,
	)
