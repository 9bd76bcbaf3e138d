"""The one Gemini client: structured answers and function-calling turns, through google-genai.

A plain class configured by its arguments (key, model, base URL, timeout), used by vision (photos),
triage and summaries (structured output) and the agent (function calling). Each call is bounded by
`timeout` and one retry on 429/5xx; every failure becomes a ServiceError in the words of the
caller's `Messages` (a technician reads "Photo reading…", staff read "The assistant…"). Each
answer carries its usage (tokens, latency) so the shell can log and cap it.
"""

import time
from dataclasses import dataclass, field
from typing import Any

import httpx
from google import genai
from google.genai import errors as genai_errors
from google.genai import types
from pydantic import BaseModel, ValidationError

from gigafibre.errors import ServiceError
from gigafibre.i18n import _

DEFAULT_MODEL = "gemini-2.5-flash"

BLOCKED_FINISH = (
	types.FinishReason.SAFETY,
	types.FinishReason.PROHIBITED_CONTENT,
	types.FinishReason.BLOCKLIST,
	types.FinishReason.SPII,
	types.FinishReason.IMAGE_SAFETY,
)


class NotConfigured(ServiceError):
	pass


class QuotaExceeded(ServiceError):
	pass


@dataclass(frozen=True)
class Messages:
	"""What a person reads when a call fails, in the words of the feature that made it (English,
	marked for translation where each feature defines them)."""

	not_configured: str
	refused: str
	failed: str  # takes {0}: the API's message
	unavailable: str
	timeout: str
	unreachable: str
	quota: str
	blocked: str
	empty: str
	unparseable: str


ASSISTANT_MESSAGES = Messages(
	not_configured=_("The assistant is not set up: no Gemini API key in Gigafibre Settings."),
	refused=_("The assistant was refused by Gemini: check the Gemini API key."),
	failed=_("The assistant failed: {0}"),
	unavailable=_("The assistant is unavailable right now; try again."),
	timeout=_("The assistant took too long to answer; try again."),
	unreachable=_("The assistant could not reach Gemini; try again."),
	quota=_("The assistant is over its Gemini quota for now; try again in a minute."),
	blocked=_("The assistant's answer was refused by the model's safety filter."),
	empty=_("The assistant gave no answer."),
	unparseable=_("The assistant's answer could not be understood."),
)


@dataclass(frozen=True)
class Usage:
	prompt_tokens: int = 0
	output_tokens: int = 0
	total_tokens: int = 0
	latency_ms: int = 0


@dataclass(frozen=True)
class ToolCall:
	name: str
	args: dict
	id: str | None = None


@dataclass(frozen=True)
class ModelReply:
	"""One model answer: `value` (a validated schema instance) for structured calls; `text` and
	`calls` for conversation turns."""

	model: str
	usage: Usage
	value: Any = None
	text: str = ""
	calls: tuple[ToolCall, ...] = field(default_factory=tuple)


def _usage(response, started: float) -> Usage:
	meta = response.usage_metadata
	prompt = (meta and meta.prompt_token_count) or 0
	output = (meta and meta.candidates_token_count) or 0
	return Usage(
		prompt_tokens=prompt,
		output_tokens=output,
		total_tokens=(meta and meta.total_token_count) or prompt + output,
		latency_ms=int((time.monotonic() - started) * 1000),
	)


def history_contents(history: list[dict]) -> list[types.Content]:
	"""A conversation as Gemini contents. Entries (plain data, as the agent runtime keeps them):
	{"role": "user", "text"}, {"role": "model", "text", "calls": [{"name", "args", "id"}]},
	{"role": "tool", "name", "response": dict, "id"}; consecutive tool results go in one turn."""
	contents: list[types.Content] = []
	for entry in history:
		role = entry["role"]
		if role == "user":
			contents.append(types.Content(role="user", parts=[types.Part.from_text(text=entry["text"])]))
		elif role == "model":
			parts = [types.Part.from_text(text=entry["text"])] if entry.get("text") else []
			parts += [
				types.Part(
					function_call=types.FunctionCall(name=c["name"], args=c.get("args") or {}, id=c.get("id"))
				)
				for c in entry.get("calls") or ()
			]
			contents.append(types.Content(role="model", parts=parts))
		elif role == "tool":
			part = types.Part(
				function_response=types.FunctionResponse(
					name=entry["name"], response=entry["response"], id=entry.get("id")
				)
			)
			if contents and contents[-1].role == "user" and contents[-1].parts[0].function_response:
				contents[-1].parts.append(part)
			else:
				contents.append(types.Content(role="user", parts=[part]))
		else:
			raise ValueError(f"unknown history role {role!r}")
	return contents


class GeminiClient:
	def __init__(
		self,
		api_key: str | None,
		model: str | None = None,
		base_url: str | None = None,
		timeout: float = 30.0,
		messages: Messages = ASSISTANT_MESSAGES,
	):
		self.messages = messages
		if not api_key:
			raise NotConfigured(messages.not_configured)
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
			raise self._api_error(err) from err
		except (httpx.HTTPError, TimeoutError) as err:
			raise ServiceError(self.messages.unreachable, retryable=True) from err

	def structured(
		self,
		parts: list,
		schema: type[BaseModel],
		*,
		system: str | None = None,
		temperature: float = 0,
	) -> ModelReply:
		"""One answer filled into `schema` (sent as Gemini's response schema, validated on return).
		`parts`: text strings and `types.Part`s (images)."""
		started = time.monotonic()
		response = self._generate(
			parts,
			types.GenerateContentConfig(
				system_instruction=system,
				response_mime_type="application/json",
				response_schema=schema,
				temperature=temperature,
			),
		)
		text = self._text(response, require=True)
		try:
			value = schema.model_validate_json(text)
		except ValidationError as err:
			raise ServiceError(self.messages.unparseable) from err
		return ModelReply(model=self.model, usage=_usage(response, started), value=value)

	def converse(
		self,
		history: list[dict],
		*,
		system: str,
		tools: list[dict],
		temperature: float = 0.2,
	) -> ModelReply:
		"""One turn of a conversation with function calling: the model's text and the tools it
		asks for (never run here: the SDK's automatic calling is off, the caller decides).
		`tools`: [{"name", "description", "parameters": JSON schema}]."""
		started = time.monotonic()
		declarations = [
			types.FunctionDeclaration(
				name=tool["name"],
				description=tool["description"],
				parameters_json_schema=tool.get("parameters") or {"type": "object", "properties": {}},
			)
			for tool in tools
		]
		config = types.GenerateContentConfig(
			system_instruction=system,
			temperature=temperature,
			tools=[types.Tool(function_declarations=declarations)] if declarations else None,
			automatic_function_calling=types.AutomaticFunctionCallingConfig(disable=True),
		)
		response = self._generate(history_contents(history), config)
		calls = tuple(
			ToolCall(name=call.name or "", args=dict(call.args or {}), id=call.id)
			for call in (response.function_calls or ())
		)
		text = self._text(response, require=not calls)
		return ModelReply(model=self.model, usage=_usage(response, started), text=text.strip(), calls=calls)

	def _generate(self, contents, config: types.GenerateContentConfig):
		try:
			return self._client.models.generate_content(model=self.model, contents=contents, config=config)
		except genai_errors.APIError as err:
			raise self._api_error(err) from err
		except (httpx.TimeoutException, TimeoutError) as err:
			raise ServiceError(self.messages.timeout, retryable=True) from err
		except httpx.HTTPError as err:
			raise ServiceError(self.messages.unreachable, retryable=True) from err

	def _api_error(self, err: genai_errors.APIError) -> ServiceError:
		if err.code == 429:
			return QuotaExceeded(self.messages.quota, retryable=True)
		if err.code in (401, 403) or (err.code == 400 and "API key" in str(err.message)):
			return ServiceError(self.messages.refused)
		if err.code and err.code >= 500:
			return ServiceError(self.messages.unavailable, retryable=True)
		return ServiceError(self.messages.failed, err.message or err.code)

	def _text(self, response, *, require: bool) -> str:
		feedback = response.prompt_feedback
		if feedback is not None and feedback.block_reason:
			raise ServiceError(self.messages.blocked)
		candidate = (response.candidates or [None])[0]
		if candidate is not None and candidate.finish_reason in BLOCKED_FINISH:
			raise ServiceError(self.messages.blocked)
		parts = (candidate and candidate.content and candidate.content.parts) or []
		text = "".join(part.text for part in parts if part.text and not part.thought)
		if require and not text.strip():
			raise ServiceError(self.messages.empty)
		return text
