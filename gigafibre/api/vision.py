"""Photo reading for the technician page and the desk: barcodes, equipment labels, supplier invoices.

Callers: staff with a field-service role (session), or a technician holding a tech-page link
token (header `X-Gigafibre-Token: <token>`, or a `token` form field). The photo comes as a multipart file `image`, or as a
base64 string (a data URL is fine) in `image`.
"""

import base64
import binascii

import frappe
from frappe import _
from frappe.rate_limiter import rate_limit

from gigafibre.auth.service import request_token
from gigafibre.errors import InvalidValue, ServiceError
from gigafibre.tech.links import technician_for_token
from gigafibre.vision import images
from gigafibre.vision.client import NotConfigured, QuotaExceeded
from gigafibre.vision.service import draft_purchase_invoice, vision_client, with_matches

FIELD_ROLES = frozenset({"System Manager", "Gigafibre Manager", "Dispatcher", "Technician"})
INVOICE_ROLES = frozenset({"System Manager", "Gigafibre Manager", "Accounts User", "Accounts Manager"})


class PhotoRefused(frappe.ValidationError):
	http_status_code = 400


class PhotoTooLarge(frappe.ValidationError):
	http_status_code = 413


class NothingRead(frappe.ValidationError):
	http_status_code = 422


class VisionUnavailable(frappe.ValidationError):
	http_status_code = 503


class VisionQuota(frappe.ValidationError):
	http_status_code = 429


@frappe.whitelist(allow_guest=True, methods=["POST"])
@rate_limit(limit=60, seconds=60)
def barcodes() -> dict:
	"""At most 3 codes read on the photo: {value, symbology, kind: serial|mac|gpon_serial|other}."""
	_allow(FIELD_ROLES, tokens=True)
	return {"codes": _read("barcodes")}


@frappe.whitelist(allow_guest=True, methods=["POST"])
@rate_limit(limit=60, seconds=60)
def equipment() -> dict:
	"""At most 5 labels, each matched against Service Equipment (serial first, then MAC)."""
	_allow(FIELD_ROLES, tokens=True)
	return {"labels": with_matches(_read("equipment"))}


@frappe.whitelist(methods=["POST"])
@rate_limit(limit=30, seconds=60)
def invoice() -> dict:
	"""A supplier invoice read from a photo, for review before it becomes a Purchase Invoice."""
	_allow(INVOICE_ROLES, tokens=False)
	return {"invoice": _read("invoice")}


@frappe.whitelist(methods=["POST"])
def create_purchase_invoice(invoice: dict) -> dict:
	"""A draft Purchase Invoice from a reviewed `invoice` (as returned by `invoice`; a JSON object
	sent as text is decoded before this runs, see gigafibre/endpoints)."""
	_allow(INVOICE_ROLES, tokens=False)
	frappe.has_permission("Purchase Invoice", "create", throw=True)
	if not (invoice.get("supplier_name") or invoice.get("supplier_tax_id")):
		frappe.throw(_("Give the invoice as read, with its supplier."))
	return {"purchase_invoice": draft_purchase_invoice(invoice)}


def _allow(roles: frozenset[str], tokens: bool) -> None:
	"""Staff by role, or (where `tokens`) a technician's link; checked before anything is read."""
	token = request_token() if tokens else None
	if token:
		technician_for_token(token)
		return
	if frappe.session.user == "Guest":
		frappe.throw(_("Sign in, or open the link you received by SMS."), exc=frappe.AuthenticationError)
	if not roles & set(frappe.get_roles()):
		frappe.throw(_("You are not allowed to read photos."), exc=frappe.PermissionError)


def _read(task: str):
	try:
		image = images.prepare(_uploaded_bytes())
	except InvalidValue as err:
		exc = PhotoTooLarge if isinstance(err, images.TooLarge) else PhotoRefused
		frappe.throw(_(err.message).format(*err.args_), exc=exc)
	try:
		client = vision_client()
		return getattr(client, task)(image)
	except ServiceError as err:
		message = _(err.message).format(*err.args_)
		if "quota" in err.message:
			frappe.throw(message, exc=VisionQuota)
		frappe.throw(
			message, exc=VisionUnavailable if err.retryable or "not set up" in err.message else NothingRead
		)


def _uploaded_bytes() -> bytes:
	upload = frappe.request.files.get("image") if frappe.request and frappe.request.files else None
	if upload is not None:
		# Read one byte past the limit: enough to refuse an oversize photo without holding it all.
		return upload.stream.read(images.MAX_UPLOAD_BYTES + 1)
	encoded = frappe.form_dict.get("image")
	if not encoded:
		return b""
	if isinstance(encoded, str) and encoded.startswith("data:"):
		encoded = encoded.partition(",")[2]
	if len(encoded) > images.MAX_UPLOAD_BYTES * 4 // 3 + 4:
		frappe.throw(
			_("The photo is too large ({0} MB, {1} MB at most).").format(
				round(len(encoded) * 3 / 4 / 1048576, 1), images.MAX_UPLOAD_BYTES // 1048576
			),
			exc=PhotoTooLarge,
		)
	try:
		return base64.b64decode(encoded, validate=True)
	except (binascii.Error, ValueError):
		frappe.throw(_("The photo is not valid base64."), exc=PhotoRefused)
