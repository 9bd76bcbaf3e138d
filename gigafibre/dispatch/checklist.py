"""Job checklists (pure: no Frappe): what a template's item must say, and what is still missing
before a job may be completed.

A checklist item is a check to tick, a photo to take, a measurement to enter (with its unit and
an optional range, e.g. ONU rx power -27…-8 dBm) or a device to scan. Rows are read through
`.get()`, so Frappe child rows and plain dicts both work. A required item is done when:
- Check: ticked;
- Photo: a photo is attached;
- Measurement: a value was entered and lies inside the range (an out-of-range value is recorded
  but the item is not done);
- Equipment Scan: a device was scanned (linked to the job).
Items that are not required never hold the job back.
"""

import math
from collections.abc import Iterable, Mapping
from typing import Any, NamedTuple

from gigafibre.errors import InvalidValue
from gigafibre.i18n import _

CHECK = "Check"
PHOTO = "Photo"
MEASUREMENT = "Measurement"
SCAN = "Equipment Scan"
KINDS = (CHECK, PHOTO, MEASUREMENT, SCAN)

# Why an item is not done, each formatted with the item's label first.
NOT_DONE = _("{0}: not done")
NO_PHOTO = _("{0}: no photo")
NO_VALUE = _("{0}: no value entered")
OUT_OF_RANGE = _("{0}: {1} is out of range ({2})")
NO_SCAN = _("{0}: no equipment scanned")
INCOMPLETE = _("The job cannot be completed until its required checklist items are done: {0}.")


class Missing(NamedTuple):
	"""A required item not done: its row name and label, the reason template and its extra arguments."""

	row: str | None
	label: str
	reason: str
	args: tuple = ()

	def message(self, translate=lambda s: s) -> str:
		return translate(self.reason).format(self.label, *self.args)


def _get(row: Any, field: str, default=None):
	getter = row.get if isinstance(row, Mapping) or hasattr(row, "get") else None
	value = getter(field) if getter else getattr(row, field, default)
	return default if value is None else value


def bounds(row: Any) -> tuple[float | None, float | None]:
	"""The measurement's (minimum, maximum); None for a side without a bound."""
	low = float(_get(row, "min_value", 0)) if _get(row, "use_min", 0) else None
	high = float(_get(row, "max_value", 0)) if _get(row, "use_max", 0) else None
	return low, high


def format_number(value: float) -> str:
	"""-27.0 -> "-27", -19.5 -> "-19.5" (no trailing zeros)."""
	text = f"{float(value):.3f}".rstrip("0").rstrip(".")
	return "0" if text in ("-0", "") else text


def describe_range(row: Any) -> str:
	"""'-27 … -8 dBm', '≥ 500 Mbit/s', '≤ 3 dB', or '' without bounds."""
	low, high = bounds(row)
	unit = (_get(row, "unit", "") or "").strip()
	suffix = f" {unit}" if unit else ""
	if low is not None and high is not None:
		return f"{format_number(low)} … {format_number(high)}{suffix}"
	if low is not None:
		return f"≥ {format_number(low)}{suffix}"
	if high is not None:
		return f"≤ {format_number(high)}{suffix}"
	return ""


def in_range(value: float, row: Any) -> bool:
	low, high = bounds(row)
	return (low is None or value >= low) and (high is None or value <= high)


def parse_measurement(text: Any) -> float:
	"""A value as a technician types it: '-19,5', "\u221219.5" (a typographic minus), ' 940 '."""
	if isinstance(text, bool):
		raise InvalidValue(_("The measurement must be a number."))
	if isinstance(text, int | float):
		number = float(text)
	else:
		cleaned = str(text or "").strip().replace("\u2212", "-").replace("\u2013", "-").replace(",", ".")
		cleaned = cleaned.replace(" ", "").replace("\u00a0", "").replace("\u202f", "")
		try:
			number = float(cleaned)
		except ValueError:
			raise InvalidValue(_("The measurement must be a number.")) from None
	if not math.isfinite(number):
		raise InvalidValue(_("The measurement must be a number."))
	return number


def problem(row: Any) -> Missing | None:
	"""Why this row does not count as done (None when it does), whether or not it is required."""
	label = (_get(row, "label", "") or "").strip() or "?"
	name = _get(row, "name")
	kind = _get(row, "kind", CHECK) or CHECK
	if kind == PHOTO:
		return None if _get(row, "photo") else Missing(name, label, NO_PHOTO)
	if kind == SCAN:
		return None if _get(row, "scanned_equipment") else Missing(name, label, NO_SCAN)
	if kind == MEASUREMENT:
		if not _get(row, "done", 0):
			return Missing(name, label, NO_VALUE)
		value = float(_get(row, "value", 0))
		if not in_range(value, row):
			unit = (_get(row, "unit", "") or "").strip()
			shown = f"{format_number(value)} {unit}".strip()
			return Missing(name, label, OUT_OF_RANGE, (shown, describe_range(row)))
		return None
	return None if _get(row, "done", 0) else Missing(name, label, NOT_DONE)


def missing(rows: Iterable[Any]) -> list[Missing]:
	"""The required items not done, in checklist order."""
	return [p for row in rows if _get(row, "required", 0) and (p := problem(row)) is not None]


def incomplete_message(found: list[Missing], translate=lambda s: s) -> str:
	"""One sentence naming every missing item (empty when nothing is missing)."""
	if not found:
		return ""
	return translate(INCOMPLETE).format("; ".join(m.message(translate) for m in found))


def check_item(item: Any) -> None:
	"""A template's (or a job's) checklist item that makes sense; InvalidValue naming the item otherwise."""
	label = (_get(item, "label", "") or "").strip()
	if not label:
		raise InvalidValue(_("Every checklist item needs a label."))
	kind = _get(item, "kind", CHECK) or CHECK
	if kind not in KINDS:
		raise InvalidValue(_("Checklist item {0}: unknown kind {1}."), label, kind)
	low, high = bounds(item)
	if kind == MEASUREMENT:
		if not (_get(item, "unit", "") or "").strip():
			raise InvalidValue(_("Checklist item {0}: a measurement needs a unit (dBm, Mbit/s…)."), label)
		if low is not None and high is not None and low > high:
			raise InvalidValue(
				_("Checklist item {0}: the minimum ({1}) must not be more than the maximum ({2})."),
				label,
				format_number(low),
				format_number(high),
			)
	elif low is not None or high is not None:
		raise InvalidValue(_("Checklist item {0}: only a measurement has a range."), label)
	if kind != SCAN and _get(item, "equipment_type"):
		raise InvalidValue(_("Checklist item {0}: only an equipment scan has an equipment type."), label)


def check_items(items: Iterable[Any]) -> None:
	"""Every item valid, and no label twice (the technician and the error messages name items by label)."""
	seen: set[str] = set()
	for item in items:
		check_item(item)
		label = (_get(item, "label", "") or "").strip()
		if label.casefold() in seen:
			raise InvalidValue(_("Checklist item {0} is listed twice."), label)
		seen.add(label.casefold())


def check_bring(rows: Iterable[Any]) -> None:
	"""Equipment to bring: each row names an item or an equipment type, in a quantity of at least 1."""
	for index, row in enumerate(rows, start=1):
		if not (_get(row, "item") or _get(row, "equipment_type")):
			raise InvalidValue(_("Equipment to bring, row {0}: give an item or an equipment type."), index)
		qty = _get(row, "qty", 0)
		if int(qty or 0) < 1:
			raise InvalidValue(_("Equipment to bring, row {0}: the quantity must be at least 1."), index)


def scan_matches(row: Any, equipment_type: str | None) -> bool:
	"""A scanned device fits a scan item: the item asks for no type, or the device is of that type."""
	wanted = _get(row, "equipment_type")
	return not wanted or wanted == equipment_type


# What a job's row copies from its template's item.
ITEM_FIELDS = (
	"label",
	"kind",
	"required",
	"unit",
	"use_min",
	"min_value",
	"use_max",
	"max_value",
	"equipment_type",
)


def copy_item(item: Any) -> dict:
	return {field: _get(item, field) for field in ITEM_FIELDS}
