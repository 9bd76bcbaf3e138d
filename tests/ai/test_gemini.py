"""The shared Gemini client against a loopback server speaking Gemini's REST API (v1beta
generateContent), driven through the real google-genai SDK: structured answers, function-calling
turns, usage, and failures in the caller's words."""

import json

import pytest
from pydantic import BaseModel

from gigafibre.ai.caps import Spend, over_cap
from gigafibre.ai.gemini import (
	ASSISTANT_MESSAGES,
	GeminiClient,
	NotConfigured,
	QuotaExceeded,
	history_contents,
)
from gigafibre.errors import ServiceError
from gigafibre.tests.peers import LoopbackPeer, Reply
from gigafibre.tests.peers import gemini_reply as model_reply


class Verdict(BaseModel):
	category: str
	urgent: bool


TOOLS = [
	{
		"name": "balance",
		"description": "The customer's balance",
		"parameters": {"type": "object", "properties": {}},
	},
	{
		"name": "rebook",
		"description": "Move the appointment",
		"parameters": {
			"type": "object",
			"properties": {"slot": {"type": "string", "description": "ISO start"}},
			"required": ["slot"],
		},
	},
]


def client(peer, **kw):
	return GeminiClient("k", base_url=peer.url, timeout=5, **kw)


def test_structured_answer_is_validated_and_carries_its_usage():
	with LoopbackPeer(
		lambda r: model_reply([{"text": json.dumps({"category": "billing", "urgent": False})}])
	) as peer:
		reply = client(peer).structured(
			["Classify: ma facture est fausse"], Verdict, system="You triage tickets."
		)
	assert reply.value == Verdict(category="billing", urgent=False)
	assert (reply.usage.prompt_tokens, reply.usage.output_tokens, reply.usage.total_tokens) == (120, 30, 150)
	assert reply.usage.latency_ms >= 0 and reply.model == "gemini-2.5-flash"
	body = peer.requests[0].json()
	assert body["systemInstruction"]["parts"][0]["text"] == "You triage tickets."
	assert set(body["generationConfig"]["responseSchema"]["properties"]) == {"category", "urgent"}


def test_a_turn_sends_history_and_tools_and_returns_the_calls_unrun():
	with LoopbackPeer(
		lambda r: model_reply(
			[{"functionCall": {"name": "rebook", "args": {"slot": "2026-12-03T08:00"}, "id": "c1"}}]
		)
	) as peer:
		history = [
			{"role": "user", "text": "Je veux changer mon rendez-vous"},
			{"role": "model", "text": "", "calls": [{"name": "balance", "args": {}, "id": "c0"}]},
			{"role": "tool", "name": "balance", "response": {"balance": 0}, "id": "c0"},
		]
		reply = client(peer).converse(history, system="Agent", tools=TOOLS)
	assert [(c.name, c.args) for c in reply.calls] == [("rebook", {"slot": "2026-12-03T08:00"})]
	assert reply.text == ""
	body = peer.requests[0].json()
	assert [c["role"] for c in body["contents"]] == ["user", "model", "user"]
	assert body["contents"][1]["parts"][0]["functionCall"]["name"] == "balance"
	assert body["contents"][2]["parts"][0]["functionResponse"] == {
		"name": "balance",
		"response": {"balance": 0},
		"id": "c0",
	}
	declared = body["tools"][0]["functionDeclarations"]
	assert [d["name"] for d in declared] == ["balance", "rebook"]
	# The SDK sends the schema's key in snake case, which the REST API accepts as it does camel case.
	schema = declared[1].get("parametersJsonSchema") or declared[1]["parameters_json_schema"]
	assert schema["required"] == ["slot"]


def test_a_text_turn():
	with LoopbackPeer(lambda r: model_reply([{"text": "Votre solde est de 0 $."}])) as peer:
		reply = client(peer).converse([{"role": "user", "text": "Mon solde?"}], system="Agent", tools=[])
	assert reply.text == "Votre solde est de 0 $." and reply.calls == ()
	assert "tools" not in peer.requests[0].json()


def test_consecutive_tool_results_share_one_turn():
	contents = history_contents(
		[
			{"role": "user", "text": "x"},
			{"role": "model", "calls": [{"name": "a", "args": {}}, {"name": "b", "args": {}}]},
			{"role": "tool", "name": "a", "response": {"ok": 1}},
			{"role": "tool", "name": "b", "response": {"ok": 2}},
		]
	)
	assert [c.role for c in contents] == ["user", "model", "user"]
	assert [p.function_response.name for p in contents[2].parts] == ["a", "b"]
	with pytest.raises(ValueError):
		history_contents([{"role": "system", "text": "x"}])


@pytest.mark.parametrize(
	"reply,message,retryable",
	[
		(
			Reply(429, {"error": {"code": 429, "message": "exhausted", "status": "RESOURCE_EXHAUSTED"}}),
			ASSISTANT_MESSAGES.quota,
			True,
		),
		(
			Reply(503, {"error": {"code": 503, "message": "overloaded", "status": "UNAVAILABLE"}}),
			ASSISTANT_MESSAGES.unavailable,
			True,
		),
		(
			Reply(403, {"error": {"code": 403, "message": "denied", "status": "PERMISSION_DENIED"}}),
			ASSISTANT_MESSAGES.refused,
			False,
		),
		(model_reply([{"text": "x"}], finish="SAFETY"), ASSISTANT_MESSAGES.blocked, False),
		(model_reply([{"text": "  "}]), ASSISTANT_MESSAGES.empty, False),
	],
)
def test_failures_in_the_callers_words(reply, message, retryable):
	with LoopbackPeer(lambda r: reply) as peer, pytest.raises(ServiceError) as caught:
		client(peer).converse([{"role": "user", "text": "x"}], system="s", tools=TOOLS)
	assert caught.value.message == message and caught.value.retryable is retryable
	if reply.status == 429:
		assert isinstance(caught.value, QuotaExceeded)


def test_unparseable_structured_answer():
	with (
		LoopbackPeer(lambda r: model_reply([{"text": '{"category": 3}'}])) as peer,
		pytest.raises(ServiceError) as caught,
	):
		client(peer).structured(["x"], Verdict)
	assert caught.value.message == ASSISTANT_MESSAGES.unparseable


def test_timeout_and_no_key():
	with LoopbackPeer(lambda r: Reply(200, {}, delay=3)) as peer, pytest.raises(ServiceError) as caught:
		GeminiClient("k", base_url=peer.url, timeout=0.5).converse(
			[{"role": "user", "text": "x"}], system="s", tools=[]
		)
	assert caught.value.retryable
	with pytest.raises(NotConfigured):
		GeminiClient("")


def test_caps():
	assert over_cap(Spend(5, 100), 10, 1000) is None
	assert over_cap(Spend(10, 100), 10, 1000)[1] == 10
	assert over_cap(Spend(0, 1000), 10, 1000)[1] == 1000
	assert over_cap(Spend(10**6, 10**9), 0, None) is None
