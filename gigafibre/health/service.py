"""The health report on the Frappe side: facts collected from Gigafibre Settings, one cheap call
to each configured service (all at once, a few seconds at most), outgoing email, the scheduler,
the RQ workers, wkhtmltopdf and rows left unfinished; then `checks.evaluate` and translation.

Used by the desk page (`gigafibre.api.health.report`) and `bench --site S gigafibre-doctor`.
"""

import shutil
from collections.abc import Callable

import frappe
from frappe import _
from frappe.utils import add_to_date, now_datetime

from gigafibre.errors import GigafibreError
from gigafibre.health import checks

SETTINGS = "Gigafibre Settings"
# Each service's own bound; the report waits for all of them at most DEADLINE_S.
PROBE_TIMEOUT_S = 3.0
DEADLINE_S = 5.0
OTHER_FIELDS = ("portal_base_url", "tech_base_url", "jwt_secret", "oktopus_mqtt_host")


def report(probe: bool = True) -> dict:
	"""The report as the page and the command show it: overall status and translated lines."""
	lines = checks.evaluate(collect(probe=probe))
	return {
		"status": checks.overall(lines),
		"checked_at": str(now_datetime().replace(microsecond=0)),
		"lines": [translate(line) for line in lines],
	}


def translate(line: checks.Line) -> dict:
	return {
		"key": line.key,
		"title": _(line.title).format(*line.title_args),
		"status": line.status,
		"detail": _(line.detail).format(*(_text(a) for a in line.detail_args)),
		"fix": _(line.fix) if line.fix else "",
	}


def collect(probe: bool = True) -> checks.Facts:
	doc = frappe.get_single(SETTINGS)
	settings = settings_facts(doc)
	meta = frappe.get_meta(SETTINGS)
	labels = {name: _(meta.get_label(name)) for name in settings}
	integrations = tuple(i.key for i in checks.INTEGRATIONS if i.key != "traccar" or _has_traccar_client())
	configured = {
		i.key for i in checks.INTEGRATIONS if i.key in integrations and all(settings[f] for f in i.required)
	}
	probes = run_probes(doc, configured) if probe else {}
	workers, queues = worker_facts()
	stuck, given_up, email_errors = stuck_facts()
	failed_suspensions = stuck.pop("failed_suspensions", 0)
	return checks.Facts(
		settings=settings,
		labels=labels,
		probes=probes,
		integrations=integrations,
		outgoing_email=outgoing_email_set(),
		scheduler=scheduler_state(),
		workers=workers,
		queues=queues,
		wkhtmltopdf=bool(shutil.which("wkhtmltopdf")),
		stuck=stuck,
		given_up_webhooks=given_up,
		failed_suspensions=failed_suspensions,
		email_errors=email_errors,
		oktopus_worker=oktopus_worker_state(),
	)


def settings_facts(doc) -> dict[str, bool]:
	"""Which settings fields are set (Password fields through the password store)."""
	fields = {f for i in checks.INTEGRATIONS for f in (*i.required, *i.recommended)} | set(OTHER_FIELDS)
	meta = frappe.get_meta(SETTINGS)
	found = {}
	for name in sorted(fields):
		df = meta.get_field(name)
		if df and df.fieldtype == "Password":
			found[name] = bool(doc.get_password(name, raise_exception=False))
		else:
			value = doc.get(name)
			found[name] = bool(value.strip() if isinstance(value, str) else value)  # an Int 0 is unset
	return found


def portal_base_url() -> str:
	"""The customer portal's address, or "" when it is not set (no fallback: the site's own address
	is the desk's login page, not the portal)."""
	return (frappe.db.get_single_value(SETTINGS, "portal_base_url") or "").strip().rstrip("/")


# ------------------------------------------------------------------ outside services


def run_probes(doc, configured: set[str]) -> dict[str, str | None]:
	"""One cheap authenticated call per configured service, all at once: None when it answered,
	else what went wrong (translated)."""
	calls: dict[str, Callable[[], object]] = {}
	closers = []
	failed: dict[str, str | None] = {}
	for key in sorted(configured):
		build = PROBES.get(key)
		if build is None:
			continue
		try:
			call, close = build(doc)
		except GigafibreError as err:  # the client refused its settings
			failed[key] = _text(err)
			continue
		calls[key] = call
		if close:
			closers.append(close)
	results = checks.probe_all(calls, DEADLINE_S)
	for close in closers:
		try:
			close()
		except Exception:
			pass
	return {**failed, **{key: None if err is None else _text(err) for key, err in results.items()}}


def _stripe(doc):
	from gigafibre.payments.stripe_client import StripePayments

	client = StripePayments(
		doc.get_password("stripe_secret_key", raise_exception=False),
		api_base=doc.stripe_api_base or None,
		timeout=PROBE_TIMEOUT_S,
		max_network_retries=0,
	)
	return client.check, None


def _twilio(doc):
	from gigafibre.messaging.twilio_sms import TwilioSms

	client = TwilioSms(
		account_sid=doc.twilio_account_sid,
		auth_token=doc.get_password("twilio_auth_token", raise_exception=False),
		sender=doc.twilio_from_number,
		api_base=doc.twilio_api_base or None,
		timeout=PROBE_TIMEOUT_S,
	)
	return client.check, None


def _gemini(doc):
	from gigafibre.vision.client import VisionClient

	client = VisionClient(
		api_key=doc.get_password("gemini_api_key", raise_exception=False),
		model=doc.gemini_model or None,
		base_url=doc.gemini_api_base or None,
		timeout=PROBE_TIMEOUT_S,
	)
	return client.check, None


def _genieacs(doc):
	from gigafibre.network.genieacs import GenieAcsClient

	client = GenieAcsClient(
		doc.genieacs_url,
		username=doc.genieacs_username or None,
		password=doc.get_password("genieacs_password", raise_exception=False) or None,
		timeout=PROBE_TIMEOUT_S,
		retries=0,
	)
	# A search for a device that cannot exist: authenticated, answers an empty list.
	return (lambda: client.find_devices({"_id": "gigafibre-health-check"}, ["_id"], limit=1)), client.close


def _oktopus(doc):
	from gigafibre.network.oktopus import OktopusClient

	client = OktopusClient(
		doc.oktopus_url,
		doc.oktopus_email,
		doc.get_password("oktopus_password", raise_exception=False),
		timeout=PROBE_TIMEOUT_S,
		retries=0,
	)
	return client.login, client.close


def _modem_bridge(doc):
	from gigafibre.network.bridge_client import BridgeClient

	client = BridgeClient(
		doc.modem_bridge_url,
		doc.get_password("modem_bridge_token", raise_exception=False),
		timeout=PROBE_TIMEOUT_S,
		retries=0,
	)
	return client.check, client.close


def _traccar(doc):
	from gigafibre.field.traccar import TraccarClient

	user = (doc.get("traccar_user") or "").strip()
	client = TraccarClient(
		doc.traccar_url,
		user or None,
		doc.get_password("traccar_password", raise_exception=False) if user else None,
		doc.get_password("traccar_token", raise_exception=False) if doc.get("traccar_token") else None,
		timeout=PROBE_TIMEOUT_S,
		retries=0,
	)
	return client.login, client.close


PROBES = {
	"stripe": _stripe,
	"twilio": _twilio,
	"gemini": _gemini,
	"genieacs": _genieacs,
	"oktopus": _oktopus,
	"modem_bridge": _modem_bridge,
	"traccar": _traccar,
}


def _has_traccar_client() -> bool:
	import importlib.util

	return importlib.util.find_spec("gigafibre.field.traccar") is not None


def oktopus_worker_state() -> str | None:
	""" "running", what is wrong, or None when the worker does not report its state (yet)."""
	try:
		from gigafibre.network import device_events
	except ImportError:
		return None
	status = getattr(device_events, "worker_status", None)
	if status is None:
		return None
	try:
		state = status()
	except Exception as err:
		return _text(err)
	if state is None:
		return _("it has never reported")
	if isinstance(state, dict):
		if state.get("connected"):
			return "running"
		return _("not connected to {0} since {1}").format(
			state.get("broker") or "?", state.get("disconnected_at") or "?"
		)
	return "running" if state else _("not connected")


# ------------------------------------------------------------------ the site itself


def outgoing_email_set() -> bool:
	return bool(
		frappe.db.exists("Email Account", {"enable_outgoing": 1, "default_outgoing": 1})
		or frappe.conf.get("mail_server")
	)


def scheduler_state() -> str:
	from frappe.utils.scheduler import is_scheduler_disabled, is_scheduler_inactive

	if is_scheduler_disabled(verbose=False):
		return "disabled"
	if is_scheduler_inactive(verbose=False):
		return "paused"
	return "enabled"


def worker_facts() -> tuple[dict[str, int] | None, tuple[str, ...]]:
	"""Live RQ workers per queue of this bench, or None when the queue's Redis does not answer."""
	from frappe.utils.background_jobs import generate_qname, get_queue_list, get_workers

	queues = tuple(get_queue_list())
	try:
		listening = [set(worker.queue_names()) for worker in get_workers()]
	except Exception:  # Redis down or refusing: the line says so
		return None, queues
	return {q: sum(generate_qname(q) in names for names in listening) for q in queues}, queues


def stuck_facts() -> tuple[dict[str, int], int, int]:
	from gigafibre.webhooks.intake import MAX_ATTEMPTS

	now = now_datetime()
	cutoff = add_to_date(now, minutes=-checks.STUCK_MINUTES)
	stuck = {
		"webhook_events": frappe.db.count(
			"Webhook Event", {"status": ("in", ("Received", "Processing")), "modified": ("<", cutoff)}
		),
		"flow_runs": frappe.db.count(
			"Flow Run", {"status": ("in", ("Pending", "Running")), "modified": ("<", cutoff)}
		)
		+ frappe.db.count("Flow Run", {"status": "Waiting", "wake_at": ("<", cutoff)}),
		"emails": frappe.db.count("Email Queue", {"status": "Not Sent", "creation": ("<", cutoff)}),
	}
	if frappe.db.exists("DocType", "Outgoing Message"):
		stuck["outgoing_messages"] = _stuck_outgoing(cutoff)
	if frappe.db.exists("DocType", "Service Suspension"):
		stuck["suspensions"] = _stuck_suspensions(cutoff)
		stuck["failed_suspensions"] = frappe.db.count("Service Suspension", {"status": "Failed"})
	given_up = frappe.db.count("Webhook Event", {"status": "Failed", "attempts": (">=", MAX_ATTEMPTS)})
	email_errors = frappe.db.count(
		"Email Queue", {"status": "Error", "modified": (">", add_to_date(now, hours=-24))}
	)
	return stuck, given_up, email_errors


def _stuck_outgoing(cutoff) -> int:
	"""Outgoing Messages still to leave (queued, sending, or sent with no answer yet) untouched
	since the cutoff, and not waiting for a retry planned later."""
	meta = frappe.get_meta("Outgoing Message")
	status = meta.get_field("status")
	options = [o for o in ((status.options if status else "") or "").split("\n") if o]
	waiting = [o for o in options if o in ("Queued", "Sending", "Unknown")]
	if not waiting:
		return 0
	filters = {"status": ("in", waiting), "modified": ("<", cutoff)}
	if not meta.get_field("next_attempt_at"):
		return frappe.db.count("Outgoing Message", filters)
	return frappe.db.count(
		"Outgoing Message", {**filters, "next_attempt_at": ("is", "not set")}
	) + frappe.db.count("Outgoing Message", {**filters, "next_attempt_at": ("<", cutoff)})


def _stuck_suspensions(cutoff) -> int:
	"""Service Suspensions left unfinished past their time: proposed and due before the cutoff, or
	pending (with no retry planned later) or running and untouched since the cutoff."""
	doctype = "Service Suspension"
	untouched = {"modified": ("<", cutoff)}
	return (
		frappe.db.count(doctype, {"status": "Proposed", "scheduled_at": ("<", cutoff)})
		+ frappe.db.count(doctype, {**untouched, "status": "Pending", "next_attempt_at": ("is", "not set")})
		+ frappe.db.count(doctype, {**untouched, "status": "Pending", "next_attempt_at": ("<", cutoff)})
		+ frappe.db.count(doctype, {**untouched, "status": "Running"})
	)


def _text(value) -> str:
	if isinstance(value, checks.ProbeTimeout):
		return _("no answer within {0} s").format(f"{value.seconds:g}")
	if isinstance(value, GigafibreError):
		return _(value.message).format(*value.args_)
	if isinstance(value, BaseException):
		return (str(value) or value.__class__.__name__)[:300]
	return str(value)
