"""Gemini on the Frappe side: the client from settings, and `ask`, the one door every support
model call goes through — it enforces the caps and writes the AI Call Log row (model, latency,
tokens, outcome) that the caps then read. Agent tool calls are logged with `log_tool`."""

import json
import time
from collections.abc import Callable
from datetime import timedelta

import frappe
from frappe.utils import get_datetime, getdate, now_datetime

from gigafibre.ai.caps import Spend, over_cap
from gigafibre.ai.gemini import GeminiClient, ModelReply
from gigafibre.errors import ServiceError

LOG = "AI Call Log"


class AiUnavailable(ServiceError):
	"""No model answer now (over a cap, Gemini down or not set up). Triage retries later; the
	agent hands off to a person."""


def gemini(client_class: type[GeminiClient] = GeminiClient) -> GeminiClient:
	"""The Gemini client of Gigafibre Settings (vision passes its own subclass)."""
	settings = frappe.get_single("Gigafibre Settings")
	return client_class(
		api_key=settings.get_password("gemini_api_key", raise_exception=False),
		model=settings.gemini_model or None,
		base_url=settings.gemini_api_base or None,
		timeout=settings.gemini_timeout_seconds or 30,
	)


def spend(now=None) -> Spend:
	now = get_datetime(now or now_datetime())
	# Calls made: a call refused by the cap is logged ("Over Cap") but cost nothing, and counting it
	# would keep the window full while triage retries.
	calls = frappe.db.count(
		LOG, {"kind": "Model", "outcome": ("!=", "Over Cap"), "creation": (">", now - timedelta(hours=1))}
	)
	tokens = frappe.db.sql(
		"select coalesce(sum(total_tokens), 0) from `tabAI Call Log` where kind = 'Model' and creation >= %s",
		getdate(now),
	)[0][0]
	return Spend(calls_last_hour=int(calls), tokens_today=int(tokens))


def check_caps() -> None:
	"""AiUnavailable (retryable) when a cap of Gigafibre Settings is reached."""
	settings = frappe.get_single("Gigafibre Settings")
	reason = over_cap(spend(), settings.ai_calls_per_hour, settings.ai_tokens_per_day)
	if reason:
		raise AiUnavailable(reason[0], reason[1], retryable=True)


def ask(
	purpose: str,
	call: Callable[[GeminiClient], ModelReply],
	*,
	reference_doctype: str | None = None,
	reference_name: str | None = None,
	customer: str | None = None,
	channel: str | None = None,
	arguments: dict | None = None,
) -> ModelReply:
	"""`call(client)` within the caps, logged. Every failure is an AiUnavailable (retryable when
	trying later may help), logged with its outcome; the caller decides what a person sees."""
	row = {
		"purpose": purpose,
		"kind": "Model",
		"reference_doctype": reference_doctype,
		"reference_name": reference_name,
		"customer": customer,
		"channel": channel,
		"arguments": _json(arguments),
	}
	started = time.monotonic()
	try:
		check_caps()
		client = gemini()
		reply = call(client)
	except ServiceError as err:
		outcome = "Over Cap" if isinstance(err, AiUnavailable) else "Error"
		_log(
			row,
			outcome=outcome,
			error=frappe._(err.message).format(*err.args_),
			latency_ms=int((time.monotonic() - started) * 1000) if outcome == "Error" else 0,
		)
		if isinstance(err, AiUnavailable):
			raise
		raise AiUnavailable(err.message, *err.args_, retryable=err.retryable) from err
	usage = reply.usage
	_log(
		row,
		outcome="OK",
		model=reply.model,
		latency_ms=usage.latency_ms,
		prompt_tokens=usage.prompt_tokens,
		output_tokens=usage.output_tokens,
		total_tokens=usage.total_tokens,
		result=_json(_reply_record(reply)),
	)
	return reply


def _reply_record(reply: ModelReply) -> dict:
	if reply.value is not None:
		return reply.value.model_dump()
	return {"text": reply.text, "calls": [{"name": c.name, "args": c.args} for c in reply.calls]}


def log_tool(
	tool: str,
	arguments: dict | None,
	result,
	outcome: str,
	*,
	latency_ms: int = 0,
	reference_doctype: str | None = None,
	reference_name: str | None = None,
	customer: str | None = None,
	channel: str | None = None,
	error: str | None = None,
) -> str:
	return _log(
		{
			"purpose": "Agent",
			"kind": "Tool",
			"tool": tool,
			"reference_doctype": reference_doctype,
			"reference_name": reference_name,
			"customer": customer,
			"channel": channel,
			"arguments": _json(arguments),
		},
		outcome=outcome,
		result=_json(result),
		latency_ms=latency_ms,
		error=error,
	)


def _log(row: dict, **values) -> str:
	doc = frappe.get_doc({"doctype": LOG, **row, **values})
	doc.insert(ignore_permissions=True)
	return doc.name


def _json(value) -> str | None:
	if value is None:
		return None
	return json.dumps(value, ensure_ascii=False, default=str, indent=1)[:100_000]
