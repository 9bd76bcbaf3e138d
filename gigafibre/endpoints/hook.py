"""Every gigafibre endpoint's parameters checked on Frappe's request path, in one place.

A request to a whitelisted gigafibre method with a parameter missing, blank, malformed JSON or
of the wrong type answers 400 with a French message naming the parameter
(`gigafibre.endpoints.params` decides, from the function's own signature and annotations), instead
of the TypeError or JSONDecodeError the call would raise (500). New endpoints are covered
without anyone listing them: declaring the parameter in the signature is the declaration.

Where it runs: the last of `auth_hooks` (hooks.py). Frappe runs those inside `validate_auth()`,
after the session cookie, API keys, OAuth and our portal bearer have set the user, and right
before it dispatches the call (`frappe.api.handle` -> `execute_cmd`). A `before_request` hook
runs earlier, before header authentication: it would see every token-authenticated caller as
Guest. Here the hook only acts on a call Frappe will let through — the method resolved as
Frappe resolves it (the v1/v2 `/api/method/` routes or `cmd`, the last
`override_whitelisted_methods` hook, no server script), whitelisted, open to this user, and
allowed for this HTTP method; anything else is left to Frappe's own 401/403/404, so a guest
learns nothing about a staff endpoint's parameters. Nothing is read from the database or
written before the check, and values are only changed where the check decoded or converted them.

Decoded JSON values for a guest endpoint that is not `xss_safe` are sanitized the way Frappe
sanitizes a guest's text fields (`frappe.is_whitelisted` only sees the top-level strings).
"""

import frappe
from frappe import _

from gigafibre.endpoints.params import BadParameter, bind


class InvalidParameter(frappe.ValidationError):
	"""A parameter the caller got wrong: 400 Bad Request (a ValidationError for code that catches those)."""

	http_status_code = 400


def check_parameters() -> None:
	"""`auth_hooks` entry: refuse the call before it runs when its parameters do not fit its signature."""
	fn = endpoint()
	if fn is None:
		return
	form = frappe.local.form_dict
	try:
		changed = bind(fn, {key: value for key, value in form.items() if key != "cmd"})
	except BadParameter as err:
		frappe.throw(_(err.message).format(err.param), exc=InvalidParameter)
	if changed and frappe.session.user == "Guest" and fn not in frappe.xss_safe_methods:
		changed = {key: _sanitized(value) for key, value in changed.items()}
	form.update(changed)


def endpoint():
	"""The gigafibre function this request will call, if Frappe lets it through; None otherwise."""
	request = getattr(frappe.local, "request", None)
	if request is None:
		return None
	cmd = method_name(request)
	if not cmd:
		return None
	for hook in reversed(frappe.get_hooks("override_whitelisted_methods", {}).get(cmd, [])):
		cmd = hook
		break
	if not cmd.startswith("gigafibre."):
		return None
	from frappe.core.doctype.server_script.server_script_utils import get_server_script_map

	if get_server_script_map().get("_api", {}).get(cmd):
		return None
	try:
		fn = frappe.get_attr(cmd)
	except Exception:
		return None  # Frappe answers it
	fn = getattr(fn, "__func__", fn)
	if fn not in frappe.whitelisted or not getattr(fn, "__module__", "").startswith("gigafibre."):
		return None
	if frappe.session.user == "Guest":
		authorization = (frappe.get_request_header("Authorization") or "").split(" ")
		if fn not in frappe.guest_methods or len(authorization) == 2:
			return None  # Frappe answers 403, or 401 for credentials it could not use
	if request.method not in frappe.allowed_http_methods_for_whitelisted_func.get(fn, ()):
		return None
	return fn


def method_name(request) -> str | None:
	"""The dotted method a request calls, read as `frappe.app` and `frappe.api` read it."""
	if frappe.local.form_dict.get("cmd"):
		return frappe.local.form_dict.cmd
	if not request.path.startswith("/api/"):
		return None
	from frappe.api import API_URL_MAP, v1, v2
	from werkzeug.exceptions import HTTPException

	try:
		handler, arguments = API_URL_MAP.bind_to_environ(request.environ).match()
	except HTTPException:
		return None
	if handler is v1.handle_rpc_call:
		return arguments["method"].split("/")[0]
	if handler is v2.handle_rpc_call:
		if arguments.get("doctype"):
			from frappe.modules.utils import load_doctype_module

			try:
				return f"{load_doctype_module(arguments['doctype']).__name__}.{arguments['method']}"
			except Exception:
				return None
		return arguments["method"]
	return None


def _sanitized(value):
	from frappe.utils import sanitize_html

	if isinstance(value, str):
		return sanitize_html(value)
	if isinstance(value, dict):
		return {key: _sanitized(item) for key, item in value.items()}
	if isinstance(value, list):
		return [_sanitized(item) for item in value]
	return value
