"""A web order's contract, `/contract/<token>`: read and accept it (residential), follow the
DocuSeal signature (commercial), then pay the deposit. Served without login; the token is the
signed link the order endpoint answered with."""

import frappe
from frappe import _

from gigafibre.onboarding import acceptance

no_cache = 1


def get_context(context):
	frappe.local.lang = "fr"
	context.no_cache = 1
	context.lang = "fr"
	context.error = None
	context.token = frappe.form_dict.get("token") or ""
	context.just_paid = frappe.form_dict.get("paid") == "1"
	try:
		order = acceptance.order_for_token(context.token)
	except frappe.AuthenticationError as refused:
		context.error = str(refused) or _("This link is not valid.")
		frappe.clear_messages()
		return context
	context.state = acceptance.page(order)
	context.money = acceptance.format_money
	context.contract_html = context.state.get("contract_html")
	context.contract_hash = context.state.get("contract_hash")
	context.signer_name = context.state.get("signer_name")
	return context
