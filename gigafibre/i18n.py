"""Translation marker for the functional core.

Core modules cannot import Frappe, yet their messages reach people who read French.
They wrap message templates in this no-op `_` so that Frappe's extractor lists them;
the shell translates the template at run time with `frappe._` (see `gigafibre.validation`).
"""


def _(message: str) -> str:
	return message
