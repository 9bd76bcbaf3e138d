# Copyright (c) 2026, Gigafibre and contributors
# For license information, please see license.txt

from frappe.model.document import Document


class ServiceSuspensionDevice(Document):
	"""One equipment's part in a suspension or restoration: its action, attempts and answers."""

	pass
