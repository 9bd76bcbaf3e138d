"""The technician page, `/j/<token>`: the shell of a small offline-capable app.

The page itself holds no data: the script reads the token from the address and calls
`gigafibre.api.tech.*` with it. Here we only refuse a bad, expired or revoked link with a
clear page, and hand the script its French strings.
"""

import json

import frappe
from frappe import _

from gigafibre import __version__
from gigafibre.tech.links import technician_for_token
from gigafibre.tech.page_messages import page_messages

no_cache = 1


def get_context(context):
	frappe.local.lang = "fr"
	context.no_cache = 1
	context.lang = "fr"
	context.version = __version__
	context.error = None
	try:
		technician_for_token(frappe.form_dict.get("token"))
	except frappe.AuthenticationError as refused:
		# frappe.throw raised it with the (translated) message as its argument.
		context.error = str(refused) or _("This link is not valid.")
		frappe.clear_messages()
	context.messages_json = json.dumps(page_messages(_), ensure_ascii=False)
	return context
