"""Triage accuracy against a real model: skipped unless GEMINI_API_KEY is set.

Runs the app's own triage core (gigafibre/ai/triage.py: the prompt, the schema built from the
default categories, the network cross-check) through the one Gemini client on the 120 labelled
tickets of benchmarks/triage_set.json, and prints the accuracy of each field (category, urgency,
language, sentiment, outage) and the category confusions. A ticket whose `context.outage_open` is
true is triaged as if an Outage were open at the customer's location, as the shell does. No Frappe
needed.

	GEMINI_API_KEY=... python benchmarks/triage_accuracy.py [--model gemini-2.5-flash] [--limit N] [--workers 4]
"""

import argparse
import json
import os
import sys
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from gigafibre.ai import triage

SET = Path(__file__).resolve().parent / "triage_set.json"
FIELDS = ("category", "urgency", "language", "sentiment", "outage")
ALLOWED = {
	"category": set(triage.DEFAULT_CATEGORIES),
	"urgency": set(triage.URGENCIES),
	"language": set(triage.LANGUAGES),
	"sentiment": set(triage.SENTIMENTS),
	"outage": {True, False},
}


def load(path: Path = SET) -> list[dict]:
	return json.loads(path.read_text(encoding="utf-8"))


def ticket_of(item: dict) -> triage.Ticket:
	return triage.Ticket(
		subject=item.get("subject", ""),
		messages=tuple(triage.Message(m["from"], m["text"]) for m in item["messages"]),
	)


def evidence_of(item: dict) -> triage.NetworkEvidence:
	return triage.NetworkEvidence(
		outage="BENCH-OUTAGE" if item.get("context", {}).get("outage_open") else None
	)


def labels_of(result: triage.TriageResult) -> dict:
	return {
		"category": result.category,
		"urgency": result.urgency,
		"language": result.language,
		"sentiment": result.sentiment,
		"outage": result.outage_suspected,
	}


def predict(client, item: dict) -> dict:
	"""The triage core's labels for one item (the model call and the cross-check)."""
	result, _reply = triage.triage(client, ticket_of(item), triage.DEFAULT_CATEGORIES, evidence_of(item))
	return labels_of(result)


def score(items: list[dict], predictions: dict[str, dict | None]) -> dict:
	"""Accuracy per field over every item (an item without a prediction counts as wrong for each
	field), and the category confusions {(expected, predicted): count} of the wrong ones."""
	correct = Counter()
	confusions = Counter()
	failed = 0
	for item in items:
		predicted = predictions.get(item["id"])
		if predicted is None:
			failed += 1
			continue
		for name in FIELDS:
			correct[name] += predicted.get(name) == item["labels"][name]
		if predicted.get("category") != item["labels"]["category"]:
			confusions[(item["labels"]["category"], predicted.get("category"))] += 1
	total = len(items)
	return {
		"total": total,
		"failed": failed,
		"accuracy": {name: (correct[name] / total if total else 0.0) for name in FIELDS},
		"confusions": dict(confusions),
	}


def report(result: dict) -> str:
	lines = [f"triage accuracy on {result['total']} tickets ({result['failed']} without an answer)"]
	for name in FIELDS:
		lines.append(f"  {name:<10} {result['accuracy'][name]:6.1%}")
	if result["confusions"]:
		lines.append("  category confusions (expected -> predicted: count)")
		for (expected, predicted), count in sorted(
			result["confusions"].items(), key=lambda kv: (-kv[1], kv[0])
		):
			lines.append(f"    {expected} -> {predicted}: {count}")
	return "\n".join(lines)


def main() -> int:
	parser = argparse.ArgumentParser()
	parser.add_argument("--model", default="gemini-2.5-flash")
	parser.add_argument("--limit", type=int, default=0)
	parser.add_argument("--workers", type=int, default=4)
	args = parser.parse_args()
	key = os.environ.get("GEMINI_API_KEY")
	if not key:
		print("triage accuracy: skipped (GEMINI_API_KEY is not set)")
		return 0
	from gigafibre.ai.gemini import GeminiClient
	from gigafibre.errors import ServiceError

	client = GeminiClient(key, model=args.model, timeout=60)
	items = load()[: args.limit or None]
	predictions: dict[str, dict | None] = {}
	tokens = 0
	started = time.monotonic()

	def one(item):
		try:
			result, reply = triage.triage(
				client, ticket_of(item), triage.DEFAULT_CATEGORIES, evidence_of(item)
			)
			return item["id"], labels_of(result), reply.usage.total_tokens, None
		except ServiceError as err:
			return item["id"], None, 0, err.message.format(*err.args_)

	with ThreadPoolExecutor(max_workers=max(1, args.workers)) as pool:
		for name, labels, used, error in pool.map(one, items):
			predictions[name] = labels
			tokens += used
			if error:
				print(f"  {name}: {error}")
	print(report(score(items, predictions)))
	print(f"  model {args.model}, {tokens} tokens, {time.monotonic() - started:.1f} s")
	return 0


if __name__ == "__main__":
	sys.exit(main())
