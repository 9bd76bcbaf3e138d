# Copyright (c) 2026, Gigafibre and contributors
# For license information, please see license.txt

from frappe.model.document import Document


class ServiceSuspensionInvoice(Document):
	"""An unpaid invoice a suspension is for, as it stood when the suspension was proposed."""

	pass
