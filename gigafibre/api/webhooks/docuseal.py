"""DocuSeal webhook: the secret header configured with the webhook in DocuSeal (name and value in
Gigafibre Settings), then one stored Webhook Event per event, processed in the background
(gigafibre.onboarding.acceptance.handle_docuseal). No secret configured → every call is refused."""

import json

import frappe
from frappe import _
from frappe.rate_limiter import rate_limit

from gigafibre.webhooks import intake
from gigafibre.webhooks.intake import BadSignature

SOURCE = "DocuSeal"
HANDLER = "gigafibre.onboarding.acceptance.handle_docuseal"
DEFAULT_HEADER = "X-Docuseal-Secret"


def _check_secret() -> None:
	header = (frappe.db.get_single_value("Gigafibre Settings", "docuseal_webhook_header") or "").strip()
	given = frappe.request.headers.get(header or DEFAULT_HEADER)
	intake.require_shared_secret("docuseal_webhook_secret", given, _("The DocuSeal secret does not match."))


@frappe.whitelist(allow_guest=True, methods=["POST"])
@rate_limit(limit=600, seconds=60)
def receive() -> dict:
	"""DocuSeal's webhook (POST JSON): stored once per event, answered at once."""
	_check_secret()
	raw = frappe.request.get_data()
	try:
		payload = json.loads(raw or b"null")
	except ValueError:
		payload = None
	if not isinstance(payload, dict) or not isinstance(payload.get("data"), dict):
		frappe.throw(_("The DocuSeal message cannot be read."), exc=BadSignature)
	kind = str(payload.get("event_type") or "")
	data = payload["data"]
	# DocuSeal sends no event id: the event type and the records it names identify a delivery.
	event_id = ":".join(
		str(part) for part in (kind, data.get("submission_id") or "", data.get("id") or "") if part != ""
	)
	_name, replay = intake.receive(SOURCE, event_id, kind, raw, dict(frappe.request.headers), HANDLER)
	return {"received": True, "replay": replay}
