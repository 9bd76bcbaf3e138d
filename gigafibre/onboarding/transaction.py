"""One database transaction for a web order's writes, whatever other apps' hooks do (the order and
the acceptance both use it; neither imports the other for it)."""

from contextlib import contextmanager

import frappe


@contextmanager
def one_transaction():
	"""Hold commits made by other apps' hooks until the request ends.

	ERPNext commits inside a hook: a new Contact with a phone number links existing Call Logs and
	calls `frappe.db.commit()` (erpnext/telephony/doctype/call_log/call_log.py,
	link_existing_conversations), and a Lead creates such a Contact when CRM Settings → "Auto
	Creation of Contact" is on. Mid-order, that would commit a half-written order. The commit is
	shadowed on this request's connection only, for the duration of the block.
	"""
	db = frappe.db
	# Whatever already shadows the commit here (an outer block, a test's patch) comes back after.
	shadowed = db.__dict__.get("commit")
	db.commit = _held_commit
	try:
		yield
	finally:
		if shadowed is None:
			del db.commit
		else:
			db.commit = shadowed


def _held_commit(*args, **kwargs) -> None:
	"""The request's own commit (or rollback) settles these writes."""
