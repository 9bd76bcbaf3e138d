"""A web order's contract, `/contract/<token>`: read and accept it (residential), follow the
DocuSeal signature (commercial), then pay the deposit. Served without login; the token is the
signed link the order endpoint answered with."""

import frappe
from frappe import _

from gigafibre.onboarding import acceptance
from gigafibre.onboarding.contracts import contract_hash

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
	if order.contract_status == "Signed":
		acceptance.ensure_payment_page(order)
		order.reload()
	context.state = acceptance.state(order)
	context.money = acceptance.format_money
	context.contract_html = None
	if order.contract_method == "Signed Link" and order.contract_status != "Signed":
		context.contract_html = acceptance.render(order)
		context.contract_hash = contract_hash(context.contract_html)
		context.signer_name = f"{order.first_name} {order.last_name}"
	return context
