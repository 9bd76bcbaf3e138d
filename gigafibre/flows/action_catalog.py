"""What a flow's action step can do: names, descriptions and required parameters (no Frappe).

The implementations live in `gigafibre.flows.actions` (the shell); template validation only
needs what is here, so it runs anywhere.
"""

from collections.abc import Mapping
from typing import Any, NamedTuple

from gigafibre.flows.errors import FlowDefinitionError
from gigafibre.i18n import _


class ActionInfo(NamedTuple):
	name: str
	description: str
	required: tuple[str, ...]


CATALOG: tuple[ActionInfo, ...] = (
	ActionInfo("send_sms", _("Send an SMS through Twilio"), ("to", "body")),
	ActionInfo("send_email", _("Send an email"), ("recipients",)),
	ActionInfo("create_document", _("Create a document from a field map"), ("doctype", "fields")),
	ActionInfo("set_value", _("Set field values on a document"), ("values",)),
	ActionInfo("assign_technician", _("Assign a technician to a dispatch job"), ("technician",)),
	ActionInfo("publish_realtime", _("Publish a realtime message to the desk and the portals"), ("event",)),
	ActionInfo("call_webhook", _("Call an outbound webhook"), ("url",)),
	ActionInfo("enqueue_method", _("Run an allowed method in the background"), ("method",)),
	ActionInfo("create_todo", _("Create a to-do"), ("description",)),
	ActionInfo("send_tech_link", _("Text a technician the link to today's jobs"), ()),
	ActionInfo("text_affected_customers", _("Text every customer an outage affects"), ("body",)),
)
ACTIONS: dict[str, ActionInfo] = {a.name: a for a in CATALOG}


def params_problems(action: str, params: Mapping[str, Any], step_id: str) -> list[FlowDefinitionError]:
	"""Required parameters an action step leaves out, and the mutually required ones."""
	info = ACTIONS.get(action)
	if info is None:
		return []
	problems = [
		FlowDefinitionError(_("The action {0} needs the parameter {1}."), action, key, step_id=step_id)
		for key in info.required
		if params.get(key) in (None, "", [], {})
	]
	if action == "send_email" and not (params.get("message") or params.get("email_template")):
		problems.append(
			FlowDefinitionError(
				_("The action send_email needs a message or an email_template."), step_id=step_id
			)
		)
	if action == "send_email" and params.get("message") and not params.get("subject"):
		problems.append(FlowDefinitionError(_("The action send_email needs a subject."), step_id=step_id))
	for key in ("fields", "values"):
		if key in info.required and key in params and not isinstance(params[key], Mapping):
			problems.append(
				FlowDefinitionError(_("The parameter {0} must be a JSON object."), key, step_id=step_id)
			)
	return problems
