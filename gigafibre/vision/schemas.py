"""What the model is asked to answer: typed models sent as Gemini's response schema.

The model fills these; `vision/normalize.py` then checks every value before anyone sees it.
"""

from typing import Literal

from pydantic import BaseModel, Field

CodeKind = Literal["serial", "mac", "gpon_serial", "other"]


class Barcode(BaseModel):
	value: str = Field(description="The decoded text of the barcode or QR code, exactly as encoded")
	symbology: str = Field(description="Code 128, Code 39, QR, Data Matrix, EAN-13…")
	kind: CodeKind = Field(
		description="serial: a device serial number; mac: a MAC address; gpon_serial: 4 letters + 8 hex; other"
	)


class BarcodeAnswer(BaseModel):
	codes: list[Barcode] = Field(
		description="At most 3 codes, the most useful for identifying the device first"
	)


class LabelField(BaseModel):
	name: str
	value: str


class EquipmentLabel(BaseModel):
	equipment_type: Literal["ONT", "Router", "Mesh Node", "Set-Top Box", "Phone Adapter", "Other"]
	brand: str | None = None
	model: str | None = None
	serial_number: str | None = None
	mac_address: str | None = None
	gpon_serial: str | None = None
	other_fields: list[LabelField] = Field(
		default_factory=list, description="Other printed fields (SSID, IMEI…)"
	)


class EquipmentAnswer(BaseModel):
	labels: list[EquipmentLabel] = Field(description="One entry per device label in the photo, at most 5")


class TaxLine(BaseModel):
	name: str = Field(description="GST/TPS, QST/TVQ, HST/TVH…")
	rate: float | None = Field(default=None, description="Percent, e.g. 5 or 9.975")
	amount: float


class InvoiceLine(BaseModel):
	description: str
	quantity: float | None = None
	unit_price: float | None = None
	amount: float


class SupplierInvoice(BaseModel):
	supplier_name: str
	supplier_tax_id: str | None = Field(default=None, description="GST/QST registration number if printed")
	invoice_number: str | None = None
	invoice_date: str | None = Field(default=None, description="ISO date YYYY-MM-DD")
	currency: str = Field(default="CAD", description="ISO 4217 code")
	subtotal: float | None = None
	taxes: list[TaxLine] = Field(default_factory=list)
	total: float
	lines: list[InvoiceLine] = Field(default_factory=list)


PROMPTS = {
	"barcodes": (
		"Read the barcodes and QR codes on this photo of network equipment (ONT, router, set-top box). "
		"Return at most 3, the ones that identify the device first (serial number, MAC address, GPON serial). "
		"Copy each value exactly; do not guess characters you cannot read."
	),
	"equipment": (
		"Read the printed labels of the network equipment in this photo. For each device (at most 5), give its "
		"type, brand, model, serial number, MAC address and GPON serial as printed; leave out what is not printed."
	),
	"invoice": (
		"Read this supplier invoice from a Canadian (Québec) supplier. Give the supplier, its GST/QST numbers, "
		"invoice number, date (ISO), currency, subtotal, each tax line (GST/TPS, QST/TVQ) with rate and amount, "
		"the total and the line items. Amounts are numbers without currency signs."
	),
}
SCHEMAS = {"barcodes": BarcodeAnswer, "equipment": EquipmentAnswer, "invoice": SupplierInvoice}
