"""Vision against a loopback server speaking Gemini's REST API (v1beta generateContent), driven
through the real google-genai SDK."""

import base64
import io
import json

import pytest
from PIL import Image

from gigafibre.errors import InvalidValue, ServiceError
from gigafibre.tests.peers import LoopbackPeer, Reply, gemini_json
from gigafibre.vision.client import VisionClient
from gigafibre.vision.images import prepare, sniff


def _jpeg(width=64, height=48, **save) -> bytes:
	out = io.BytesIO()
	Image.new("RGB", (width, height), (200, 30, 30)).save(out, "JPEG", **save)
	return out.getvalue()


def gemini_answer(payload, finish="STOP"):
	return gemini_json(payload, usage=(300, 40), finish=finish)


def client(peer, **kw):
	return VisionClient("test-key", base_url=peer.url, timeout=kw.pop("timeout", 5), **kw)


def test_request_carries_the_image_and_the_response_schema():
	with LoopbackPeer(
		lambda r: gemini_answer(
			{"codes": [{"value": "zteg1a2b3c4d", "symbology": "Code 128", "kind": "gpon_serial"}]}
		)
	) as peer:
		codes = client(peer).barcodes(prepare(_jpeg()))
	assert codes == [{"value": "ZTEG1A2B3C4D", "symbology": "Code 128", "kind": "gpon_serial"}]
	(request,) = peer.requests
	assert request.path == "/v1beta/models/gemini-2.5-flash:generateContent"
	assert request.headers["x-goog-api-key"] == "test-key"
	body = request.json()
	parts = body["contents"][0]["parts"]
	inline = next(p["inlineData"] for p in parts if "inlineData" in p)
	assert inline["mimeType"] == "image/jpeg" and base64.urlsafe_b64decode(inline["data"]) == _jpeg()
	config = body["generationConfig"]
	assert config["responseMimeType"] == "application/json"
	schema = config["responseSchema"]
	assert "codes" in schema["properties"]
	assert set(schema["properties"]["codes"]["items"]["properties"]) == {"value", "symbology", "kind"}


def test_barcodes_normalized_invalid_dropped_capped_at_three():
	codes = [
		{"value": "aa-bb-cc-dd-ee-ff", "symbology": "Code 128", "kind": "mac"},
		{"value": "AA:BB:CC:DD:EE:FF", "symbology": "QR", "kind": "mac"},  # same MAC twice
		{"value": "zz:zz", "symbology": "Code 128", "kind": "mac"},
		{"value": "$$$", "symbology": "Code 39", "kind": "serial"},
		{"value": " sn 12345 ", "symbology": "Code 128", "kind": "serial"},
		{"value": "https://example.com/x", "symbology": "QR", "kind": "other"},
		{"value": "ZTEG00000001", "symbology": "Code 128", "kind": "gpon_serial"},
	]
	with LoopbackPeer(lambda r: gemini_answer({"codes": codes})) as peer:
		out = client(peer).barcodes(prepare(_jpeg()))
	assert out == [
		{"value": "AA:BB:CC:DD:EE:FF", "symbology": "Code 128", "kind": "mac"},
		{"value": "SN12345", "symbology": "Code 128", "kind": "serial"},
		{"value": "https://example.com/x", "symbology": "QR", "kind": "other"},
	]


def test_equipment_labels_normalized_and_capped():
	label = {
		"equipment_type": "ONT",
		"brand": "ZTE",
		"model": "F601",
		"gpon_serial": "zteg1a2b3c4d",
		"mac_address": "001122334455",
		"other_fields": [{"name": "SSID", "value": "Gigafibre-1234"}],
	}
	unreadable = {
		"equipment_type": "Router",
		"brand": "TP-Link",
		"serial_number": "$$",
		"mac_address": "nope",
	}
	with LoopbackPeer(lambda r: gemini_answer({"labels": [label] * 6 + [unreadable]})) as peer:
		out = client(peer).equipment(prepare(_jpeg()))
	assert len(out) == 5
	assert out[0] == {
		"equipment_type": "ONT",
		"brand": "ZTE",
		"model": "F601",
		"serial_number": "ZTEG1A2B3C4D",
		"mac_address": "00:11:22:33:44:55",
		"gpon_serial": "ZTEG1A2B3C4D",
		"other_fields": {"SSID": "Gigafibre-1234"},
	}


def test_invoice_with_quebec_taxes():
	invoice = {
		"supplier_name": " Fibres Laurentides inc. ",
		"supplier_tax_id": "123456789RT0001",
		"invoice_number": "F-2026-118",
		"invoice_date": "2026-11-20",
		"currency": "cad",
		"subtotal": 100.0,
		"taxes": [{"name": "TPS", "rate": 5, "amount": 5.0}, {"name": "TVQ", "rate": 9.975, "amount": 9.98}],
		"total": 114.98,
		"lines": [
			{"description": "Câble 12 fibres (m)", "quantity": 100, "unit_price": 1.0, "amount": 100.0}
		],
	}
	with LoopbackPeer(lambda r: gemini_answer(invoice)) as peer:
		out = client(peer).invoice(prepare(_jpeg()))
	assert out["supplier_name"] == "Fibres Laurentides inc." and out["currency"] == "CAD"
	assert out["totals_match"] is True and out["invoice_date"] == "2026-11-20"


@pytest.mark.parametrize(
	"reply,message",
	[
		(
			Reply(
				429,
				{
					"error": {
						"code": 429,
						"message": "Resource has been exhausted",
						"status": "RESOURCE_EXHAUSTED",
					}
				},
			),
			"quota",
		),
		(
			Reply(
				403, {"error": {"code": 403, "message": "Permission denied", "status": "PERMISSION_DENIED"}}
			),
			"API key",
		),
		(
			Reply(
				400,
				{
					"error": {
						"code": 400,
						"message": "API key not valid. Please pass a valid API key.",
						"status": "INVALID_ARGUMENT",
					}
				},
			),
			"API key",
		),
		(
			Reply(503, {"error": {"code": 503, "message": "overloaded", "status": "UNAVAILABLE"}}),
			"unavailable",
		),
		(Reply(200, {"promptFeedback": {"blockReason": "SAFETY"}}), "safety"),
		(gemini_answer({"codes": []}, finish="SAFETY"), "safety"),
		(gemini_answer("this is not json"), "could not be understood"),
		(gemini_answer({"codes": []}), "No barcode"),
		(gemini_answer({"codes": [{"value": "$$", "symbology": "QR", "kind": "serial"}]}), "No barcode"),
	],
)
def test_every_failure_is_a_clear_error(reply, message):
	with LoopbackPeer(lambda r: reply) as peer, pytest.raises(ServiceError, match=message):
		client(peer).barcodes(prepare(_jpeg()))


def test_quota_is_retried_once_then_reported():
	with LoopbackPeer(
		lambda r: Reply(429, {"error": {"code": 429, "message": "exhausted", "status": "RESOURCE_EXHAUSTED"}})
	) as peer:
		with pytest.raises(ServiceError) as err:
			client(peer).barcodes(prepare(_jpeg()))
	assert err.value.retryable and len(peer.requests) == 2


def test_timeout_is_bounded():
	with (
		LoopbackPeer(lambda r: Reply(200, {}, delay=3)) as peer,
		pytest.raises(ServiceError, match="too long"),
	):
		client(peer, timeout=0.5).barcodes(prepare(_jpeg()))


def test_no_key_configured():
	with pytest.raises(ServiceError, match="no Gemini API key"):
		VisionClient("")


# ---------------------------------------------------------------- images


def test_type_sniffed_from_bytes_not_names():
	assert sniff(_jpeg()) == "image/jpeg"
	png = io.BytesIO()
	Image.new("RGB", (4, 4)).save(png, "PNG")
	assert sniff(png.getvalue()) == "image/png"
	webp = io.BytesIO()
	Image.new("RGB", (4, 4)).save(webp, "WEBP")
	assert sniff(webp.getvalue()) == "image/webp"
	assert sniff(b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00") == "image/heic"
	assert sniff(b"%PDF-1.7") is None


def test_large_photo_downscaled_small_one_sent_as_is():
	big = prepare(_jpeg(4032, 3024, quality=90))
	assert big.downscaled and max(big.width, big.height) <= 2048 and big.mime_type == "image/jpeg"
	small = _jpeg()
	assert prepare(small).data == small


def test_portrait_photo_turned_upright():
	out = io.BytesIO()
	exif = Image.Exif()
	exif[0x0112] = 6  # rotate 90° clockwise to view
	Image.new("RGB", (300, 200)).save(out, "JPEG", exif=exif)
	prepared = prepare(out.getvalue())
	assert (prepared.width, prepared.height) == (200, 300)


@pytest.mark.parametrize(
	"data,message",
	[
		(b"", "No photo"),
		(b"%PDF-1.7 not an image", "not a photo"),
		(b"\xff\xd8\xff" + b"\x00" * 100, "could not be read"),
	],
)
def test_bad_uploads_refused(data, message):
	with pytest.raises(InvalidValue, match=message):
		prepare(data)


def test_oversize_refused_before_decoding():
	with pytest.raises(InvalidValue, match="too large"):
		prepare(b"\xff\xd8\xff" + b"\x00" * 2048, max_bytes=1024)
