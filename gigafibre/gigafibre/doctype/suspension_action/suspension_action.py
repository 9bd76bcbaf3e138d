# Copyright (c) 2026, Gigafibre and contributors
# For license information, please see license.txt

from frappe.model.document import Document


class SuspensionAction(Document):
	"""One equipment model's suspend and restore actions (Gigafibre Settings → Suspension Actions)."""

	pass
