"""Where core errors become Frappe validation errors, translated for the person who sees them."""

from contextlib import contextmanager

import frappe
from frappe import _

from gigafibre.errors import InvalidValue


@contextmanager
def user_errors(title: str | None = None):
	"""Turn an `InvalidValue` raised inside the block into a translated `frappe.ValidationError`."""
	try:
		yield
	except InvalidValue as err:
		frappe.throw(_(err.message).format(*err.args_), title=title)


def ensure_unique(doc, fieldname: str, label: str) -> None:
	"""A clear 409 naming the other record, before the unique index answers with a bare duplicate error."""
	value = doc.get(fieldname)
	if not value:
		return
	other = frappe.db.get_value(doc.doctype, {fieldname: value, "name": ("!=", doc.name)}, "name")
	if other:
		frappe.throw(
			_("{0} {1} is already registered as {2}.").format(_(label), value, other),
			exc=frappe.DuplicateEntryError,
		)
