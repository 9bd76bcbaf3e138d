"""What installing the app does to a site beyond syncing doctypes and fixtures."""

import secrets

import frappe


def after_install() -> None:
	from gigafibre.billing.setup import ensure_custom_fields as billing_fields
	from gigafibre.dispatch.templates import ensure_seed_templates
	from gigafibre.messaging.setup import ensure_custom_fields as messaging_fields
	from gigafibre.onboarding.setup import ensure_custom_fields as onboarding_fields
	from gigafibre.payments.setup import ensure_custom_fields as payments_fields
	from gigafibre.portal.setup import ensure_custom_fields as portal_fields
	from gigafibre.printing.invoice import ensure_default_format as ensure_default_invoice_format

	messaging_fields()

	from gigafibre.ai.agent_setup import ensure_custom_fields as agent_fields

	agent_fields()
	payments_fields()
	onboarding_fields()
	billing_fields()
	ensure_link_secret()
	portal_fields()
	ensure_seed_flows()
	ensure_seed_templates()
	ensure_default_invoice_format()

	from gigafibre.reports.setup import ensure_indexes, ensure_report_access

	ensure_indexes()
	ensure_report_access()

	from gigafibre.ai.triage_setup import ensure_custom_fields as triage_fields

	triage_fields()


def ensure_link_secret() -> None:
	"""Every site signs its own links: a fresh random secret, never one shipped in code."""
	settings = frappe.get_single("Gigafibre Settings")
	if not settings.get_password("jwt_secret", raise_exception=False):
		settings.jwt_secret = secrets.token_urlsafe(48)
		settings.flags.ignore_permissions = True
		settings.save()


def ensure_seed_flows() -> None:
	"""The seed system's flows, created once; a site's own edits (or disabling one) are kept."""
	import json
	from pathlib import Path

	path = Path(__file__).parent / "flows" / "seed_templates.json"
	for template in json.loads(path.read_text()):
		if frappe.db.exists("Flow Template", template["title"]):
			continue
		steps = [
			{**step, "params": json.dumps(step["params"], ensure_ascii=False, indent=1)}
			if "params" in step
			else step
			for step in template["steps"]
		]
		frappe.get_doc({"doctype": "Flow Template", **template, "enabled": 1, "steps": steps}).insert(
			ignore_permissions=True
		)
