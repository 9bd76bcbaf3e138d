"""Flow runtime: templates of steps started and resumed by catalog events.

The core (`events`, `expressions`, `engine`, `validation`) never imports Frappe; this package
module only exposes the public entry point, which imports the Frappe shell lazily.
"""


def dispatch_event(event: str, doc=None, *, own_templates_only: bool = False, **context):
	"""Fire a catalog event for `doc`; the Frappe shell decides which templates start or resume.
	`own_templates_only`: only templates written for `doc`'s type start (not those for any type)
	— for a second document the same event is also told about."""
	from gigafibre.flows.runner import dispatch_event as _dispatch

	return _dispatch(event, doc, own_templates_only=own_templates_only, **context)
