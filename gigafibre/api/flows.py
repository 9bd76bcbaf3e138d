"""Flow runtime endpoints for the desk and the ops SPA."""

import frappe
from frappe import _
from frappe.utils import now_datetime

from gigafibre.flows import engine
from gigafibre.flows.errors import ExpressionError, FlowDefinitionError
from gigafibre.flows.events import EVENTS


@frappe.whitelist(methods=["POST"])
def dry_run(template: str, reference_doctype: str, reference_name: str) -> dict:
	"""The path `template` would take for a document and the effects it would produce, performing none."""
	flow = frappe.get_doc("Flow Template", template)
	flow.check_permission("read")
	doc = frappe.get_doc(reference_doctype, reference_name)
	doc.check_permission("read")
	if flow.reference_doctype and flow.reference_doctype != reference_doctype:
		frappe.throw(
			_("This flow starts on {0} documents, not {1}.").format(
				_(flow.reference_doctype), _(reference_doctype)
			)
		)

	from gigafibre.flows.runner import extra_context, snapshot_of

	snapshot = snapshot_of(doc)
	context = extra_context(snapshot)
	definition = engine.FlowTemplate.from_dict(flow.as_dict())
	try:
		would_start = engine.should_start(definition, snapshot, context)
	except (ExpressionError, FlowDefinitionError) as err:
		frappe.throw(_("The condition failed: {0}").format(_(err.message).format(*err.args_)))
	path, effects, state = engine.simulate(
		definition, snapshot, flow.trigger_event, now_datetime(), **context
	)
	return {
		"would_start": would_start,
		"path": path,
		"effects": [{"step_id": e.step_id, "action": e.action, "params": e.params} for e in effects],
		"status": state.status,
		"last_error": state.last_error,
		"log": [
			{"step_id": entry["step_id"], "outcome": entry["outcome"], "message": entry["message"]}
			for entry in state.log
		],
	}


@frappe.whitelist()
def events() -> list[dict]:
	"""The event catalog, for the ops SPA's flow editor."""
	return [{"name": name, "description": _(description)} for name, description in EVENTS.items()]
