"""The vision endpoints as a request reaches them: whitelisting, callers, uploads, errors."""

import base64
import io
import json
from datetime import datetime, timedelta, timezone

import frappe
import jwt
from frappe.tests.utils import FrappeTestCase
from PIL import Image

from gigafibre.api import vision as api
from gigafibre.auth.service import link_secret
from gigafibre.tech.links import issue_link
from gigafibre.tests.peers import LoopbackPeer, Reply
from gigafibre.tests.utils import call_endpoint, company, make_technician


def jpeg() -> bytes:
	out = io.BytesIO()
	Image.new("RGB", (80, 60), (20, 120, 220)).save(out, "JPEG")
	return out.getvalue()


def gemini(request):
	prompt = json.dumps(request.json())
	if "supplier invoice" in prompt:
		payload = {
			"supplier_name": "Fibres Laurentides inc.",
			"supplier_tax_id": "_TEST-TPS-123",
			"invoice_number": "F-118",
			"invoice_date": "2026-11-20",
			"currency": "CAD",
			"subtotal": 100,
			"taxes": [
				{"name": "TPS", "rate": 5, "amount": 5},
				{"name": "TVQ", "rate": 9.975, "amount": 9.98},
			],
			"total": 114.98,
			"lines": [
				{"description": "Câble 12 fibres (m)", "quantity": 100, "unit_price": 1, "amount": 100}
			],
		}
	elif "printed labels" in prompt:
		payload = {
			"labels": [
				{
					"equipment_type": "Router",
					"brand": "TP-Link",
					"serial_number": "VISION-SN-1",
					"mac_address": "00:00:00:00:00:01",
				},
				{
					"equipment_type": "Router",
					"brand": "TP-Link",
					"serial_number": "UNKNOWN-SN",
					"mac_address": "0a0000000002",
				},
				{"equipment_type": "ONT", "brand": "ZTE", "gpon_serial": "ZTEG0000BEEF"},
			]
		}
	else:
		payload = {"codes": [{"value": "zteg1a2b3c4d", "symbology": "Code 128", "kind": "gpon_serial"}]}
	return Reply(
		200,
		{
			"candidates": [
				{
					"content": {"parts": [{"text": json.dumps(payload)}], "role": "model"},
					"finishReason": "STOP",
				}
			]
		},
	)


class TestVisionEndpoints(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.gemini = LoopbackPeer(gemini).__enter__()
		settings = frappe.get_single("Gigafibre Settings")
		settings.gemini_api_key = "test-key"
		settings.gemini_api_base = cls.gemini.url
		settings.save()
		cls.technician = make_technician(full_name="Tech Vision")

	@classmethod
	def tearDownClass(cls):
		cls.gemini.__exit__(None, None, None)
		frappe.set_user("Administrator")
		super().tearDownClass()

	def tearDown(self):
		frappe.set_user("Administrator")
		frappe.local.request = None

	def call(
		self,
		method: str,
		user: str = "Guest",
		token: str | None = None,
		image: bytes | None = None,
		data=None,
	):
		fields = dict(data or {})
		if image is not None:
			fields["image"] = image
		return call_endpoint(method, user=user, token=token, **fields)

	def token(self, technician=None, now=None):
		"""A recorded link; `now` in the past makes an expired one (same link id, older signature)."""
		technician = technician or self.technician.name
		token, _url, name = issue_link(technician)
		if now is None:
			return token
		claims = {
			"iss": "gigafibre",
			"sub": technician,
			"scope": "tech",
			"jti": frappe.db.get_value("Technician Link", name, "token_id"),
			"iat": int(now.timestamp()),
			"exp": int((now + timedelta(hours=24)).timestamp()),
		}
		return jwt.encode(claims, link_secret(), algorithm="HS256")

	def test_staff_allowed(self):
		result = self.call("gigafibre.api.vision.barcodes", user="Administrator", image=jpeg())
		self.assertEqual(
			result["codes"], [{"value": "ZTEG1A2B3C4D", "symbology": "Code 128", "kind": "gpon_serial"}]
		)

	def test_technician_token_allowed_as_guest(self):
		result = self.call("gigafibre.api.vision.barcodes", token=self.token(), image=jpeg())
		self.assertEqual(result["codes"][0]["kind"], "gpon_serial")

	def test_base64_photo_accepted(self):
		data_url = "data:image/jpeg;base64," + base64.b64encode(jpeg()).decode()
		result = self.call("gigafibre.api.vision.barcodes", token=self.token(), data={"image": data_url})
		self.assertEqual(len(result["codes"]), 1)

	def test_expired_tampered_and_missing_tokens_refused(self):
		expired = self.token(now=datetime.now(timezone.utc) - timedelta(hours=25))
		with self.assertRaisesRegex(frappe.AuthenticationError, "expired"):
			self.call("gigafibre.api.vision.barcodes", token=expired, image=jpeg())
		tampered = self.token()[:-3] + "abc"
		with self.assertRaises(frappe.AuthenticationError):
			self.call("gigafibre.api.vision.barcodes", token=tampered, image=jpeg())
		with self.assertRaises(frappe.AuthenticationError):
			self.call("gigafibre.api.vision.barcodes", image=jpeg())
		frappe.set_user("Administrator")
		inactive = make_technician(full_name="Tech Inactive")
		inactive_token = self.token(inactive.name)
		frappe.db.set_value("Technician", inactive.name, "active", 0)
		with self.assertRaises(frappe.AuthenticationError):
			self.call("gigafibre.api.vision.barcodes", token=inactive_token, image=jpeg())
		self.assertEqual(len([r for r in self.gemini.requests if "Inactive" in str(r.body)]), 0)

	def test_user_without_a_field_role_refused(self):
		email = "_test_vision_norole@gigafibre.ca"
		if not frappe.db.exists("User", email):
			frappe.get_doc(
				{"doctype": "User", "email": email, "first_name": "No Role", "send_welcome_email": 0}
			).insert()
		with self.assertRaises(frappe.PermissionError):
			self.call("gigafibre.api.vision.barcodes", user=email, image=jpeg())

	def test_oversize_and_non_image_refused_before_the_model(self):
		asked = len(self.gemini.requests)
		with self.assertRaises(api.PhotoTooLarge) as too_large:
			self.call(
				"gigafibre.api.vision.barcodes",
				token=self.token(),
				image=b"\xff\xd8\xff" + b"\0" * (15 * 1024 * 1024 + 10),
			)
		self.assertEqual(too_large.exception.http_status_code, 413)
		with self.assertRaisesRegex(api.PhotoRefused, "not a photo"):
			self.call("gigafibre.api.vision.barcodes", token=self.token(), image=b"%PDF-1.7 a contract")
		with self.assertRaises(api.PhotoRefused):
			self.call("gigafibre.api.vision.barcodes", token=self.token())
		self.assertEqual(len(self.gemini.requests), asked)

	def test_equipment_matched_serial_first_then_mac(self):
		by_serial = frappe.get_doc(
			{"doctype": "Service Equipment", "serial_number": "VISION-SN-1", "equipment_type": "Router"}
		).insert()
		by_mac = frappe.get_doc(
			{
				"doctype": "Service Equipment",
				"serial_number": "OTHER-SN",
				"mac_address": "0A:00:00:00:00:02",
				"equipment_type": "Router",
			}
		).insert()
		labels = self.call("gigafibre.api.vision.equipment", token=self.token(), image=jpeg())["labels"]
		self.assertEqual([label["match"]["status"] for label in labels], ["existing", "existing", "new"])
		self.assertEqual(labels[0]["match"]["name"], by_serial.name)
		self.assertEqual(labels[1]["match"]["name"], by_mac.name)
		self.assertEqual(labels[2]["serial_number"], "ZTEG0000BEEF")

	def test_invoice_for_staff_only_and_draft_purchase_invoice(self):
		with self.assertRaises(frappe.PermissionError):
			self.call("gigafibre.api.vision.invoice", token=self.token(), image=jpeg())
		read = self.call("gigafibre.api.vision.invoice", user="Administrator", image=jpeg())["invoice"]
		self.assertTrue(read["totals_match"])
		if not frappe.db.exists("Supplier", {"tax_id": "_TEST-TPS-123"}):
			frappe.get_doc(
				{
					"doctype": "Supplier",
					"supplier_name": "_Test Fibres Laurentides",
					"tax_id": "_TEST-TPS-123",
					"supplier_group": frappe.db.get_value("Supplier Group", {"is_group": 0})
					or "All Supplier Groups",
				}
			).insert()
		# The test site's company may keep its books in another currency than the supplier's CAD;
		# ERPNext then needs a supplier account in CAD, which is not what this test is about.
		read["currency"] = frappe.get_cached_value("Company", company(), "default_currency")
		result = self.call(
			"gigafibre.api.vision.create_purchase_invoice",
			user="Administrator",
			data={"invoice": json.dumps(read)},
		)
		pi = frappe.get_doc("Purchase Invoice", result["purchase_invoice"])
		self.assertEqual((pi.docstatus, pi.bill_no, pi.items[0].qty, pi.items[0].rate), (0, "F-118", 100, 1))

	def test_zz_no_key_configured_is_a_clear_503(self):
		# Named to run last: the key it removes comes back only with the class's rollback.
		frappe.db.set_single_value("Gigafibre Settings", "gemini_api_key", "")
		from frappe.utils.password import remove_encrypted_password

		remove_encrypted_password("Gigafibre Settings", "Gigafibre Settings", "gemini_api_key")
		with self.assertRaisesRegex(api.VisionUnavailable, "Gemini API key") as err:
			self.call("gigafibre.api.vision.barcodes", user="Administrator", image=jpeg())
		self.assertEqual(err.exception.http_status_code, 503)
