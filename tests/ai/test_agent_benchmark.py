"""The agent evaluation's conversations and scorer (benchmarks/agent_eval.py), on scripted fake
models: one that does what each conversation expects, one that is never there."""

import importlib.util
from pathlib import Path

from gigafibre.ai import agent
from gigafibre.ai.gemini import ModelReply, ToolCall, Usage
from gigafibre.errors import ServiceError

ROOT = Path(__file__).resolve().parents[2]
spec = importlib.util.spec_from_file_location("agent_eval", ROOT / "benchmarks" / "agent_eval.py")
agent_eval = importlib.util.module_from_spec(spec)
spec.loader.exec_module(agent_eval)


def test_the_set_has_twenty_conversations_of_the_right_shape():
	data = agent_eval.load()
	conversations = data["conversations"]
	assert len(conversations) == 20
	assert len({c["id"] for c in conversations}) == 20
	languages = [c["language"] for c in conversations]
	assert set(languages) == {"fr", "en"} and languages.count("fr") > languages.count("en")
	assert set(data["tool_data"]) == set(agent_eval.TOOLS)
	for c in conversations:
		assert c["turns"] and all(isinstance(t, str) and t.strip() for t in c["turns"])
		assert c["channel"] in agent.CHANNELS
		assert set(c["expect_tools"]) | set(c["allow_tools"]) <= set(agent_eval.TOOLS)
		assert c["expect_handoff"] in (True, False, None)
		assert set(c.get("tool_data", {})) <= set(agent_eval.TOOLS)
	assert sum(c["expect_handoff"] is True for c in conversations) >= 3
	assert any("injection" in c["id"] for c in conversations)


def scripted_model(conversation):
	"""Calls the conversation's expected tools (a hand-off when one is expected), then replies."""
	pending = list(conversation["expect_tools"])

	def model(history, *, system, tools):
		if conversation["expect_handoff"]:
			return ModelReply("fake", Usage(), calls=(ToolCall("hand_off", {"summary": "x"}),))
		if pending:
			return ModelReply("fake", Usage(), calls=(ToolCall(pending.pop(0), {}),))
		args = {"text": "ok", "confidence": 0.9, "customer_angry": False}
		return ModelReply("fake", Usage(), calls=(ToolCall("reply", args),))

	return model


def test_a_model_doing_what_is_expected_scores_full_marks():
	data = agent_eval.load()
	# Canned tool data ignores arguments: required ones are filled so the schema check passes.
	fill = {
		"appointment_slots": {"appointment": "J"},
		"reschedule_appointment": {"appointment": "J", "start": "s"},
	}
	outcomes = {}
	for conversation in data["conversations"]:
		model = scripted_model(conversation)

		def with_args(history, *, system, tools, model=model):
			reply = model(history, system=system, tools=tools)
			calls = tuple(ToolCall(c.name, {**fill.get(c.name, {}), **c.args}) for c in reply.calls)
			return ModelReply("fake", Usage(), calls=calls)

		outcomes[conversation["id"]] = agent_eval.run_conversation(conversation, with_args, data)
	result = agent_eval.score(data["conversations"], outcomes)
	assert result["tools_right"] == 1.0 and result["handoff_right"] == 1.0, result["wrong"]
	expected_handled = sum(not c["expect_handoff"] for c in data["conversations"])
	assert result["handled"] == expected_handled / 20
	assert "right tool calls" in agent_eval.report(result)


def test_a_model_never_there_hands_everything_off():
	data = agent_eval.load()

	def down(history, *, system, tools):
		raise ServiceError("down", retryable=True)

	outcomes = {c["id"]: agent_eval.run_conversation(c, down, data) for c in data["conversations"]}
	result = agent_eval.score(data["conversations"], outcomes)
	assert result["handled"] == 0.0
	assert all(o["reason"] in (agent.HANDOFF_UNAVAILABLE, agent.HANDOFF_REQUESTED) for o in outcomes.values())
	assert result["tools_right"] < 0.5


def test_changing_tools_need_to_be_expected_or_allowed():
	conversation = {"expect_tools": ["outage_status"], "allow_tools": []}
	assert agent_eval.tools_right(conversation, ["outage_status", "device_status"])
	assert not agent_eval.tools_right(conversation, ["outage_status", "restart_device"])
	assert not agent_eval.tools_right(conversation, ["device_status"])
	assert agent_eval.score([{"id": "x", "expect_handoff": False, **conversation}], {})["tools_right"] == 0


def test_skips_cleanly_without_a_key(monkeypatch, capsys):
	monkeypatch.delenv("GEMINI_API_KEY", raising=False)
	monkeypatch.setattr("sys.argv", ["agent_eval.py"])
	assert agent_eval.main() == 0
	assert "skipped" in capsys.readouterr().out
