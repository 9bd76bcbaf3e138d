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

	from gigafibre.reports.setup import ensure_indexes

	ensure_indexes()
	ensure_staff_rights()

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


# Rights ERPNext's standard rules do not give that our staff need, as Custom DocPerm rows (the
# standard rules copied first: a custom rule replaces them); never write.
# - The revenue reports (MRR Movements, Subscribers by Plan and Area on Subscription; Sales Tax
#   Reconciliation, Receivables by Service Status on Sales Invoice) are open to the accounting
#   roles and the Gigafibre Manager (their Has Role rows, the first gate). Frappe also asks for
#   the `report` right on the report's doctype, which ERPNext gives the accounting roles only: the
#   Gigafibre Manager gets read + report there. The Technician has neither gate.
# - ERPNext's Issue form reads Support Settings on every opening (its SLA switches), which only a
#   System Manager may read: everyone else who handles tickets got "No permission for Support
#   Settings" on each one.
STAFF_RIGHTS = (
	("Subscription", "Gigafibre Manager", ("read", "report")),
	("Sales Invoice", "Gigafibre Manager", ("read", "report")),
	("Support Settings", "Support Team", ("read",)),
	("Support Settings", "Dispatcher", ("read",)),
	("Support Settings", "Gigafibre Manager", ("read",)),
)


def ensure_staff_rights() -> None:
	from frappe.permissions import add_permission, setup_custom_perms, update_permission_property

	for doctype, role, rights in STAFF_RIGHTS:
		if not frappe.db.exists("Role", role) or not frappe.db.exists("DocType", doctype):
			continue
		setup_custom_perms(doctype)
		rule = {"parent": doctype, "role": role, "permlevel": 0, "if_owner": 0}
		if not frappe.db.exists("Custom DocPerm", rule):
			add_permission(doctype, role, 0, "read")
		for right in rights:
			if not frappe.db.get_value("Custom DocPerm", rule, right):
				update_permission_property(doctype, role, 0, right, 1, validate=False)
		frappe.clear_cache(doctype=doctype)
