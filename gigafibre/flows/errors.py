"""Errors of the flow runtime's core.

Like `gigafibre.errors.InvalidValue`, they carry the untranslated template (`.message`) and its
arguments (`.args_`); the shell shows `frappe._(e.message).format(*e.args_)`.
"""

from gigafibre.errors import InvalidValue
from gigafibre.i18n import _

# How the shell prefixes a problem with the step at fault: _(STEP_PREFIX).format(step_id, text).
STEP_PREFIX = _("Step {0}: {1}")


class FlowDefinitionError(InvalidValue):
	"""A flow template (or one of its expressions) that cannot run as written."""

	def __init__(self, message: str, *args: object, step_id: str | None = None):
		super().__init__(message, *args)
		self.step_id = step_id

	def __str__(self) -> str:
		text = self.message.format(*self.args_)
		return STEP_PREFIX.format(self.step_id, text) if self.step_id else text


class ExpressionError(InvalidValue):
	"""A well-formed expression that failed while evaluated (missing variable, refused access...)."""
