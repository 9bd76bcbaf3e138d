"""Gemini vision: the shared Gemini client (`gigafibre.ai.gemini`) asked about one photo, with a
technician's words for every failure.

One call per photo, bounded by `timeout` and one retry on 429/5xx; every failure becomes a
ServiceError whose message a technician can act on.
"""

from typing import Any

from google.genai import types

from gigafibre.ai.gemini import GeminiClient, Messages, NotConfigured, QuotaExceeded
from gigafibre.errors import ServiceError
from gigafibre.i18n import _
from gigafibre.vision import normalize
from gigafibre.vision.images import PreparedImage
from gigafibre.vision.schemas import PROMPTS, SCHEMAS

__all__ = ["NotConfigured", "QuotaExceeded", "VisionClient"]

PHOTO_MESSAGES = Messages(
	not_configured=_("Photo reading is not set up: no Gemini API key in Gigafibre Settings."),
	refused=_("Photo reading was refused: check the Gemini API key."),
	failed=_("Photo reading failed: {0}"),
	unavailable=_("Photo reading is unavailable right now; try again."),
	timeout=_("Photo reading took too long; try again."),
	unreachable=_("Photo reading could not be reached; try again."),
	quota=_("Photo reading is over its quota for now; try again in a minute."),
	blocked=_("The photo was refused by the model's safety filter; take another photo."),
	empty=_("Nothing could be read on this photo; take it closer and in focus."),
	unparseable=_("The answer about this photo could not be understood; try again."),
)


class VisionClient(GeminiClient):
	def __init__(
		self,
		api_key: str | None,
		model: str | None = None,
		base_url: str | None = None,
		timeout: float = 30.0,
	):
		super().__init__(api_key, model=model, base_url=base_url, timeout=timeout, messages=PHOTO_MESSAGES)

	def barcodes(self, image: PreparedImage) -> list[dict]:
		codes = normalize.barcodes(self._ask("barcodes", image))
		if not codes:
			raise ServiceError(_("No barcode could be read on this photo; try reading the label instead."))
		return codes

	def equipment(self, image: PreparedImage) -> list[dict]:
		labels = normalize.equipment(self._ask("equipment", image))
		if not labels:
			raise ServiceError(_("No serial number or MAC address could be read on this photo."))
		return labels

	def invoice(self, image: PreparedImage) -> dict:
		return normalize.invoice(self._ask("invoice", image))

	def _ask(self, task: str, image: PreparedImage) -> Any:
		photo = types.Part.from_bytes(data=image.data, mime_type=image.mime_type)
		return self.structured([photo, PROMPTS[task]], SCHEMAS[task]).value
