"""Suspension and restoration of a Service Location's service through the network (Frappe shell).

Stored first (ARCHITECTURE.md): every suspension and every restoration is a Service Suspension row
before anything reaches a device; a job runs it, the minute sweep finishes what a lost job left.

- `propose(...)`: the dunning flow's last step (flow action `enqueue_method`). A Proposed row,
  scheduled at the next Suspension Run Time (Gigafibre Settings, site time zone), listing the unpaid
  invoices. Nothing when the location owes nothing or is suspended already; the row under way when
  there is one (a second proposal adds its invoice to it).
- The day's proposals are listed for managers (workspace: "Suspensions Due Today"); a Gigafibre
  Manager approves one (it runs at once) or skips it with a reason (`gigafibre.api.billing`), or it
  runs at its time.
- `run(name)`: the job. A suspension first checks again that it may run (`suspension_rules.blocker`:
  balance still due, no payment being processed, no dispute, no payment arrangement), else it is
  Skipped with the reason. It claims the row (Running, with a lease, committed), marks the location
  Suspended with the reason, then runs the configured action of each Installed equipment
  (`suspension_network.perform` through the GenieACS and Oktopus clients) and records each answer.
  A device that does not answer keeps the row Pending with its next attempt (backoff); after the
  configured attempts the row is Failed and staff are alerted (a ToDo, and Gigafibre Health).
- `payment_received`: Payment Entry on_submit. For each location of the customer that is Suspended
  (or has a suspension under way) and whose balance is now cleared: the suspension under way is
  Skipped and a Restore row is stored and its job enqueued. A restoration runs the restore action,
  puts the location back to Active and texts the customer (outbox, in their language; STOP is
  respected there).
- `sweep()`: every minute, enqueues the rows that are due: a proposal whose time came, a retry
  that is due, a row whose job was lost (past a short grace) or whose worker died (lease lapsed).
"""

import json

import frappe
from frappe import _
from frappe.utils import add_to_date, get_datetime, get_time, getdate, now_datetime, nowdate

from gigafibre.billing import suspension_rules as rules
from gigafibre.billing.accounts import location_balance, outstanding_invoices
from gigafibre.errors import GigafibreError
from gigafibre.jobs import enqueue as enqueue_job
from gigafibre.recovery import lease_seconds

DOCTYPE = "Service Suspension"
SETTINGS = "Gigafibre Settings"
RUN = "gigafibre.billing.suspension.run"
SUSPENDED, ACTIVE = "Suspended", "Active"
# Locations with no service to cut: nothing is proposed for them.
NOT_SERVED = ("Inactive", "Cancelled")
# A run talks to a few devices on the short queue (RQ kills it after 300 s); its claim outlives that.
LEASE_SECONDS = lease_seconds(300)
SWEEP_BATCH = 200
# Attempts kept in each equipment's answer log.
ANSWERS_KEPT = 12
# A restoration waits this long for a suspension of the same location that is running now.
WAIT_FOR_RUNNING_S = 60

FAILED_TITLE = "A suspension failed: a device did not answer"
FAILED_MESSAGE = (
	"A suspension could not reach every device of its location after every attempt. Open Service "
	"Suspension (status Failed) to see each device's answer, check the equipment and the network "
	"settings, then Retry or Skip it."
)
RESTORE_FAILED_TITLE = "A restoration of service failed: a device did not answer"
RESTORE_FAILED_MESSAGE = (
	"A customer's service could not be restored on every device after every attempt. Open Service "
	"Suspension (action Restore, status Failed) to see each device's answer, check the equipment, "
	"then Retry it."
)

_FIELDS = ["name", "action", "status", "scheduled_at", "next_attempt_at", "leased_until"]


# ---------------------------------------------------------------- settings


def check_settings(doc) -> None:
	"""Gigafibre Settings.validate: the suspension actions parse, one row per model."""
	if (doc.get("suspension_max_attempts") or rules.DEFAULT_MAX_ATTEMPTS) < 1:
		frappe.throw(_("Attempts per Suspension must be at least 1."))
	try:
		rules.parse_rules([row.as_dict() for row in doc.get("suspension_actions") or []])
	except rules.RowError as err:
		frappe.throw(
			_("Suspension action row {0}: {1}").format(err.row, describe(err.problem)),
			title=_("Suspension Actions"),
		)


def _settings():
	return frappe.get_cached_doc(SETTINGS)


def configured_rules() -> list[rules.Rule]:
	return rules.parse_rules([row.as_dict() for row in _settings().get("suspension_actions") or []])


def max_attempts() -> int:
	return int(_settings().get("suspension_max_attempts") or rules.DEFAULT_MAX_ATTEMPTS)


def run_time():
	value = _settings().get("suspension_run_time")
	return get_time(value) if value else rules.DEFAULT_RUN_TIME


def describe(err: GigafibreError) -> str:
	return _(err.message).format(*(_(a) if a in rules.LABELS else a for a in err.args_))


# ---------------------------------------------------------------- proposing


def propose(
	service_location: str | None = None,
	invoice: str | None = None,
	reason: str | None = None,
	flow_run: str | None = None,
) -> str | None:
	"""Propose suspending a location (the dunning flow's last step). The Service Suspension's name,
	or None when there is nothing to suspend (balance cleared, or suspended already)."""
	location = _location_of(service_location, invoice, flow_run)
	# One proposal at a time per location: the location row is the lock.
	loc = frappe.db.get_value(
		"Service Location", location, ["name", "customer", "location_status"], as_dict=True, for_update=True
	)
	if not loc:
		frappe.throw(_("Service Location {0} not found.").format(location), exc=frappe.DoesNotExistError)
	existing = unfinished(location, rules.SUSPEND)
	if existing:
		if invoice:
			_add_invoice(existing, invoice)
		return existing
	if loc.location_status in (SUSPENDED, *NOT_SERVED):
		return None
	balance = location_balance(location)
	if balance <= 0:
		return None
	invoices = outstanding_invoices(location)
	doc = frappe.get_doc(
		{
			"doctype": DOCTYPE,
			"action": rules.SUSPEND,
			"status": rules.PROPOSED,
			"service_location": location,
			"customer": loc.customer,
			"scheduled_at": rules.scheduled_for(now_datetime(), run_time()),
			"reason": (reason or "").strip()
			or _("Unpaid invoices: {0}.").format(", ".join(i.name for i in invoices) or invoice or "-"),
			"balance": balance,
			"flow_run": flow_run if flow_run and frappe.db.exists("Flow Run", flow_run) else None,
			"invoices": [
				{"invoice": i.name, "outstanding_amount": i.outstanding_amount, "due_date": i.due_date}
				for i in invoices
			],
		}
	)
	doc.insert(ignore_permissions=True)
	return doc.name


def _location_of(service_location: str | None, invoice: str | None, flow_run: str | None) -> str:
	if service_location:
		return service_location
	if not invoice and flow_run:
		ref = frappe.db.get_value("Flow Run", flow_run, ["reference_doctype", "reference_name"], as_dict=True)
		if ref and ref.reference_doctype == "Service Location":
			return ref.reference_name
		if ref and ref.reference_doctype == "Sales Invoice":
			invoice = ref.reference_name
	if not invoice:
		frappe.throw(_("Name the service location or the invoice to suspend for."))
	row = frappe.db.get_value(
		"Sales Invoice", invoice, ["name", "customer", "gigafibre_service_location"], as_dict=True
	)
	if not row:
		frappe.throw(_("Sales Invoice {0} not found.").format(invoice), exc=frappe.DoesNotExistError)
	if row.gigafibre_service_location:
		return row.gigafibre_service_location
	locations = frappe.get_all(
		"Service Location",
		filters={"customer": row.customer, "location_status": ("not in", ("Inactive", "Cancelled"))},
		pluck="name",
		limit=2,
	)
	if len(locations) != 1:
		frappe.throw(
			_("Invoice {0} names no service location, and its customer has {1}: name the location.").format(
				invoice, len(locations)
			)
		)
	return locations[0]


def _add_invoice(name: str, invoice: str) -> None:
	doc = frappe.get_doc(DOCTYPE, name)
	if doc.status != rules.PROPOSED or any(r.invoice == invoice for r in doc.invoices):
		return
	row = frappe.db.get_value("Sales Invoice", invoice, ["outstanding_amount", "due_date"], as_dict=True)
	if not row:
		return
	doc.append("invoices", {"invoice": invoice, **row})
	doc.balance = location_balance(doc.service_location)
	doc.save(ignore_permissions=True)


def unfinished(location: str, action: str) -> str | None:
	"""The location's suspension (or restoration) under way, if any."""
	return frappe.db.get_value(
		DOCTYPE,
		{"service_location": location, "action": action, "status": ("in", rules.UNFINISHED)},
		"name",
		order_by="creation desc",
	)


# ---------------------------------------------------------------- decisions by a manager


def approve(name: str) -> str:
	"""Run a proposed suspension now. Its status afterwards."""
	doc = _locked(name)
	if doc.status != rules.PROPOSED:
		frappe.throw(_("Only a proposed suspension can be approved; this one is {0}.").format(_(doc.status)))
	now = now_datetime()
	doc.update(
		{
			"status": rules.PENDING,
			"approved_by": frappe.session.user,
			"approved_at": now,
			"scheduled_at": now,
			"next_attempt_at": None,
		}
	)
	doc.save(ignore_permissions=True)
	_enqueue(doc.name)
	return frappe.db.get_value(DOCTYPE, name, "status")


def skip(name: str, reason: str) -> str:
	"""Do not run it: Skipped, with who and why. A suspension that had started (its location is
	marked Suspended, devices may be cut) is followed by a restoration."""
	reason = (reason or "").strip()
	if not reason:
		frappe.throw(_("Give the reason for skipping it."))
	doc = _locked(name)
	if doc.status not in (rules.PROPOSED, rules.PENDING, rules.FAILED, rules.RUNNING):
		frappe.throw(_("It is {0} already: there is nothing to skip.").format(_(doc.status)))
	if doc.status == rules.RUNNING and _lease_live(doc):
		frappe.throw(_("It is running right now: try again in a minute."))
	_skip(doc, reason, frappe.session.user)
	return frappe.db.get_value(DOCTYPE, name, "status")


def retry(name: str) -> str:
	"""Try a failed suspension or restoration again, with every attempt available again."""
	doc = _locked(name)
	if doc.status != rules.FAILED:
		frappe.throw(
			_("Only a failed suspension or restoration can be retried; this one is {0}.").format(
				_(doc.status)
			)
		)
	for device in doc.devices:
		if device.status == rules.DEVICE_FAILED:
			device.status = rules.DEVICE_PENDING
	doc.update({"status": rules.PENDING, "attempts": 0, "next_attempt_at": None, "finished_at": None})
	doc.save(ignore_permissions=True)
	_enqueue(doc.name)
	return frappe.db.get_value(DOCTYPE, name, "status")


def _locked(name: str):
	if not frappe.db.get_value(DOCTYPE, name, "name", for_update=True):
		frappe.throw(_("Service Suspension {0} not found.").format(name), exc=frappe.DoesNotExistError)
	return frappe.get_doc(DOCTYPE, name)


def _skip(doc, reason: str, user: str | None = None) -> None:
	started = doc.action == rules.SUSPEND and (doc.attempts or 0) > 0
	doc.update(
		{
			"status": rules.SKIPPED,
			"skip_reason": reason,
			"skipped_by": user,
			"next_attempt_at": None,
			"leased_until": None,
			"finished_at": now_datetime(),
		}
	)
	doc.save(ignore_permissions=True)
	if started:
		request_restore(doc.service_location, _("Suspension {0} skipped: {1}").format(doc.name, reason))


# ---------------------------------------------------------------- restoration


def payment_received(doc, method=None) -> None:
	"""doc_event (Payment Entry on_submit): store a restoration for each location of the customer
	that is suspended (or being suspended) and owes nothing any more. Only stores and enqueues."""
	if doc.payment_type != "Receive" or doc.party_type != "Customer" or not doc.party:
		return
	_restore_cleared(doc.party, _("Payment {0} cleared the balance.").format(doc.name), doc.name)


def credit_note_submitted(doc, method=None) -> None:
	"""doc_event (Sales Invoice on_submit): a credit note can clear a balance as a payment does
	(a cancellation's unused days, a goodwill credit): the same restoration."""
	if not doc.is_return or not doc.customer:
		return
	_restore_cleared(doc.customer, _("Credit note {0} cleared the balance.").format(doc.name))


def _restore_cleared(customer: str, reason: str, payment_entry: str | None = None) -> None:
	locations = set(
		frappe.get_all(
			"Service Location", filters={"customer": customer, "location_status": SUSPENDED}, pluck="name"
		)
	)
	locations.update(
		frappe.get_all(
			DOCTYPE,
			filters={"customer": customer, "action": rules.SUSPEND, "status": ("in", rules.UNFINISHED)},
			pluck="service_location",
		)
	)
	for location in sorted(locations):
		if location_balance(location) <= 0:
			settle(location, reason, payment_entry)


def settle(location: str, reason: str, payment_entry: str | None = None) -> str | None:
	"""The balance is cleared: the suspension under way stops (Skipped) and, if the location is
	suspended, a restoration is stored. The restoration's name, if any."""
	for name in frappe.get_all(
		DOCTYPE,
		filters={"service_location": location, "action": rules.SUSPEND, "status": ("in", rules.UNFINISHED)},
		pluck="name",
	):
		row = frappe.get_doc(DOCTYPE, name)
		if row.status == rules.RUNNING and _lease_live(row):
			continue  # its worker finishes this attempt; the restoration waits for it
		row.update(
			{
				"status": rules.SKIPPED,
				"skip_reason": reason,
				"next_attempt_at": None,
				"leased_until": None,
				"finished_at": now_datetime(),
			}
		)
		row.save(ignore_permissions=True)
	if frappe.db.get_value("Service Location", location, "location_status") != SUSPENDED:
		return None
	return request_restore(location, reason, payment_entry)


def request_restore(location: str, reason: str, payment_entry: str | None = None) -> str:
	"""Store a restoration of the location (the one under way if there is one) and enqueue it."""
	existing = unfinished(location, rules.RESTORE)
	if existing:
		return existing
	customer = frappe.db.get_value("Service Location", location, "customer")
	doc = frappe.get_doc(
		{
			"doctype": DOCTYPE,
			"action": rules.RESTORE,
			"status": rules.PENDING,
			"service_location": location,
			"customer": customer,
			"scheduled_at": now_datetime(),
			"reason": reason,
			"balance": location_balance(location),
			"payment_entry": payment_entry,
		}
	)
	doc.insert(ignore_permissions=True)
	_enqueue(doc.name)
	return doc.name


# ---------------------------------------------------------------- running


def run(name: str, commit: bool = True) -> str | None:
	"""The job: one attempt at a suspension or restoration. Its status afterwards (None: gone)."""
	now = now_datetime()
	row = frappe.db.get_value(DOCTYPE, name, _FIELDS, as_dict=True, for_update=True)
	if not row:
		return None
	if not rules.may_claim(
		row.status, _dt(row.scheduled_at), _dt(row.next_attempt_at), _dt(row.leased_until), now
	):
		return row.status
	doc = frappe.get_doc(DOCTYPE, name)
	if doc.action == rules.SUSPEND:
		why = blocker(doc)
		if why:
			_skip(doc, why)
			_commit(commit)
			return doc.status
	elif _suspension_running(doc, now):
		doc.next_attempt_at = add_to_date(now, seconds=WAIT_FOR_RUNNING_S)
		doc.status = rules.PENDING
		doc.save(ignore_permissions=True)
		_commit(commit)
		return doc.status
	try:
		rule_list = configured_rules()
	except rules.RowError as err:
		return _fail_now(
			doc, _("Suspension action row {0}: {1}").format(err.row, describe(err.problem)), commit
		)
	if not doc.devices:
		_add_devices(doc, rule_list)
	actionable = [d for d in doc.devices if d.status != rules.DEVICE_SKIPPED]
	if doc.action == rules.SUSPEND and not actionable:
		return _fail_now(
			doc,
			_(
				"Nothing to suspend: no Installed equipment of this location has a suspension action "
				"(Gigafibre Settings → Suspension Actions)."
			),
			commit,
		)
	# The claim, committed before any device is called: a second worker leaves the row alone.
	doc.update(
		{
			"status": rules.RUNNING,
			"attempts": (doc.attempts or 0) + 1,
			"last_attempt_at": now,
			"leased_until": add_to_date(now, seconds=LEASE_SECONDS),
			"next_attempt_at": None,
		}
	)
	doc.save(ignore_permissions=True)
	if doc.action == rules.SUSPEND:
		_mark_location(doc, SUSPENDED, doc.reason)
	_commit(commit)
	_attempt(doc, rule_list)
	status, next_at = rules.after_attempt(
		[d.status for d in doc.devices], doc.attempts, max_attempts(), now_datetime()
	)
	errors = [f"{d.equipment}: {d.error}" for d in doc.devices if d.error and d.status != rules.DEVICE_DONE]
	doc.update(
		{
			"status": status,
			"next_attempt_at": next_at,
			"leased_until": None,
			"last_error": "\n".join(errors)[:2000] or None,
			"finished_at": now_datetime() if status in rules.FINISHED else None,
		}
	)
	doc.save(ignore_permissions=True)
	if status == rules.DONE and doc.action == rules.RESTORE:
		_mark_location(doc, ACTIVE, None)
		_text_customer(doc)
	elif status == rules.FAILED:
		_alert(doc)
	_commit(commit)
	return status


def blocker(doc) -> str | None:
	"""Why this suspension must not run now (translated), or None."""
	invoices = outstanding_invoices(doc.service_location)
	until = frappe.db.get_value("Customer", doc.customer, "gigafibre_payment_arrangement_until")
	found = rules.blocker(
		location_balance(doc.service_location),
		[i.name for i in invoices if i.gigafibre_ppa_pending],
		[i.name for i in invoices if i.gigafibre_disputed],
		getdate(until) if until else None,
		getdate(nowdate()),
	)
	if not found:
		return None
	template, args = found
	return _(template).format(*args)


def _suspension_running(doc, now) -> bool:
	return bool(
		frappe.db.exists(
			DOCTYPE,
			{
				"service_location": doc.service_location,
				"action": rules.SUSPEND,
				"status": rules.RUNNING,
				"leased_until": (">", now),
			},
		)
	)


def _add_devices(doc, rule_list: list[rules.Rule]) -> None:
	equipment = frappe.get_all(
		"Service Equipment",
		filters={"service_location": doc.service_location, "status": "Installed"},
		fields=["name", "model", "acs_device_id", "serial_number"],
		order_by="name asc",
	)
	for item in equipment:
		rule = rules.rule_for(item.model, rule_list)
		values = {"equipment": item.name, "model": item.model, "attempts": 0, "steps_done": 0}
		if rule is None:
			values.update(
				status=rules.DEVICE_SKIPPED,
				error=_("No suspension action is configured for model {0}.").format(
					item.model or _("(none)")
				),
			)
		else:
			address = rules.device_address(rule.backend, item.acs_device_id, item.serial_number)
			values.update(backend=rule.backend, device_address=address, status=rules.DEVICE_PENDING)
			if not address:
				values.update(
					status=rules.DEVICE_FAILED,
					error=_("Equipment {0} has no GenieACS device ID.").format(item.name)
					if rule.backend == rules.GENIEACS
					else _("Equipment {0} has no serial number.").format(item.name),
				)
		doc.append("devices", values)


def _attempt(doc, rule_list: list[rules.Rule]) -> None:
	"""One attempt at every equipment not done yet; each records its answer."""
	from gigafibre.billing.suspension_network import perform

	clients: dict = {}
	try:
		for device in doc.devices:
			if device.status != rules.DEVICE_PENDING:
				continue
			rule = rules.rule_for(device.model, rule_list)
			if rule is None:
				device.update(
					{
						"status": rules.DEVICE_FAILED,
						"error": _("No suspension action is configured for model {0} any more.").format(
							device.model
						),
					}
				)
				continue
			device.attempts = (device.attempts or 0) + 1
			device.answered_at = now_datetime()
			client = _client(rule.backend, clients)
			if isinstance(client, str):
				_log_answer(device, doc.attempts, [{"error": client}])
				device.update({"status": rules.DEVICE_FAILED, "error": client})
				continue
			item = frappe.db.get_value(
				"Service Equipment", device.equipment, ["acs_device_id", "serial_number"], as_dict=True
			)
			steps = rules.render(rule.steps(doc.action), item.acs_device_id, item.serial_number)
			try:
				outcome = perform(
					rule.backend,
					client,
					device.device_address,
					steps,
					start=device.steps_done or 0,
					queued_task_id=device.queued_task_id,
				)
			except Exception as err:  # a bug of ours or an odd answer: this device fails, the others go on
				frappe.log_error(
					title=_("Suspension: device action failed"),
					reference_doctype=DOCTYPE,
					reference_name=doc.name,
				)
				_log_answer(device, doc.attempts, [{"error": str(err) or err.__class__.__name__}])
				device.update(
					{"status": rules.DEVICE_FAILED, "error": (str(err) or err.__class__.__name__)[:500]}
				)
				continue
			_log_answer(device, doc.attempts, outcome.answers)
			device.update(
				{
					"status": outcome.status,
					"steps_done": outcome.steps_done,
					"queued_task_id": outcome.queued_task_id,
					"error": describe(outcome.error)[:1000] if outcome.error else None,
				}
			)
	finally:
		for client in clients.values():
			if not isinstance(client, str):
				client.close()


def _client(backend: str, clients: dict):
	"""A client for the backend (one per run), or a sentence saying why there is none."""
	if backend in clients:
		return clients[backend]
	from gigafibre.network.service import genieacs_client, oktopus_client

	try:
		if backend == rules.GENIEACS:
			client = genieacs_client(retries=1) or _(
				"GenieACS is not configured: set its URL in Gigafibre Settings."
			)
		else:
			# No retry inside the client: Oktopus answers 503/504 for a device away, the sweep retries.
			client = oktopus_client(retries=0) or _(
				"Oktopus is not configured: set its URL, API user and password in Gigafibre Settings."
			)
	except GigafibreError as err:
		client = describe(err)
	clients[backend] = client
	return client


def _log_answer(device, attempt: int, answers: list) -> None:
	try:
		history = json.loads(device.answer) if device.answer else []
	except ValueError:
		history = []
	if not isinstance(history, list):
		history = []
	history.append({"attempt": attempt, "at": str(now_datetime()), "answers": answers})
	device.answer = rules.answer_text(history[-ANSWERS_KEPT:])


def _fail_now(doc, error: str, commit: bool) -> str:
	doc.update(
		{
			"status": rules.FAILED,
			"last_error": error,
			"leased_until": None,
			"next_attempt_at": None,
			"finished_at": now_datetime(),
		}
	)
	doc.save(ignore_permissions=True)
	_alert(doc)
	_commit(commit)
	return doc.status


def _mark_location(doc, status: str, reason: str | None) -> None:
	frappe.db.set_value(
		"Service Location", doc.service_location, {"location_status": status, "suspension_reason": reason}
	)
	location = frappe.get_doc("Service Location", doc.service_location)
	if status == SUSPENDED:
		text = _("Suspended ({0}): {1}").format(doc.name, reason or "")
	else:
		text = _("Service restored ({0}).").format(doc.name)
	location.add_comment("Info", text)


def _alert(doc) -> None:
	from gigafibre.health.alerts import alert_staff

	if doc.action == rules.RESTORE:
		alert_staff("suspension-restore-failed", RESTORE_FAILED_TITLE, RESTORE_FAILED_MESSAGE)
	else:
		alert_staff("suspension-failed", FAILED_TITLE, FAILED_MESSAGE)


def _text_customer(doc) -> None:
	"""Tell the customer their service is back (SMS, else email: no mobile, STOP, a number that
	cannot take a text), in their language."""
	from gigafibre.messaging.language import recipient_language, rendered_in
	from gigafibre.messaging.outbox import queue

	customer = frappe.db.get_value(
		"Customer", doc.customer, ["mobile_no", "email_id", "gigafibre_sms_opt_out"], as_dict=True
	)
	if not customer or not (customer.mobile_no or customer.email_id):
		doc.db_set("last_error", _("The customer has no mobile number or email: they were not told."))
		return
	address = frappe.db.get_value("Service Location", doc.service_location, "address_line1") or ""
	with rendered_in(recipient_language(doc.customer)):
		if doc.payment_entry:
			text = _(
				"Gigafibre: thank you, your payment was received. Your Internet service at {0} is back on."
			)
		else:
			text = _("Gigafibre: your Internet service at {0} is back on.")
		text = text.format(address)
		subject = _("Your Internet service is back on")
	key = f"suspension-restored:{doc.name}"
	problems = []
	for channel, recipient, title in (
		# A customer who answered STOP is told by email (the outbox would refuse the text anyway).
		("SMS", None if customer.gigafibre_sms_opt_out else customer.mobile_no, None),
		("Email", customer.email_id, subject),
	):
		if not recipient:
			continue
		frappe.db.savepoint("suspension_text")
		try:
			queue(channel, recipient, text, title, DOCTYPE, doc.name, f"{key}:{channel}")
			return
		except (frappe.ValidationError, GigafibreError) as err:
			# A number that cannot take a text (malformed, not a phone): the email instead.
			frappe.db.rollback(save_point="suspension_text")
			frappe.clear_messages()
			problems.append(describe(err) if isinstance(err, GigafibreError) else str(err))
	doc.db_set("last_error", _("The customer could not be told: {0}").format("; ".join(problems)))


# ---------------------------------------------------------------- sweep


def sweep() -> int:
	"""Scheduler, every minute: enqueue the rows that are due (never runs one itself)."""
	now = now_datetime()
	fields = ["name", "status", "modified", "scheduled_at", "next_attempt_at", "leased_until"]
	due = frappe.get_all(
		DOCTYPE,
		filters={"status": rules.PROPOSED, "scheduled_at": ("<=", now)},
		fields=fields,
		order_by="scheduled_at asc",
		limit=SWEEP_BATCH,
	) + frappe.get_all(
		DOCTYPE,
		filters={"status": ("in", (rules.PENDING, rules.RUNNING))},
		fields=fields,
		order_by="creation asc",
		limit=SWEEP_BATCH,
	)
	taken = 0
	for row in due:
		if rules.sweep_takes(
			row.status,
			get_datetime(row.modified),
			_dt(row.scheduled_at),
			_dt(row.next_attempt_at),
			_dt(row.leased_until),
			now,
		):
			_enqueue(row.name, deduplicate=True)
			taken += 1
	return taken


def due_today() -> list[dict]:
	"""The day's dry run: the suspensions proposed to run today, for managers to approve or skip."""
	today = getdate(nowdate())
	return frappe.get_all(
		DOCTYPE,
		filters={
			"status": rules.PROPOSED,
			"scheduled_at": ("between", (f"{today} 00:00:00", f"{today} 23:59:59")),
		},
		fields=["name", "service_location", "customer", "customer_name", "balance", "scheduled_at", "reason"],
		order_by="scheduled_at asc, name asc",
	)


# ---------------------------------------------------------------- helpers


def _enqueue(name: str, deduplicate: bool = False) -> None:
	enqueue_job(RUN, name=name, job_id=f"suspension:{name}", deduplicate=deduplicate)


def _lease_live(doc) -> bool:
	return bool(doc.leased_until) and get_datetime(doc.leased_until) > now_datetime()


def _dt(value):
	return get_datetime(value) if value else None


def _commit(commit: bool) -> None:
	# Tests run inside one transaction that is rolled back at the end.
	if commit and not frappe.flags.in_test:
		frappe.db.commit()
