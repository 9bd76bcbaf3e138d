"""Every string a person reads has its French row in gigafibre/translations/fr.csv."""

import csv
import json
import re
from pathlib import Path

APP = Path(__file__).resolve().parent.parent / "gigafibre"
# Select options that are identifiers (catalog names, codes), not words.
IDENTIFIER_SELECTS = {
	("Flow Template", "trigger_event"),
	("Flow Step", "wait_event"),
	("Flow Step", "action"),
	("Service Location", "province"),
	("Serviceable Address", "province"),
}
PY_MESSAGE = re.compile(r"""(?<![\w.])_\(\s*(?P<q>"|')(?P<text>(?:\\.|(?!(?P=q)).)*)(?P=q)\s*[,)]""")
JS_MESSAGE = re.compile(r"""__\(\s*(?P<q>"|'|`)(?P<text>(?:\\.|(?!(?P=q)).)*)(?P=q)\s*[,)]""")


def _doctype_strings(path: Path) -> set[str]:
	doc = json.loads(path.read_text())
	found = {doc["name"]}
	for field in doc.get("fields", []):
		for key in ("label", "description"):
			if field.get(key):
				found.add(field[key])
		if field.get("fieldtype") == "Select" and (doc["name"], field["fieldname"]) not in IDENTIFIER_SELECTS:
			found.update(o for o in (field.get("options") or "").split("\n") if o)
	return found


def _workspace_strings(path: Path) -> set[str]:
	doc = json.loads(path.read_text())
	found = {doc["label"]}
	found.update(s["label"] for s in doc["shortcuts"])
	found.update(s["format"] for s in doc["shortcuts"] if s.get("format"))
	found.update(link["label"] for link in doc["links"])
	for block in json.loads(doc["content"]):
		if block["type"] == "header":
			found.add(re.sub(r"<[^>]+>", "", block["data"]["text"]))
	return found


def _code_strings() -> set[str]:
	found = set()
	for path in APP.rglob("*.py"):
		found.update(m.group("text") for m in PY_MESSAGE.finditer(path.read_text()))
	for path in list(APP.rglob("*.js")) + list(APP.rglob("*.html")):
		found.update(m.group("text") for m in JS_MESSAGE.finditer(path.read_text()))
	return found


def user_facing_strings() -> set[str]:
	found = _code_strings()
	for path in APP.glob("gigafibre/doctype/*/*.json"):
		found |= _doctype_strings(path)
	for path in APP.glob("gigafibre/workspace/*/*.json"):
		found |= _workspace_strings(path)
	found.update(role["name"] for role in json.loads((APP / "fixtures" / "role.json").read_text()))
	return found


def french() -> dict[str, str]:
	with open(APP / "translations" / "fr.csv", encoding="utf-8", newline="") as f:
		return {row[0]: row[1] for row in csv.reader(f) if row}


def test_every_user_facing_string_has_french():
	missing = sorted(user_facing_strings() - set(french()))
	assert not missing, "Missing from fr.csv:\n" + "\n".join(missing)


def test_messages_hold_no_markup():
	# Frappe's _() strips HTML tags from a message before looking it up, so a message with markup
	# is never translated: put the markup around the translated text (messaging.language.paragraphs).
	tag = r"</?(?:a|b|br|div|em|h\d|i|li|ol|p|span|strong|table|td|th|tr|u|ul)\b[^>]*>"
	marked = sorted(s for s in _code_strings() if re.search(tag, s))
	assert not marked, "Messages with HTML tags (never translated):\n" + "\n".join(marked)


def test_french_rows_are_translations_with_the_same_placeholders():
	for source, target in french().items():
		assert target.strip(), f"empty translation for {source!r}"
		assert sorted(re.findall(r"\{\d*\}", source)) == sorted(re.findall(r"\{\d*\}", target)), source


def test_extractor_sees_core_and_shell_messages():
	strings = user_facing_strings()
	assert (
		"MAC address {0} is not valid (12 hexadecimal digits expected)." in strings
	)  # core, via gigafibre.i18n
	assert "Give a reason to cancel the job." in strings  # shell, via frappe._
	assert "Dispatch Job" in strings and "Completed" in strings  # doctype JSON
