"""Errors raised by the functional core and the clients.

They carry an untranslated message template and its arguments, so the Frappe shell can
translate the template before formatting (`frappe._(template).format(*args)`).
"""


class GigafibreError(Exception):
	def __init__(self, message: str, *args: object):
		self.message = message
		self.args_ = args
		super().__init__(message.format(*args))


class InvalidValue(GigafibreError, ValueError):
	"""A value a person typed (or a peer sent) that cannot be accepted as it is."""


class ServiceError(GigafibreError):
	"""An outside service (Twilio, Stripe, Gemini…) failed, refused, or is not configured.

	`retryable` says whether trying again later may succeed (timeouts, 5xx, 429).
	"""

	def __init__(self, message: str, *args: object, retryable: bool = False):
		super().__init__(message, *args)
		self.retryable = retryable
