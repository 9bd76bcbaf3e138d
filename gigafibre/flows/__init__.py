"""Flow runtime: templates of steps started and resumed by catalog events.

The core (`events`, `expressions`, `engine`, `validation`) never imports Frappe; this package
module only exposes the public entry point, which imports the Frappe shell lazily.
"""


def dispatch_event(event: str, doc=None, **context):
	"""Fire a catalog event for `doc`; the Frappe shell decides which templates start or resume."""
	from gigafibre.flows.runner import dispatch_event as _dispatch

	return _dispatch(event, doc, **context)
