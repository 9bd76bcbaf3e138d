"""The actions a flow step performs: one small function each, registered by catalog name.

Each takes the step's rendered parameters and the run it belongs to, does its one thing with
Frappe or a client, and returns a JSON-able output that later steps read as `steps.<step_id>`.
A failure raises; the runner retries with backoff and, after the last attempt, fails the run
with the message shown on the Flow Run.
"""

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import frappe
import requests
from frappe import _

from gigafibre.errors import InvalidValue, ServiceError
from gigafibre.flows.action_catalog import ACTIONS


@dataclass(frozen=True)
class RunContext:
	run: str
	reference_doctype: str | None
	reference_name: str | None


Action = Callable[[dict, RunContext], dict]
REGISTRY: dict[str, Action] = {}

# Documents a flow may never create or change: they hand out access or change code.
PROTECTED_DOCTYPES = frozenset(
	{
		"User",
		"Role",
		"Role Profile",
		"Has Role",
		"User Permission",
		"DocType",
		"DocPerm",
		"Custom DocPerm",
		"Custom Field",
		"Property Setter",
		"Server Script",
		"Client Script",
		"System Settings",
		"Gigafibre Settings",
		"Flow Template",
		"Flow Run",
	}
)
WEBHOOK_TIMEOUT_MAX = 30


def action(name: str) -> Callable[[Action], Action]:
	if name not in ACTIONS:
		raise KeyError(f"{name} is not in the action catalog")

	def register(fn: Action) -> Action:
		REGISTRY[name] = fn
		return fn

	return register


def perform(name: str, params: dict, run: RunContext) -> dict:
	fn = REGISTRY.get(name)
	if fn is None:
		frappe.throw(_("Unknown action {0}.").format(name))
	return fn(params, run) or {}


def _writable_doctype(doctype: str) -> str:
	if not doctype or not frappe.db.exists("DocType", doctype):
		frappe.throw(_("Document type {0} does not exist.").format(doctype))
	if doctype in PROTECTED_DOCTYPES:
		frappe.throw(_("A flow cannot write {0} documents.").format(_(doctype)))
	return doctype


def _target(params: dict, run: RunContext) -> tuple[str, str]:
	"""The document an action works on: the one named in params, else the run's reference."""
	doctype = params.get("doctype") or run.reference_doctype
	name = params.get("name") or run.reference_name
	if not (doctype and name):
		frappe.throw(_("No document to work on: give doctype and name."))
	return _writable_doctype(doctype), name


DEFERRED = "Deferred"


def _held(sent) -> bool:
	"""Whether the outbox holds the message for the quiet hours (stored, sent when they end)."""
	return sent.status == "Queued" and bool(sent.not_before)


@action("send_sms")
def send_sms(params: dict, run: RunContext) -> dict:
	"""Through the outbox, attempted at once: Sent gives Twilio's SID; a timeout (Unknown) is left
	to the outbox, which looks the message up before sending it again, so the step succeeds; a
	refusal (a number that answered STOP among them) or an error that sent nothing fails the step
	(its row rolled back with it), which the runner retries. Keyed by run, number and text: a
	retried step never queues it twice. `quiet_hours: true`: during the settings' quiet hours the
	message is held until they end, and the step succeeds with status Deferred and `not_before`."""
	from gigafibre.messaging import outbox
	from gigafibre.messaging.twilio_sms import checked_sms

	to, body = checked_sms(params["to"], params["body"])
	key = hashlib.sha256(f"{to}\n{body}".encode()).hexdigest()[:32]
	name = outbox.queue(
		"SMS",
		to,
		body,
		reference_doctype=run.reference_doctype,
		reference_name=run.reference_name,
		dedupe_key=f"flow:{run.run}:{key}",
		now=True,
		quiet_hours=bool(params.get("quiet_hours")),
	)
	sent = outbox.status(name)
	if _held(sent):
		return {"status": DEFERRED, "not_before": sent.not_before, "to": to, "message": name}
	if sent.status in ("Failed", "Queued"):
		raise ServiceError("{0}", sent.last_error or sent.status, retryable=sent.status == "Queued")
	return {"sid": sent.provider_id, "status": sent.status, "to": to, "message": name}


@action("send_email")
def send_email(params: dict, run: RunContext) -> dict:
	"""Handed to Frappe's email queue at once; with `quiet_hours: true` through the outbox instead
	(one Outgoing Message per recipient, keyed by run, recipient and subject), held until the end
	of the quiet hours when it is queued during them (status Deferred, with `not_before`)."""
	recipients = params["recipients"]
	if isinstance(recipients, str):
		recipients = [r.strip() for r in recipients.replace(";", ",").split(",") if r.strip()]
	subject, message = params.get("subject"), params.get("message")
	if params.get("email_template"):
		template = frappe.get_doc("Email Template", params["email_template"])
		doc = (
			frappe.get_doc(run.reference_doctype, run.reference_name).as_dict() if run.reference_name else {}
		)
		rendered = template.get_formatted_email(doc)
		subject, message = rendered["subject"], rendered["message"]
	if params.get("quiet_hours"):
		return _email_through_outbox(recipients, subject, message, run)
	frappe.sendmail(
		recipients=recipients,
		subject=subject,
		message=message,
		reference_doctype=run.reference_doctype,
		reference_name=run.reference_name,
	)
	return {"recipients": recipients, "subject": subject}


def _email_through_outbox(recipients: list, subject: str, message: str, run: RunContext) -> dict:
	from gigafibre.messaging import outbox

	names, not_before = [], None
	for recipient in recipients:
		key = hashlib.sha256(f"{recipient}\n{subject}".encode()).hexdigest()[:32]
		name = outbox.queue(
			"Email",
			recipient,
			message,
			subject=subject,
			reference_doctype=run.reference_doctype,
			reference_name=run.reference_name,
			dedupe_key=f"flow:{run.run}:{key}",
			now=True,
			quiet_hours=True,
		)
		sent = outbox.status(name)
		if _held(sent):
			not_before = sent.not_before
		elif sent.status in ("Failed", "Queued"):
			raise ServiceError("{0}", sent.last_error or sent.status, retryable=sent.status == "Queued")
		names.append(name)
	out = {"recipients": recipients, "subject": subject, "messages": names}
	if not_before:
		out.update(status=DEFERRED, not_before=not_before)
	return out


@action("create_document")
def create_document(params: dict, run: RunContext) -> dict:
	doctype = _writable_doctype(params["doctype"])
	doc = frappe.get_doc({**params["fields"], "doctype": doctype})
	doc.insert(ignore_permissions=True)
	return {"doctype": doctype, "name": doc.name}


@action("set_value")
def set_value(params: dict, run: RunContext) -> dict:
	doctype, name = _target(params, run)
	doc = frappe.get_doc(doctype, name)
	doc.update(params["values"])
	doc.save(ignore_permissions=True)
	return {"doctype": doctype, "name": name}


@action("assign_technician")
def assign_technician(params: dict, run: RunContext) -> dict:
	job_name = params.get("job") or (run.reference_name if run.reference_doctype == "Dispatch Job" else None)
	if not job_name:
		frappe.throw(_("No dispatch job to assign: give the job parameter."))
	if not frappe.db.exists("Technician", {"name": params["technician"], "active": 1}):
		frappe.throw(_("Technician {0} does not exist or is not active.").format(params["technician"]))
	job = frappe.get_doc("Dispatch Job", job_name)
	job.technician = params["technician"]
	job.save(ignore_permissions=True)
	return {"job": job.name, "technician": job.technician, "status": job.status}


@action("publish_realtime")
def publish_realtime(params: dict, run: RunContext) -> dict:
	frappe.publish_realtime(
		params["event"],
		params.get("message") or {},
		room=params.get("room"),
		user=params.get("user"),
		doctype=params.get("doctype"),
		docname=params.get("docname"),
		after_commit=True,
	)
	return {"event": params["event"]}


@action("call_webhook")
def call_webhook(params: dict, run: RunContext) -> dict:
	url = str(params["url"])
	if not url.startswith(("https://", "http://")):
		frappe.throw(_("The webhook URL must start with http:// or https://."))
	method = str(params.get("method") or "POST").upper()
	if method not in ("GET", "POST", "PUT", "PATCH", "DELETE"):
		frappe.throw(_("HTTP method {0} is not allowed.").format(method))
	timeout = min(float(params.get("timeout") or 10), WEBHOOK_TIMEOUT_MAX)
	try:
		response = requests.request(
			method,
			url,
			json=params.get("json") if "json" in params else params.get("body"),
			headers=params.get("headers") or {},
			timeout=timeout,
		)
	except requests.RequestException as err:
		raise ServiceError(_("The webhook {0} could not be reached: {1}"), url, err, retryable=True) from err
	if response.status_code >= 400:
		raise ServiceError(
			_("The webhook {0} answered {1}."),
			url,
			response.status_code,
			retryable=response.status_code == 429 or response.status_code >= 500,
		)
	try:
		body: Any = response.json()
	except ValueError:
		body = response.text[:2000]
	return {"status_code": response.status_code, "body": body}


@action("enqueue_method")
def enqueue_method(params: dict, run: RunContext) -> dict:
	method = params["method"]
	# Other apps extend the allow-list with their own `gigafibre_flow_methods` hook.
	if method not in frappe.get_hooks("gigafibre_flow_methods"):
		frappe.throw(_("Method {0} is not allowed for flows.").format(method))
	job = frappe.enqueue(
		method,
		queue=params.get("queue") or "default",
		enqueue_after_commit=True,
		flow_run=run.run,
		**(params.get("kwargs") or {}),
	)
	return {"method": method, "job_id": getattr(job, "id", None)}


@action("create_todo")
def create_todo(params: dict, run: RunContext) -> dict:
	todo = frappe.get_doc(
		{
			"doctype": "ToDo",
			"description": params["description"],
			"allocated_to": params.get("allocated_to"),
			"priority": params.get("priority") or "Medium",
			"date": params.get("date"),
			"reference_type": run.reference_doctype,
			"reference_name": run.reference_name,
		}
	).insert(ignore_permissions=True)
	return {"name": todo.name}


@action("send_tech_link")
def send_tech_link(params: dict, run: RunContext) -> dict:
	from gigafibre.tech.links import send_link

	job = params.get("job") or (run.reference_name if run.reference_doctype == "Dispatch Job" else None)
	technician = params.get("technician") or (
		frappe.db.get_value("Dispatch Job", job, "technician") if job else None
	)
	if not technician:
		frappe.throw(_("No technician to send the link to: give the technician parameter."))
	return {"link": send_link(technician, job)}


@action("text_affected_customers")
def text_affected_customers(params: dict, run: RunContext) -> dict:
	"""One SMS per mobile number among the customers of the outage's affected locations (the
	run's Outage, or `outage`). A number that opted out or that Twilio refuses is counted, not
	retried: a retry would text again everyone already reached. Fails (and is retried) only when
	nobody could be reached for a reason that may pass (Twilio down)."""
	from gigafibre.messaging.phone import to_e164
	from gigafibre.messaging.service import sms_client

	outage = params.get("outage") or (run.reference_name if run.reference_doctype == "Outage" else None)
	if not outage or not frappe.db.exists("Outage", outage):
		frappe.throw(_("No outage to text about: run this on an Outage or give outage."))
	numbers: list[str] = []
	for row in frappe.get_doc("Outage", outage).affected_locations:
		phones = [frappe.db.get_value("Customer", row.customer, "mobile_no") if row.customer else None]
		phones += frappe.get_all(
			"Service Location Contact", filters={"parent": row.service_location}, pluck="phone"
		)
		for phone in phones:
			try:
				number = to_e164(phone) if phone else None
			except InvalidValue:
				number = None
			if number and number not in numbers:
				numbers.append(number)
	client = sms_client()
	sent, refused, retryable = 0, [], []
	for number in numbers:
		try:
			client.send(number, params["body"])
			sent += 1
		except ServiceError as err:
			(retryable if err.retryable else refused).append(number)
	if numbers and not sent and retryable:
		raise ServiceError(_("No affected customer could be texted; Twilio did not answer."), retryable=True)
	return {
		"outage": outage,
		"numbers": len(numbers),
		"sent": sent,
		"refused": len(refused),
		"failed": len(retryable),
	}
