"""Invoice numbers drawn from a block reserved ahead, so two billing workers do not queue on one row.

Frappe numbers a Sales Invoice from its naming series' row in `tabSeries`, locked `FOR UPDATE` from
the insert until the transaction commits. In the billing cycle a transaction is one subscription's
whole invoice (insert, submit, ledger entries), so a second worker waits on that row for most of its
time (measured in `benchmarks/billing_cycle.py`: 1.15x with two workers). A `Block` instead takes a
few numbers of the series at once, between two subscriptions, in a transaction of its own committed
at once, and hands them out in order; the names are Frappe's own (`parse_naming_series` with this
counter), so the invoices read exactly as ERPNext would have named them.

Numbers stay in sequence without holes where it can be helped: a subscription that fails gives its
numbers back (`mark` / `give_back_to`), and at the end of a batch the numbers not used are returned
to the series when nobody drew after us (`release`); at worst a block's unused rest (fewer than
`SIZE`) is skipped. A subscription that needs more invoices than the block holds (months caught up)
gets the rest named by ERPNext as usual, as does every invoice when a Document Naming Rule or an
`autoname` method decides Sales Invoice names.
"""

import frappe
from frappe.model.base_document import get_controller
from frappe.model.naming import NamingSeries, get_default_naming_series, parse_naming_series

DOCTYPE = "Sales Invoice"
SIZE = 20


class Block:
	def __init__(self):
		self.series = _series()
		self.prefix = _prefix(self.series) if self.series else None
		self.next, self.end = 1, 0  # numbers next .. end are ours

	def refill(self, wanted: int) -> None:
		"""Between two subscriptions (nothing uncommitted): make sure a number is at hand, reserving
		up to `wanted` (at most SIZE) when none is."""
		if not self.series or self.next <= self.end:
			return
		if _prefix(self.series) != self.prefix:  # the year turned: a new series row
			self.release()
			self.prefix = _prefix(self.series)
		self._reserve(max(1, min(wanted, SIZE)))

	def take(self, doc) -> str | None:
		"""The name of `doc`, a new invoice; None: let ERPNext name it as usual."""
		if not self.series or self.next > self.end or doc.get("naming_series") not in (None, "", self.series):
			return None
		if _prefix(self.series) != self.prefix:
			return None
		doc.naming_series = self.series  # as set_name_by_naming_series would
		number, self.next = self.next, self.next + 1
		return parse_naming_series(
			f"{self.series}.#####", doc=doc, number_generator=lambda _prefix, digits: f"{number:0{digits}d}"
		)

	def mark(self) -> int:
		return self.next

	def give_back_to(self, mark: int) -> None:
		"""The numbers drawn since `mark` were rolled back with their invoices: use them again."""
		self.next = min(self.next, mark)

	def release(self) -> None:
		"""Return the unused numbers to the series, unless someone drew after the block."""
		if self.series and self.next <= self.end:
			frappe.db.sql(
				"update `tabSeries` set `current` = %s where `name` = %s and `current` = %s",
				(self.next - 1, self.prefix, self.end),
			)
			_commit()
		self.next, self.end = 1, 0

	def _reserve(self, size: int) -> None:
		series = frappe.qb.DocType("Series")
		current = (
			frappe.qb.from_(series).where(series.name == self.prefix).for_update().select("current")
		).run()
		if current and current[0][0] is not None:
			start = int(current[0][0]) + 1
			frappe.db.sql(
				"update `tabSeries` set `current` = %s where `name` = %s", (start + size - 1, self.prefix)
			)
		else:
			start = 1
			frappe.db.sql("insert into `tabSeries` (`name`, `current`) values (%s, %s)", (self.prefix, size))
		_commit()  # the row lock lasts these two statements, not a subscription's invoice
		self.next, self.end = start, start + size - 1


def _series() -> str | None:
	"""The naming series a new Sales Invoice is named by, when it is one; else None."""
	if frappe.db.exists("Document Naming Rule", {"document_type": DOCTYPE, "disabled": 0}):
		return None
	if (frappe.get_meta(DOCTYPE).autoname or "").lower() != "naming_series:":
		return None
	if hasattr(get_controller(DOCTYPE), "autoname"):
		return None
	return get_default_naming_series(DOCTYPE)


def _prefix(series: str) -> str:
	# What Frappe keeps the counter under (`SINV-.YYYY.-` → `SINV-2027-`), as set_name_by_naming_series.
	return NamingSeries(f"{series}.#####").get_prefix()


def _commit() -> None:
	# Tests run in one transaction rolled back at the end: the numbers come back with it.
	if not frappe.flags.in_test:
		frappe.db.commit()
