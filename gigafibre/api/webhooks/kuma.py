"""Uptime Kuma webhook: a shared secret (`X-Kuma-Secret` header or `secret` query parameter,
Gigafibre Settings `kuma_webhook_secret`), then one stored Webhook Event per monitor heartbeat
(monitor id, heartbeat time, status), processed in the background into an Outage
(gigafibre.network.outages). No secret configured → every call is refused (400)."""

import json

import frappe
from frappe import _
from frappe.rate_limiter import rate_limit

from gigafibre.errors import InvalidValue
from gigafibre.network.outages import parse_kuma
from gigafibre.webhooks import intake

SOURCE = "Uptime Kuma"
HANDLER = "gigafibre.network.outages.handle_kuma"


def _check_secret() -> None:
	given = frappe.request.headers.get("X-Kuma-Secret") or frappe.request.args.get("secret")
	intake.require_shared_secret("kuma_webhook_secret", given, _("The Uptime Kuma secret does not match."))


@frappe.whitelist(allow_guest=True, methods=["POST"])
@rate_limit(limit=600, seconds=60)
def receive() -> dict:
	"""Kuma's webhook (POST JSON). Kuma's test notification is answered and not stored."""
	_check_secret()
	text = frappe.request.get_data().decode("utf-8", "replace").strip()
	try:
		event = parse_kuma(json.loads(text or "{}"))
	except ValueError as err:
		message = _(err.message).format(*err.args_) if isinstance(err, InvalidValue) else str(err)
		frappe.throw(_("The Uptime Kuma message cannot be read: {0}").format(message))
	if event is None:
		return {"received": True, "ignored": True}
	_name, replay = intake.receive(
		SOURCE, event.event_id, f"monitor.{event.status}", text, dict(frappe.request.headers), HANDLER
	)
	return {"received": True, "replay": replay}
