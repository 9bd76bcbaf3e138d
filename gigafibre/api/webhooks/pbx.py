"""3CX call-event webhook: a shared secret (`X-3CX-Secret` header or `secret` query parameter),
then one stored Webhook Event per call and state, processed in the background into a Phone
Communication on the customer's Phone conversation."""

import json
from urllib.parse import parse_qsl

import frappe
from frappe import _
from frappe.rate_limiter import rate_limit

from gigafibre.errors import InvalidValue
from gigafibre.messaging.pbx_events import parse_call_event
from gigafibre.webhooks import intake
from gigafibre.webhooks.intake import receive

HANDLER = "gigafibre.messaging.inbound.handle_call"


def _check_secret() -> None:
	given = frappe.request.headers.get("X-3CX-Secret") or frappe.request.args.get("secret")
	intake.require_shared_secret("pbx_webhook_secret", given, _("The 3CX secret does not match."))


@frappe.whitelist(allow_guest=True, methods=["POST"])
@rate_limit(limit=600, seconds=60)
def call_event() -> dict:
	_check_secret()
	raw = frappe.request.get_data()
	text = raw.decode("utf-8", "replace").strip()
	try:
		payload = json.loads(text) if text.startswith("{") else dict(parse_qsl(text))
		if not payload and frappe.request.form:
			payload = frappe.request.form.to_dict()
			text = json.dumps(payload)
		event = parse_call_event(payload)
	except (ValueError, InvalidValue) as err:
		message = _(err.message).format(*err.args_) if isinstance(err, InvalidValue) else str(err)
		frappe.throw(_("The call event cannot be read: {0}").format(message))
	_name, replay = receive(
		"3CX",
		f"{event.call_id}:{event.state}",
		f"call.{event.state}",
		text,
		dict(frappe.request.headers),
		HANDLER,
	)
	return {"received": True, "replay": replay}
