"""The functional core imports without Frappe; only the shell may need it."""

import ast
import importlib
import sys
from pathlib import Path

import pytest

APP = Path(__file__).resolve().parent.parent / "gigafibre"


def _module_name(path: Path) -> str:
	parts = path.relative_to(APP.parent).with_suffix("").parts
	return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports_frappe_at_module_level(path: Path) -> bool:
	tree = ast.parse(path.read_text())
	for node in tree.body:
		names = []
		if isinstance(node, ast.Import):
			names = [alias.name for alias in node.names]
		elif isinstance(node, ast.ImportFrom) and node.module:
			names = [node.module]
		if any(
			n == "frappe" or n.startswith("frappe.") or n == "erpnext" or n.startswith("erpnext.")
			for n in names
		):
			return True
	return False


SHELL = {p for p in APP.rglob("*.py") if _imports_frappe_at_module_level(p)}
CORE = sorted(p for p in APP.rglob("*.py") if p not in SHELL and "gigafibre/gigafibre/doctype" not in str(p))


def test_package_inits_never_import_frappe():
	inits = [p for p in APP.rglob("__init__.py")]
	assert inits
	offenders = [str(p) for p in inits if p in SHELL]
	assert not offenders, offenders


@pytest.mark.parametrize("path", CORE, ids=lambda p: _module_name(p))
def test_core_module_imports_without_frappe(path, monkeypatch):
	# A `None` entry makes any `import frappe` raise ImportError, even if Frappe happens to be installed.
	monkeypatch.setitem(sys.modules, "frappe", None)
	importlib.import_module(_module_name(path))


def test_core_is_not_empty():
	names = {_module_name(p) for p in CORE}
	assert {
		"gigafibre.equipment.identifiers",
		"gigafibre.dispatch.status",
		"gigafibre.messaging.phone",
	} <= names
