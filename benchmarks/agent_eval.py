"""The customer agent against a real model: skipped unless GEMINI_API_KEY is set.

Runs the app's own agent runtime (gigafibre/ai/agent.py: its prompt, its guards, the tool specs
of gigafibre/ai/tool_specs.py) through the one Gemini client on the 20 scripted conversations of
benchmarks/agent_conversations.json (mostly French, some English), with fake tool implementations
answering canned data (the file's `tool_data`, a conversation's own `tool_data` over it). Each
customer turn is sent in order; the conversation stops at a hand-off. Prints the share handled
without a hand-off, the share of right hand-off decisions, and the share of conversations whose
tool calls were right: every expected tool called, and no tool that changes something (restart,
reschedule, ticket) unless expected or allowed; read-only lookups are always allowed. No Frappe.

	GEMINI_API_KEY=... python benchmarks/agent_eval.py [--model gemini-2.5-flash] [--limit N] [--verbose]
"""

import argparse
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from gigafibre.ai import agent, tool_specs

SET = Path(__file__).resolve().parent / "agent_conversations.json"
TOOLS = agent.registry(tool_specs.SPECS)
CUSTOMER = "BENCH-CUSTOMER"


def load(path: Path = SET) -> dict:
	return json.loads(path.read_text(encoding="utf-8"))


def fake_tools(data: dict, conversation: dict):
	canned = {**data["tool_data"], **conversation.get("tool_data", {})}

	def run_tool(tool, customer, args):
		assert customer == CUSTOMER  # the runtime always passes the conversation's own customer
		return canned[tool.name]

	return run_tool


def run_conversation(conversation: dict, model, data: dict, limits: agent.Limits | None = None) -> dict:
	"""Every customer turn through the runtime, the answers kept as the thread would keep them.
	{"tools": names called (OK or not) in order, "handed_off", "reason", "answers", "tokens"}."""
	state = agent.Conversation(
		customer=CUSTOMER,
		channel=conversation.get("channel", "SMS"),
		language=conversation.get("language", "fr"),
		customer_name=data.get("customer_name", ""),
		today=data.get("today", ""),
	)
	run_tool = fake_tools(data, conversation)
	called, answers = [], []
	result = None
	for text in conversation["turns"]:
		result = agent.run_turn(
			state, text, tools=TOOLS, model=model, run_tool=run_tool, limits=limits or agent.Limits()
		)
		called += [r.name for r in result.records]
		answers.append(result.answer.text)
		if result.answer.handed_off:
			break
		state.history += [{"role": "user", "text": text}, {"role": "model", "text": result.answer.text}]
		state.turns_used, state.tool_calls_used = result.turns_used, result.tool_calls_used
		state.language = result.language
	return {
		"tools": called,
		"handed_off": bool(result and result.answer.handed_off),
		"reason": result.reason if result else None,
		"answers": answers,
	}


CHANGING = {name for name, tool in TOOLS.items() if tool.changes}


def tools_right(conversation: dict, called: list[str]) -> bool:
	called = set(called)
	expected = set(conversation["expect_tools"])
	allowed = expected | set(conversation.get("allow_tools", ()))
	return expected <= called and not ((called & CHANGING) - allowed) and called <= set(TOOLS)


def score(conversations: list[dict], outcomes: dict[str, dict | None]) -> dict:
	"""Shares over every conversation (one without an outcome counts as handed off and wrong)."""
	total = len(conversations)
	handled = handoff_right = handoff_scored = tools_ok = 0
	wrong = []
	for conversation in conversations:
		outcome = outcomes.get(conversation["id"])
		if outcome is None:
			wrong.append((conversation["id"], "no outcome"))
			continue
		handled += not outcome["handed_off"]
		if conversation["expect_handoff"] is not None:
			handoff_scored += 1
			if outcome["handed_off"] == conversation["expect_handoff"]:
				handoff_right += 1
			else:
				wrong.append((conversation["id"], f"hand-off {outcome['handed_off']} ({outcome['reason']})"))
		if tools_right(conversation, outcome["tools"]):
			tools_ok += 1
		else:
			wrong.append(
				(conversation["id"], f"tools {outcome['tools']}, expected {conversation['expect_tools']}")
			)
	return {
		"total": total,
		"handled": handled / total if total else 0.0,
		"handoff_right": handoff_right / handoff_scored if handoff_scored else 0.0,
		"tools_right": tools_ok / total if total else 0.0,
		"wrong": wrong,
	}


def report(result: dict) -> str:
	lines = [
		f"agent on {result['total']} conversations",
		f"  handled without hand-off   {result['handled']:6.1%}",
		f"  right hand-off decisions   {result['handoff_right']:6.1%}",
		f"  right tool calls           {result['tools_right']:6.1%}",
	]
	lines += [f"    {name}: {why}" for name, why in result["wrong"]]
	return "\n".join(lines)


def main() -> int:
	parser = argparse.ArgumentParser()
	parser.add_argument("--model", default="gemini-2.5-flash")
	parser.add_argument("--limit", type=int, default=0)
	parser.add_argument("--verbose", action="store_true")
	args = parser.parse_args()
	key = os.environ.get("GEMINI_API_KEY")
	if not key:
		print("agent evaluation: skipped (GEMINI_API_KEY is not set)")
		return 0
	from gigafibre.ai.gemini import GeminiClient

	client = GeminiClient(key, model=args.model, timeout=60)
	tokens = 0

	def model(history, *, system, tools):
		nonlocal tokens
		reply = client.converse(history, system=system, tools=tools)
		tokens += reply.usage.total_tokens
		return reply

	data = load()
	conversations = data["conversations"][: args.limit or None]
	started = time.monotonic()
	outcomes = {}
	for conversation in conversations:
		outcomes[conversation["id"]] = outcome = run_conversation(conversation, model, data)
		if args.verbose:
			print(f"  {conversation['id']}: {outcome}")
	print(report(score(conversations, outcomes)))
	print(f"  model {args.model}, {tokens} tokens, {time.monotonic() - started:.1f} s")
	return 0


if __name__ == "__main__":
	sys.exit(main())
