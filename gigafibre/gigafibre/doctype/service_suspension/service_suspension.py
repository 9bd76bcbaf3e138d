# Copyright (c) 2026, Gigafibre and contributors
# For license information, please see license.txt

from frappe.model.document import Document


class ServiceSuspension(Document):
	"""A suspension or a restoration of one Service Location's service, stored before it runs (see gigafibre/billing/suspension.py)."""

	pass
