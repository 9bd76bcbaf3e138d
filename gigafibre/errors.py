"""Errors raised by the functional core.

They carry an untranslated message template and its arguments, so the Frappe shell can
translate the template before formatting (`frappe._(template).format(*args)`).
"""


class InvalidValue(ValueError):
	"""A value a person typed (or a peer sent) that cannot be accepted as it is."""

	def __init__(self, message: str, *args: object):
		self.message = message
		self.args_ = args
		super().__init__(message.format(*args))
