"""Frappe shell for the network clients: clients built from Gigafibre Settings, live device
summaries (never stored, seed §6) with the modem bridge's readings for the models that need it,
device tasks, and the Dispatch Job acceptance gate."""

from datetime import datetime, timezone

import frappe
from frappe import _

from gigafibre.errors import GigafibreError, ServiceError
from gigafibre.network import acceptance, bridge_summary
from gigafibre.network.bridge_client import BridgeClient
from gigafibre.network.genieacs import SUMMARY_PROJECTION, GenieAcsClient
from gigafibre.network.genieacs_summary import summarize
from gigafibre.network.oktopus import OktopusClient
from gigafibre.roles import STAFF_ROLES

OVERRIDE_ROLES = STAFF_ROLES
# Short enough for a person waiting on a save (the gate runs while a job is completed).
GATE_TIMEOUT_S = 5.0
# A person waits on the summary, but a bridge read logs into the modem's UI in a browser: the
# bridge's own bound (30 s by default) plus a margin, so its 504 arrives before our timeout.
BRIDGE_TIMEOUT_S = 40.0


class NetworkUnavailable(frappe.ValidationError):
	"""GenieACS not configured or not answering: 503."""

	http_status_code = 503


class AcceptanceFailed(frappe.ValidationError):
	"""The network acceptance gate refused a completion: 417 like any validation error."""


def settings():
	return frappe.get_cached_doc("Gigafibre Settings")


def message(err: GigafibreError) -> str:
	return _(err.message).format(*err.args_)


def genieacs_client(timeout: float = 10.0, retries: int = 2) -> GenieAcsClient | None:
	"""A client from settings, or None when no GenieACS URL is set."""
	doc = settings()
	url = (doc.get("genieacs_url") or "").strip()
	if not url:
		return None
	return GenieAcsClient(
		url,
		username=doc.get("genieacs_username") or None,
		password=doc.get_password("genieacs_password", raise_exception=False) or None,
		timeout=timeout,
		retries=retries,
	)


def oktopus_configured() -> bool:
	"""Oktopus's URL and API user are set (the password is checked when the client is built)."""
	doc = settings()
	return bool((doc.get("oktopus_url") or "").strip() and (doc.get("oktopus_email") or "").strip())


def oktopus_client(timeout: float = 10.0, retries: int = 2) -> OktopusClient | None:
	"""A client from settings, or None when Oktopus's URL, API user or password is not set."""
	doc = settings()
	password = doc.get_password("oktopus_password", raise_exception=False) if oktopus_configured() else None
	if not password:
		return None
	return OktopusClient(
		doc.oktopus_url.strip(), doc.oktopus_email.strip(), password, timeout=timeout, retries=retries
	)


def require_genieacs() -> GenieAcsClient:
	client = genieacs_client()
	if client is None:
		frappe.throw(
			_("GenieACS is not configured: set its URL in Gigafibre Settings."), exc=NetworkUnavailable
		)
	return client


def raise_service(err: GigafibreError) -> None:
	if isinstance(err, ServiceError):
		frappe.throw(message(err), exc=NetworkUnavailable)
	frappe.throw(message(err))


# Devices


def equipment_for_device(device_id: str) -> dict | None:
	return frappe.db.get_value(
		"Service Equipment",
		{"acs_device_id": device_id},
		["name", "equipment_type", "status", "service_location", "customer"],
		as_dict=True,
	)


def lookup_devices(serial: str | None = None, mac: str | None = None, tag: str | None = None) -> list[dict]:
	"""Devices found by serial, MAC or tag, each summarized, with the Service Equipment that points at it."""
	client = require_genieacs()
	try:
		if serial:
			found = client.device_by_serial(serial, SUMMARY_PROJECTION)
			devices = [found] if found else []
		elif mac:
			found = client.device_by_mac(mac, SUMMARY_PROJECTION)
			devices = [found] if found else []
		else:
			devices = client.devices_by_tag(tag or "", SUMMARY_PROJECTION)
	except GigafibreError as err:
		raise_service(err)
	finally:
		client.close()
	out = []
	for device in devices:
		data = summarize(device).to_dict()
		data["equipment"] = equipment_for_device(data["device_id"])
		out.append(data)
	return out


def device_summary(device_id: str) -> dict:
	"""The live summary of one device; 404 when GenieACS does not know it."""
	client = require_genieacs()
	try:
		device = client.get_device(device_id, SUMMARY_PROJECTION)
	except GigafibreError as err:
		raise_service(err)
	finally:
		client.close()
	if device is None:
		frappe.throw(_("GenieACS does not know device {0}.").format(device_id), exc=frappe.DoesNotExistError)
	data = summarize(device).to_dict()
	data["equipment"] = equipment_for_device(device_id)
	data["fetched_at"] = datetime.now(timezone.utc).isoformat()
	return add_bridge_values(data, device)


def add_bridge_values(data: dict, device: dict) -> dict:
	"""The summary with the modem bridge's readings (see bridge_summary) when the device's model is
	listed in `modem_bridge_models` and the bridge URL is set. A failed read never fails the
	summary: it adds `bridge_error` instead."""
	doc = settings()
	bridge_url = (doc.get("modem_bridge_url") or "").strip()
	if not bridge_url or not bridge_summary.uses_bridge(data.get("model"), doc.get("modem_bridge_models")):
		return data
	modem = bridge_summary.modem_url(data)
	if not modem:
		data["bridge_error"] = _(
			"The modem bridge was not asked: GenieACS knows no WAN address for this modem."
		)
		return data
	try:
		client = BridgeClient(
			bridge_url,
			doc.get_password("modem_bridge_token", raise_exception=False) or "",
			timeout=BRIDGE_TIMEOUT_S,
		)
		try:
			values = client.read(
				modem,
				doc.get("modem_web_username") or "admin",
				doc.get_password("modem_web_password", raise_exception=False) or "",
				bridge_summary.bridge_paths(device),
			)
		finally:
			client.close()
	except GigafibreError as err:
		data["bridge_error"] = _("The modem bridge could not read the modem: {0}").format(message(err))
		return data
	return bridge_summary.merge_bridge(data, device, values)


def run_task(device_id: str, action: str, parameters: list | None = None) -> dict:
	"""refresh (parameters: [object name]), reboot, or set (parameters: [[path, value(, xsd type)], …])."""
	client = require_genieacs()
	try:
		if action == "refresh":
			result = client.refresh(device_id, (parameters or [""])[0] if parameters else "")
		elif action == "reboot":
			result = client.reboot(device_id)
		elif action == "set":
			values = [tuple(p) for p in (parameters or []) if isinstance(p, list | tuple) and len(p) >= 2]
			if not values or len(values) != len(parameters or []):
				frappe.throw(_("Give the parameters to set as [[path, value], …]."))
			result = client.set_parameter_values(device_id, values)
		else:
			frappe.throw(_("Unknown device action {0}: use refresh, reboot or set.").format(action))
	except GigafibreError as err:
		raise_service(err)
	finally:
		client.close()
	return {
		"device_id": result.device_id,
		"task": result.name,
		"task_id": result.task_id,
		"done": result.done,
		"queued": not result.done,
	}


# Acceptance gate


def installed_ont(service_location: str | None) -> dict | None:
	if not service_location:
		return None
	rows = frappe.get_all(
		"Service Equipment",
		filters={
			"service_location": service_location,
			"equipment_type": "ONT",
			"status": "Installed",
			"acs_device_id": ("is", "set"),
		},
		fields=["name", "acs_device_id"],
		order_by="modified desc",
		limit=1,
	)
	return rows[0] if rows else None


def thresholds() -> acceptance.Thresholds:
	doc = settings()
	return acceptance.Thresholds.from_settings(
		doc.get("acceptance_rx_min"), doc.get("acceptance_rx_max"), doc.get("acceptance_inform_minutes")
	)


def evaluate_job(job) -> acceptance.Decision:
	"""The gate's decision for a job's location. Not Checked (never blocks) when GenieACS is not
	configured; Failed when it cannot be reached (a dispatcher may override)."""
	client = genieacs_client(timeout=GATE_TIMEOUT_S, retries=1)
	if client is None:
		return acceptance.not_checked("GenieACS is not configured: the network was not checked.")
	ont = installed_ont(job.service_location)
	device_id = ont.acs_device_id if ont else None
	summary = None
	try:
		if device_id:
			device = client.get_device(device_id, SUMMARY_PROJECTION)
			summary = summarize(device).to_dict() if device else None
	except GigafibreError as err:
		return acceptance.failed("GenieACS could not be reached: {0}", message(err))
	finally:
		client.close()
	return acceptance.evaluate_summary(device_id, summary, datetime.now(timezone.utc), thresholds())


def describe(decision: acceptance.Decision) -> str:
	lines = [_(template).format(*args) for template, args in decision.reasons]
	if decision.status == acceptance.PASSED and decision.facts:
		f = decision.facts
		lines.append(
			_("Device {0} informed {1} minutes ago; optical rx {2} dBm.").format(
				f["device_id"], f["inform_age_minutes"], f["rx_dbm"]
			)
		)
	return "\n".join(lines)


def check_job_acceptance(job) -> None:
	"""Called from Dispatch Job.validate when an Install or Repair job enters Completed.

	Stores the result on the job (acceptance_status / _checked_at / _details). A failed gate blocks
	the completion with its reasons, unless `acceptance_override` is set with a reason: then the
	status is Overridden. Only a Dispatcher (or a Gigafibre/System Manager) may tick the override,
	at any time (typically after the technician was blocked); the technician then completes. When GenieACS is not
	configured the status is Not Checked and nothing is blocked. A blocked result is recorded on the
	saved job even though the save is rolled back (after the rollback, see `_record_after_rollback`).
	"""
	before = None if job.is_new() else job.get_doc_before_save()
	if job.acceptance_override and not (before and before.acceptance_override):
		if not OVERRIDE_ROLES & set(frappe.get_roles()):
			frappe.throw(
				_("Only a dispatcher can override the network acceptance check."), exc=frappe.PermissionError
			)
		if not (job.acceptance_override_reason or "").strip():
			frappe.throw(_("Give a reason to override the network acceptance check."))
	if not acceptance.needs_gate(job.job_type, before.status if before else None, job.status):
		return
	decision = evaluate_job(job)
	details = describe(decision)
	status = decision.status
	if decision.blocks and job.acceptance_override:
		status = acceptance.OVERRIDDEN
		details = "\n".join([_("Overridden: {0}").format(job.acceptance_override_reason), details])
	values = {
		"acceptance_status": status,
		"acceptance_checked_at": frappe.utils.now_datetime(),
		"acceptance_details": details,
	}
	job.update(values)
	if status == acceptance.FAILED:
		if not job.is_new():
			_record_after_rollback(job.name, values)
		frappe.throw(
			_("The network acceptance check failed: {0}").format(details),
			title=_("Network not ready"),
			exc=AcceptanceFailed,
		)


def _record_after_rollback(name: str, values: dict) -> None:
	"""Keep the failed result on the job: written now (tests, callers that do not roll back) and
	again after the request's rollback, committed on its own."""
	frappe.db.set_value("Dispatch Job", name, values, update_modified=False)

	def write():
		frappe.db.set_value("Dispatch Job", name, values, update_modified=False)
		frappe.db.commit()  # nosemgrep: the request was rolled back; this row is the gate's record

	if not frappe.flags.in_test:  # a test's rollback would run it long after the test
		frappe.db.after_rollback.add(write)
