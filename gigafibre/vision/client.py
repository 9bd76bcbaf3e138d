"""Gemini vision through the official `google-genai` SDK, with structured output.

A plain class configured by its arguments. One call per photo, bounded by `timeout` and one
retry on 429/5xx; every failure becomes a ServiceError whose message a technician can act on.
"""

from typing import Any

import httpx
from google import genai
from google.genai import errors as genai_errors
from google.genai import types
from pydantic import BaseModel, ValidationError

from gigafibre.errors import ServiceError
from gigafibre.i18n import _
from gigafibre.vision import normalize
from gigafibre.vision.images import PreparedImage
from gigafibre.vision.schemas import PROMPTS, SCHEMAS

DEFAULT_MODEL = "gemini-2.5-flash"


class NotConfigured(ServiceError):
	pass


class QuotaExceeded(ServiceError):
	pass


class VisionClient:
	def __init__(
		self,
		api_key: str | None,
		model: str | None = None,
		base_url: str | None = None,
		timeout: float = 30.0,
	):
		if not api_key:
			raise NotConfigured(_("Photo reading is not set up: no Gemini API key in Gigafibre Settings."))
		self.model = model or DEFAULT_MODEL
		http_options = types.HttpOptions(
			timeout=int(timeout * 1000),
			retry_options=types.HttpRetryOptions(
				attempts=2,
				initial_delay=0.5,
				max_delay=2,
				jitter=0.2,
				http_status_codes=[429, 500, 502, 503, 504],
			),
		)
		if base_url:
			http_options.base_url = base_url.rstrip("/") + "/"
		self._client = genai.Client(api_key=api_key, http_options=http_options)

	def check(self) -> None:
		"""One cheap authenticated call (the model's description): ServiceError when the key is
		refused, the model unknown or Gemini cannot be reached."""
		try:
			self._client.models.get(model=self.model)
		except genai_errors.APIError as err:
			if err.code in (401, 403) or (err.code == 400 and "API key" in str(err.message)):
				raise ServiceError(_("Photo reading was refused: check the Gemini API key.")) from err
			raise ServiceError(_("Photo reading failed: {0}"), err.message or err.code) from err
		except (httpx.HTTPError, TimeoutError) as err:
			raise ServiceError(_("Photo reading could not be reached; try again."), retryable=True) from err

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
		schema: type[BaseModel] = SCHEMAS[task]
		try:
			response = self._client.models.generate_content(
				model=self.model,
				contents=[types.Part.from_bytes(data=image.data, mime_type=image.mime_type), PROMPTS[task]],
				config=types.GenerateContentConfig(
					response_mime_type="application/json", response_schema=schema, temperature=0
				),
			)
		except genai_errors.APIError as err:
			if err.code == 429:
				raise QuotaExceeded(
					_("Photo reading is over its quota for now; try again in a minute."), retryable=True
				) from err
			if err.code in (401, 403) or (err.code == 400 and "API key" in str(err.message)):
				raise ServiceError(_("Photo reading was refused: check the Gemini API key.")) from err
			if err.code and err.code >= 500:
				raise ServiceError(
					_("Photo reading is unavailable right now; try again."), retryable=True
				) from err
			raise ServiceError(_("Photo reading failed: {0}"), err.message or err.code) from err
		except (httpx.TimeoutException, TimeoutError) as err:
			raise ServiceError(_("Photo reading took too long; try again."), retryable=True) from err
		except httpx.HTTPError as err:
			raise ServiceError(_("Photo reading could not be reached; try again."), retryable=True) from err

		feedback = response.prompt_feedback
		if feedback is not None and feedback.block_reason:
			raise ServiceError(_("The photo was refused by the model's safety filter; take another photo."))
		candidate = (response.candidates or [None])[0]
		if candidate is not None and candidate.finish_reason in (
			types.FinishReason.SAFETY,
			types.FinishReason.PROHIBITED_CONTENT,
			types.FinishReason.BLOCKLIST,
			types.FinishReason.SPII,
			types.FinishReason.IMAGE_SAFETY,
		):
			raise ServiceError(_("The photo was refused by the model's safety filter; take another photo."))
		text = response.text
		if not text or not text.strip():
			raise ServiceError(_("Nothing could be read on this photo; take it closer and in focus."))
		try:
			return schema.model_validate_json(text)
		except ValidationError as err:
			raise ServiceError(_("The answer about this photo could not be understood; try again.")) from err
