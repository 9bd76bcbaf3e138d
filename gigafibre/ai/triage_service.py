"""Triage on the Frappe side: the Issue's triage fields, the hooks that request a triage, the job
that runs it, the sweep that finishes what was lost or had to wait, and the on-demand summary and
reply draft (gigafibre.api.support).

Stored first: a new Issue (or an inbound message on its thread) is marked Pending with a "not
before" time before its job is enqueued; intake never waits on Gemini and never fails because of
triage. The job claims the Issue (a lease), asks Gemini through `ai.service.ask` (caps, AI Call
Log), corrects the answer with the network (`ai.triage.cross_check`) and writes the fields, then
fires `on_ticket_classified`. Over a cap or with Gemini down the Issue is Waiting and the sweep
retries it with a backoff; an answer that will not come (no key, refused, unparseable) is Failed
with its error. A message that arrives while a job runs leaves the Issue Pending after it: the
sweep triages it again once the grace period has passed.
"""

import frappe
from frappe import _
from frappe.utils import get_datetime, now_datetime

from gigafibre.ai import triage as core
from gigafibre.ai.service import AiUnavailable, ask
from gigafibre.jobs import enqueue
from gigafibre.messaging.conversations import as_text

SETTINGS = "Gigafibre Settings"
RUN = "gigafibre.ai.triage_service.run"
SWEEP_BATCH = 50
EVENT = "on_ticket_classified"

F_STATUS = "gigafibre_triage_status"
F_ATTEMPTS = "gigafibre_triage_attempts"
F_NEXT = "gigafibre_triage_next_attempt"
F_LEASE = "gigafibre_triage_leased_until"
F_ERROR = "gigafibre_triage_error"


class AssistantUnavailable(frappe.ValidationError):
	"""No model answer for a person waiting on one (over a cap, Gemini down, not set up): 503."""

	http_status_code = 503


def _job_id(issue: str) -> str:
	return f"gigafibre-triage:{issue}"


def _commit() -> None:
	if not frappe.flags.in_test:  # a test's rollback would be undone
		frappe.db.commit()


def active() -> bool:
	"""Triage runs when it is enabled and Gemini has a key (a site without Gemini marks nothing)."""
	settings = frappe.get_cached_doc(SETTINGS)
	return bool(settings.triage_enabled) and bool(
		settings.get_password("gemini_api_key", raise_exception=False)
	)


def category_names() -> tuple[str, ...]:
	return core.categories(frappe.get_cached_doc(SETTINGS).triage_categories)


# ------------------------------------------------------------------ requests (hooks: store, enqueue, never raise)


def request(issue: str, doc=None) -> None:
	"""Mark the Issue Pending (stored first, the sweep's "not before" after the grace period) and
	enqueue its job; one queued job per Issue (a burst of messages is triaged once). `doc`: the
	Issue being inserted, told the same values (a later save of it must not blank them)."""
	values = {F_STATUS: core.PENDING, F_ATTEMPTS: 0, F_NEXT: now_datetime() + core.GRACE, F_ERROR: None}
	frappe.db.set_value("Issue", issue, values, update_modified=False)
	if doc is not None:
		doc.update(values)
	enqueue(RUN, issue=issue, job_id=_job_id(issue), deduplicate=True)


def _guarded(issue: str, what: str, doc=None) -> None:
	if frappe.flags.in_install or frappe.flags.in_migrate or frappe.flags.in_patch or frappe.flags.in_import:
		return
	frappe.db.savepoint("gigafibre_triage_request")
	try:
		if active() and frappe.get_meta("Issue").has_field(F_STATUS):
			request(issue, doc)
	except Exception:
		# Intake first: a ticket or a message is never refused because triage could not be asked for.
		frappe.db.rollback(save_point="gigafibre_triage_request")
		frappe.log_error(title=_("Triage could not be requested ({0})").format(what))


def issue_created(doc, method=None) -> None:
	"""Issue after_insert."""
	_guarded(doc.name, "Issue", doc)


def message_received(doc, method=None) -> None:
	"""Communication after_insert: a message from the customer on an Issue triages its thread again."""
	if (
		doc.reference_doctype == "Issue"
		and doc.reference_name
		and doc.sent_or_received == "Received"
		and doc.communication_type == "Communication"
	):
		_guarded(doc.reference_name, "Communication")


# ------------------------------------------------------------------ reading the ticket and the network


def ticket(issue: str) -> tuple[core.Ticket, object]:
	"""The ticket as the core reads it, and the creation of its latest customer message."""
	doc = frappe.db.get_value("Issue", issue, ["subject", "description", "gigafibre_channel"], as_dict=True)
	messages = []
	if doc.description:
		messages.append(core.Message("customer", as_text(None, doc.description), doc.gigafibre_channel))
	latest = None
	for row in frappe.get_all(
		"Communication",
		filters={
			"reference_doctype": "Issue",
			"reference_name": issue,
			"communication_type": "Communication",
		},
		fields=["sent_or_received", "text_content", "content", "communication_medium", "creation"],
		order_by="creation asc",
		limit=200,
	):
		received = row.sent_or_received == "Received"
		messages.append(
			core.Message(
				"customer" if received else "staff",
				as_text(row.text_content, row.content),
				row.communication_medium,
			)
		)
		if received:
			latest = row.creation
	return core.Ticket(subject=doc.subject or "", messages=tuple(messages)), latest


def _onu_id(raw) -> str:
	text = str(raw or "").strip()
	return str(int(text)) if text.isdigit() else text


def network_evidence(customer: str | None) -> core.NetworkEvidence:
	"""An open Outage on one of the customer's locations, else a live OLT alarm of its ONU (the
	installed ONT offline, or an optical episode the poller remembers)."""
	from gigafibre.network.olt_episodes import onu_key
	from gigafibre.network.outages import open_outage_for
	from gigafibre.network.tasks import EPISODES_CACHE

	if not customer:
		return core.NetworkEvidence()
	locations = frappe.get_all(
		"Service Location",
		filters={"customer": customer, "location_status": ("!=", "Inactive")},
		fields=["name", "olt", "pon_port", "onu_id"],
		order_by="creation asc",
	)
	for location in locations:
		outage = open_outage_for(location.name)
		if outage:
			return core.NetworkEvidence(outage=outage, detail=location.name)
	for location in locations:
		ont = frappe.db.get_value(
			"Service Equipment",
			{
				"service_location": location.name,
				"equipment_type": "ONT",
				"status": "Installed",
				"online_status": "Offline",
			},
			"name",
		)
		if ont:
			return core.NetworkEvidence(alarm=core.OFFLINE, detail=ont)
	episodes = frappe.cache.get_value(EPISODES_CACHE, expires=True) or {}
	for location in locations:
		if not (location.olt and location.pon_port and _onu_id(location.onu_id)):
			continue
		prefix = onu_key(location.olt, location.pon_port, _onu_id(location.onu_id)) + "|"
		for key in episodes:
			if key.startswith(prefix):
				return core.NetworkEvidence(alarm=core.OPTICAL, detail=key)
	return core.NetworkEvidence()


# ------------------------------------------------------------------ the job


def _claim(issue: str, now) -> int | None:
	"""Take the Issue for this job (attempt number), or None when it is not ours to triage now."""
	row = frappe.db.get_value("Issue", issue, [F_STATUS, F_ATTEMPTS, F_LEASE], as_dict=True, for_update=True)
	if not row or row[F_STATUS] not in (core.PENDING, core.WAITING):
		return None
	if row[F_LEASE] and get_datetime(row[F_LEASE]) > now:
		return None  # another job runs it
	attempts = (row[F_ATTEMPTS] or 0) + 1
	frappe.db.set_value(
		"Issue", issue, {F_ATTEMPTS: attempts, F_LEASE: now + core.LEASE}, update_modified=False
	)
	_commit()
	return attempts


def run(issue: str, final: bool = False) -> str | None:
	"""Triage one Issue (the job; `final` from the sweep: triage even a thread with nothing but its
	subject). Returns the status written, None when there was nothing to do."""
	if not frappe.db.exists("Issue", issue) or not frappe.get_cached_doc(SETTINGS).triage_enabled:
		return None
	the_ticket, latest = ticket(issue)
	if not the_ticket.messages and not final:
		return None  # a thread opened before its first message: that message asks again
	now = now_datetime()
	attempts = _claim(issue, now)
	if attempts is None:
		return None
	doc = frappe.db.get_value("Issue", issue, ["customer", "gigafibre_channel"], as_dict=True)
	names = category_names()
	frappe.db.savepoint("gigafibre_triage_run")
	try:
		evidence = network_evidence(doc.customer)
		system, parts = core.prompt(the_ticket, names)
		reply = ask(
			"Triage",
			lambda client: client.structured(parts, core.answer_schema(names), system=system),
			reference_doctype="Issue",
			reference_name=issue,
			customer=doc.customer,
			channel=doc.gigafibre_channel,
			arguments={"categories": list(names), "attempt": attempts},
		)
		result = core.cross_check(reply.value, evidence, names)
	except AiUnavailable as err:
		status, next_at = core.after_unavailable(attempts, err.retryable, now_datetime())
		_finish(issue, {F_STATUS: status, F_NEXT: next_at, F_ERROR: _error(err)})
		return status
	except Exception as err:
		frappe.db.rollback(save_point="gigafibre_triage_run")
		frappe.log_error(
			title=_("Triage of {0} failed").format(issue), reference_doctype="Issue", reference_name=issue
		)
		_finish(issue, {F_STATUS: core.FAILED, F_NEXT: None, F_ERROR: str(err)[:1000] or type(err).__name__})
		return core.FAILED
	return _done(issue, result, evidence, latest)


def _error(err: AiUnavailable) -> str:
	return _(err.message).format(*err.args_)[:1000]


def _finish(issue: str, values: dict) -> None:
	frappe.db.set_value("Issue", issue, {F_LEASE: None, **values}, update_modified=False)
	_commit()


def _done(issue: str, result: core.TriageResult, evidence: core.NetworkEvidence, latest) -> str:
	now = now_datetime()
	_, newest = ticket(issue)
	# A message received while the model read the thread: triage again once the grace has passed.
	again = bool(newest and (latest is None or get_datetime(newest) > get_datetime(latest)))
	frappe.db.set_value(
		"Issue",
		issue,
		{
			"gigafibre_category": result.category,
			"gigafibre_urgency": result.urgency.capitalize(),
			"gigafibre_ticket_language": result.language,
			"gigafibre_sentiment": result.sentiment.capitalize(),
			"gigafibre_angry": int(result.angry),
			"gigafibre_outage_suspected": int(result.outage_suspected),
			"gigafibre_outage_evidence": result.outage_evidence,
			"gigafibre_triage_summary": result.summary,
			"gigafibre_triaged_at": now,
			F_STATUS: core.PENDING if again else core.DONE,
			F_NEXT: now + core.GRACE if again else None,
			F_LEASE: None,
			F_ERROR: None,
		},
	)
	if evidence.outage and not frappe.db.get_value("Issue", issue, "gigafibre_outage"):
		frappe.db.set_value("Issue", issue, "gigafibre_outage", evidence.outage, update_modified=False)
	doc = frappe.get_doc("Issue", issue)
	doc.notify_update()  # an open form reloads (or says the ticket changed)
	from gigafibre.flows import dispatch_event

	# One run per template, Issue and category: classified again into another category, a new run.
	dispatch_event(EVENT, doc, dedupe_key=result.category)
	_commit()
	return core.PENDING if again else core.DONE


# ------------------------------------------------------------------ the sweep


def sweep() -> int:
	"""Scheduler, every 5 minutes: enqueue the Issues Pending past the grace (their job was lost)
	and the Waiting ones whose retry is due. The number enqueued."""
	if not active():
		return 0
	now = now_datetime()
	rows = frappe.get_all(
		"Issue",
		filters=[[F_STATUS, "in", [core.PENDING, core.WAITING]], [F_NEXT, "<=", now]],
		fields=["name", F_STATUS, F_NEXT, F_LEASE],
		order_by=f"{F_NEXT} asc",
		limit=SWEEP_BATCH,
	)
	taken = 0
	for row in rows:
		lease = get_datetime(row[F_LEASE]) if row[F_LEASE] else None
		if core.sweep_takes(row[F_STATUS], get_datetime(row[F_NEXT]), lease, now):
			enqueue(RUN, issue=row.name, final=True, job_id=_job_id(row.name), deduplicate=True)
			taken += 1
	return taken


# ------------------------------------------------------------------ on demand: summary and reply draft


def _ask_for_person(purpose: str, issue: str, system: str, parts: list, schema):
	doc = frappe.db.get_value("Issue", issue, ["customer", "gigafibre_channel"], as_dict=True)
	try:
		return ask(
			purpose,
			lambda client: client.structured(parts, schema, system=system, temperature=0.3),
			reference_doctype="Issue",
			reference_name=issue,
			customer=doc.customer,
			channel=doc.gigafibre_channel,
		).value
	except AiUnavailable as err:
		frappe.throw(_error(err), exc=AssistantUnavailable, title=_("Assistant unavailable"))


def _readable_ticket(issue: str) -> core.Ticket:
	the_ticket, _latest = ticket(issue)
	if not the_ticket.messages:
		frappe.throw(_(core.NOTHING_TO_READ).format(issue))
	return the_ticket


def summarize(issue: str) -> dict:
	"""A summary of the thread for the person taking it over (nothing is stored)."""
	system, parts = core.summary_prompt(_readable_ticket(issue))
	value = _ask_for_person("Summary", issue, system, parts, core.ThreadSummary)
	return {"summary": value.summary_fr, "open_questions": value.open_questions_fr}


def suggest_reply(issue: str) -> dict:
	"""A reply draft for staff to edit and send themselves (never sent from here)."""
	summary = frappe.db.get_value("Issue", issue, "gigafibre_triage_summary")
	system, parts = core.reply_prompt(_readable_ticket(issue), summary)
	value = _ask_for_person("Reply Draft", issue, system, parts, core.ReplyDraft)
	return {"draft": value.reply.strip(), "language": value.language}
