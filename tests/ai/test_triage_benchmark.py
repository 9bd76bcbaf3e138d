"""The triage benchmark's labelled set has the promised shape, and its scorer counts right (checked
on a fake model that knows the answers except for chosen mistakes, and through the real triage
core against a loopback Gemini)."""

import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

from gigafibre.ai.gemini import GeminiClient
from gigafibre.tests.peers import LoopbackPeer
from tests.ai.test_gemini import model_reply

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
import triage_accuracy as bench

ITEMS = bench.load()


def test_set_shape():
	assert len(ITEMS) == 120
	assert len({item["id"] for item in ITEMS}) == 120
	for item in ITEMS:
		assert set(item["labels"]) == set(bench.FIELDS), item["id"]
		for name, value in item["labels"].items():
			assert value in bench.ALLOWED[name], (item["id"], name, value)
		assert item["messages"] and all(
			m["from"] in ("customer", "staff") and m["text"] for m in item["messages"]
		)
		assert isinstance(item["context"]["outage_open"], bool)
		if item["context"]["outage_open"]:
			assert item["labels"]["outage"] is True, item["id"]  # the network wins
	categories = Counter(item["labels"]["category"] for item in ITEMS)
	assert set(categories) == set(bench.ALLOWED["category"])
	french = sum(item["labels"]["language"] == "fr" for item in ITEMS)
	assert 0.6 <= french / 120 <= 0.8
	assert 12 <= sum(item["context"]["outage_open"] for item in ITEMS) <= 20


def test_scorer_on_a_fake_model():
	predictions = {item["id"]: dict(item["labels"]) for item in ITEMS}
	perfect = bench.score(ITEMS, predictions)
	assert perfect["accuracy"] == dict.fromkeys(bench.FIELDS, 1.0) and perfect["confusions"] == {}
	billing = [item["id"] for item in ITEMS if item["labels"]["category"] == "billing"][:3]
	for name in billing:
		predictions[name]["category"] = "other"
	predictions[ITEMS[0]["id"]]["language"] = "es"
	predictions[ITEMS[1]["id"]] = None  # no answer: wrong on every field
	result = bench.score(ITEMS, predictions)
	assert result["failed"] == 1
	wrong_category = len(set(billing) | {ITEMS[1]["id"]})
	assert result["accuracy"]["category"] == (120 - wrong_category) / 120
	assert result["accuracy"]["language"] == (120 - len({ITEMS[0]["id"], ITEMS[1]["id"]})) / 120
	assert result["accuracy"]["urgency"] == 119 / 120
	assert result["confusions"] == {("billing", "other"): len(set(billing) - {ITEMS[1]["id"]})}
	assert "billing -> other" in bench.report(result)


def test_predict_runs_the_real_core_with_the_outage_context():
	item = next(i for i in ITEMS if i["context"]["outage_open"] and i["labels"]["category"] == "no_internet")
	answer = {
		"category": "wifi",
		"urgency": "normal",
		"language": "fr",
		"sentiment": "negative",
		"angry": False,
		"outage_suspected": False,
		"summary_fr": "Plus de Wi-Fi.",
	}
	with LoopbackPeer(lambda r: model_reply([{"text": json.dumps(answer)}])) as peer:
		predicted = bench.predict(GeminiClient("k", base_url=peer.url, timeout=5), item)
	assert predicted == {
		"category": "no_internet",
		"urgency": "high",
		"language": "fr",
		"sentiment": "negative",
		"outage": True,
	}
	assert item["messages"][0]["text"] in peer.requests[0].json()["contents"][0]["parts"][0]["text"]


def test_skips_cleanly_without_a_key():
	env = {k: v for k, v in __import__("os").environ.items() if k != "GEMINI_API_KEY"}
	run = subprocess.run(
		[sys.executable, str(Path(bench.__file__))], env=env, capture_output=True, text=True, timeout=60
	)
	assert run.returncode == 0 and "skipped" in run.stdout
