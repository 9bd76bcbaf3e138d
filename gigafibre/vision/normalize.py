"""After the model: every value checked and put in the app's normal form; what fails is dropped."""

from datetime import date

from gigafibre.equipment.identifiers import normalize_gpon_serial, normalize_mac, normalize_serial
from gigafibre.errors import InvalidValue
from gigafibre.vision.schemas import BarcodeAnswer, EquipmentAnswer, SupplierInvoice

MAX_BARCODES = 3
MAX_LABELS = 5
_NORMALIZERS = {"serial": normalize_serial, "mac": normalize_mac, "gpon_serial": normalize_gpon_serial}


def _checked(normalize, value: str | None) -> str | None:
	try:
		return normalize(value)
	except InvalidValue:
		return None


def barcodes(answer: BarcodeAnswer) -> list[dict]:
	out: list[dict] = []
	seen: set[tuple[str, str]] = set()
	for code in answer.codes:
		raw = (code.value or "").strip()
		if not raw:
			continue
		kind = code.kind
		value = _checked(_NORMALIZERS[kind], raw) if kind in _NORMALIZERS else raw
		if value is None and kind == "serial":
			continue
		if value is None:
			# Read as a MAC or a GPON serial but not one: keep it as a serial if it can be one.
			value, kind = _checked(normalize_serial, raw), "serial"
			if value is None:
				continue
		if (kind, value) in seen:
			continue
		seen.add((kind, value))
		out.append({"value": value, "symbology": code.symbology.strip(), "kind": kind})
		if len(out) == MAX_BARCODES:
			break
	return out


def equipment(answer: EquipmentAnswer) -> list[dict]:
	out: list[dict] = []
	for label in answer.labels:
		item = {
			"equipment_type": label.equipment_type,
			"brand": (label.brand or "").strip() or None,
			"model": (label.model or "").strip() or None,
			"serial_number": _checked(normalize_serial, label.serial_number) if label.serial_number else None,
			"mac_address": _checked(normalize_mac, label.mac_address),
			"gpon_serial": _checked(normalize_gpon_serial, label.gpon_serial),
			"other_fields": {f.name.strip(): f.value.strip() for f in label.other_fields if f.name.strip()},
		}
		# An ONT's serial is often only its GPON serial.
		item["serial_number"] = item["serial_number"] or item["gpon_serial"]
		if not (item["serial_number"] or item["mac_address"]):
			continue  # nothing to find or register the device by
		out.append(item)
		if len(out) == MAX_LABELS:
			break
	return out


def invoice(answer: SupplierInvoice) -> dict:
	data = answer.model_dump()
	data["supplier_name"] = data["supplier_name"].strip()
	data["currency"] = (data["currency"] or "CAD").strip().upper()[:3]
	try:
		data["invoice_date"] = (
			date.fromisoformat(data["invoice_date"]).isoformat() if data["invoice_date"] else None
		)
	except ValueError:
		data["invoice_date"] = None
	taxes = sum(t["amount"] for t in data["taxes"])
	# A total that does not add up is kept but flagged, for the person reviewing the draft.
	data["totals_match"] = data["subtotal"] is None or abs(data["subtotal"] + taxes - data["total"]) < 0.02
	return data
