"""Texts to the customer on the day of their visit: "on my way", "running late", "cannot come".

- **En route**: a job entering En Route (Dispatch Job on_update) stores one outbox step
  (`outbox.queue_call`, keyed by job) that works out the ETA and a tracking link and queues the
  text, so the technician's tap never waits for the routing service and a lost job loses nothing.
- **Late** (`sweep_late`, scheduler every 5 minutes): for the jobs en route, and today's assigned
  jobs of technicians whose live position is known, the live ETA (`field.eta`); one text per late
  event (`eta_rules.late_to_announce`: past the window's end, then only each 30 minutes of extra
  delay), keyed by job and the ETA announced.
- **Absent** (`notify_absent`, from `dispatch.plans.technician_absent`): each job nobody else can
  fit today gets a text with a rebooking link `/rendez-vous/<token>`, once per job and day.

All of them go through the outbox (`messaging/outbox.py`), to one number per job (`customer_mobile`),
in the customer's language, never to a customer who answered STOP (nor to a number that did: the
outbox's client refuses it too). Quiet hours: the en-route and late texts are about a visit
happening now, so they leave at once whatever the hour (held until 08:00 they would arrive after
the visit); the rebooking text is held by the quiet hours like any reminder.
"""

from datetime import date, datetime

import frappe
from frappe import _
from frappe.utils import get_datetime, now_datetime

from gigafibre.dispatch import status as job_status
from gigafibre.errors import GigafibreError, InvalidValue
from gigafibre.field import customer_links, eta_rules
from gigafibre.messaging.phone import to_e164

OUTBOX = "Outgoing Message"
EN_ROUTE_STEP = "gigafibre.field.customer_texts.text_en_route"


def key(job: str, event: str) -> str:
	return f"customer-text:{job}:{event}"


# ---------------------------------------------------------------- the Dispatch Job hook


def job_updated(doc, method=None) -> None:
	"""Dispatch Job on_update: En Route stores the "on my way" step; Completed or Cancelled ends
	the job's customer links."""
	before = doc.get_doc_before_save()
	if before is not None and before.status == doc.status:
		return
	if doc.status == job_status.EN_ROUTE:
		from gigafibre.messaging.outbox import queue_call

		queue_call(EN_ROUTE_STEP, dedupe_key=key(doc.name, "en-route"), job=doc.name)
	elif doc.status in job_status.CLOSED:
		customer_links.expire_for_job(doc.name)


# ---------------------------------------------------------------- who is texted


def customer_mobile(job) -> str | None:
	"""The one number a job's texts go to: the customer's mobile, else the first valid phone among
	the service location's contacts, else the customer's contacts' mobiles; None when there is
	none or the customer answered STOP."""
	customer = job.customer
	fields = ["mobile_no"]
	from gigafibre.messaging.service import OPT_OUT_FIELD, is_opted_out

	has_opt_out = frappe.get_meta("Customer").has_field(OPT_OUT_FIELD)
	if has_opt_out:
		fields.append(OPT_OUT_FIELD)
	row = frappe.db.get_value("Customer", customer, fields, as_dict=True) if customer else None
	if row and has_opt_out and row.get(OPT_OUT_FIELD):
		return None
	candidates = [row.mobile_no if row else None]
	if job.service_location:
		candidates += frappe.get_all(
			"Service Location Contact",
			filters={"parent": job.service_location, "parenttype": "Service Location"},
			pluck="phone",
			order_by="idx asc",
		)
	if customer:
		candidates += frappe.db.sql_list(
			"""select c.mobile_no from `tabContact` c
			join `tabDynamic Link` dl on dl.parent = c.name and dl.parenttype = 'Contact'
			where dl.link_doctype = 'Customer' and dl.link_name = %s and ifnull(c.mobile_no, '') != ''
			order by c.is_primary_contact desc, c.creation asc""",
			(customer,),
		)
	for candidate in candidates:
		try:
			number = to_e164(candidate) if candidate else None
		except InvalidValue:
			number = None
		if number:
			return None if is_opted_out(number) else number
	return None


def _job(name: str) -> frappe._dict | None:
	return frappe.db.get_value(
		"Dispatch Job",
		name,
		[
			"name",
			"status",
			"technician",
			"customer",
			"service_location",
			"window_end",
			"scheduled_start",
		],
		as_dict=True,
	)


def _language(job) -> str:
	from gigafibre.messaging.language import recipient_language

	return recipient_language(job.customer)


def _first_name(technician: str | None) -> str:
	name = frappe.db.get_value("Technician", technician, "full_name") if technician else None
	return eta_rules.first_name(name)


def _queue(job, mobile: str, text: str, event: str, quiet_hours: bool = False) -> str:
	from gigafibre.messaging.outbox import queue

	return queue(
		"SMS",
		mobile,
		text,
		reference_doctype="Dispatch Job",
		reference_name=job.name,
		dedupe_key=key(job.name, event),
		secret=True,  # it carries a link, or says when someone is at home
		quiet_hours=quiet_hours,
	)


def _note(job, text: str) -> None:
	frappe.get_doc("Dispatch Job", job.name).add_comment("Info", text)


# ---------------------------------------------------------------- en route


def text_en_route(job: str) -> str | None:
	"""The outbox step: the "on my way" text with the ETA and the tracking link; the Outgoing
	Message, or None when there is no one to text (the job left En Route meanwhile, no number,
	STOP: noted on the job)."""
	from gigafibre.field.eta import job_eta
	from gigafibre.messaging.language import rendered_in

	row = _job(job)
	if not row or row.status != job_status.EN_ROUTE:
		return None
	mobile = customer_mobile(row)
	if not mobile:
		_note(
			row,
			_(
				"The customer was not told the technician is on the way: no mobile number, or they answered STOP."
			),
		)
		return None
	eta = job_eta(job)
	_token, url = customer_links.issue(job, customer_links.TRACKING, mobile)
	language = _language(row)
	name = _first_name(row.technician)
	with rendered_in(language):
		if eta:
			clock = eta_rules.clock_text(eta_rules.announced(eta["eta"]), language)
			text = _(
				"Gigafibre: {0}, your technician, is on the way and should arrive around {1}. Follow the way: {2}"
			).format(name, clock, url)
		else:
			text = _("Gigafibre: {0}, your technician, is on the way. Follow the way: {1}").format(name, url)
	return _queue(row, mobile, text, "en-route:sms")


# ---------------------------------------------------------------- late


def last_late_announced(job: str) -> datetime | None:
	"""The ETA the last late text of `job` gave (it is in that text's key), or None."""
	keys = frappe.get_all(
		OUTBOX,
		filters={"dedupe_key": ("like", key(job, "late:") + "%")},
		pluck="dedupe_key",
		order_by="creation desc",
		limit=1,
	)
	if not keys:
		return None
	try:
		return datetime.strptime(keys[0].rsplit(":", 1)[1], "%Y%m%d%H%M")
	except (ValueError, IndexError):
		return None


def sweep_late(now: datetime | None = None) -> int:
	"""Scheduler, every 5 minutes: text the customers whose technician's live ETA passes their
	window; how many texts were queued."""
	from gigafibre.field.eta import LIVE, technician_etas

	now = now or now_datetime()
	day_start = datetime.combine(now.date(), datetime.min.time())
	rows = frappe.get_all(
		"Dispatch Job",
		filters={"status": ("in", [job_status.EN_ROUTE, job_status.ASSIGNED]), "technician": ("is", "set")},
		fields=["name", "status", "technician", "scheduled_start"],
	)
	todo: dict[str, list[frappe._dict]] = {}
	for row in rows:
		if row.status == job_status.ASSIGNED and not (
			row.scheduled_start and get_datetime(row.scheduled_start).date() == day_start.date()
		):
			continue
		todo.setdefault(row.technician, []).append(row)
	queued = 0
	for technician, jobs in todo.items():
		try:
			etas = technician_etas(technician, now)
		except GigafibreError:
			continue
		for row in jobs:
			found = etas.get(row.name)
			if not found or (row.status == job_status.ASSIGNED and found["origin"] != LIVE):
				continue  # an assigned job's ETA means something only from a live position
			frappe.db.savepoint("late_text")
			try:
				if text_late(row.name, found["eta"], now):
					queued += 1
			except Exception:
				frappe.db.rollback(save_point="late_text")
				frappe.log_error(
					title=_("Late text not sent"), reference_doctype="Dispatch Job", reference_name=row.name
				)
	return queued


def text_late(job: str, eta: datetime, now: datetime | None = None) -> str | None:
	"""The late text for `job` if its ETA is a new late event (see `eta_rules`); the Outgoing Message."""
	from gigafibre.messaging.language import rendered_in

	row = _job(job)
	if not row or row.status not in (job_status.EN_ROUTE, job_status.ASSIGNED):
		return None
	reference = eta_rules.late_reference(
		get_datetime(row.window_end) if row.window_end else None,
		get_datetime(row.scheduled_start) if row.scheduled_start else None,
	)
	if not eta_rules.late_to_announce(eta, reference, last_late_announced(job)):
		return None
	mobile = customer_mobile(row)
	if not mobile:
		return None
	when = eta_rules.announced(eta)
	language = _language(row)
	url = None
	if row.status == job_status.EN_ROUTE:
		_token, url = customer_links.issue(job, customer_links.TRACKING, mobile)
	with rendered_in(language):
		clock = eta_rules.clock_text(when, language)
		if url:
			text = _(
				"Gigafibre: sorry, your technician is running late. New arrival time: around {0}. Follow the way: {1}"
			).format(clock, url)
		else:
			text = _(
				"Gigafibre: sorry, your technician is running late. New arrival time: around {0}."
			).format(clock)
	return _queue(row, mobile, text, f"late:{when:%Y%m%d%H%M}")


# ---------------------------------------------------------------- absent


def notify_absent(technician: str, day: date, jobs: list[str]) -> list[str]:
	"""The rebooking text for each of `jobs` (an absent technician's jobs nobody else can fit on
	`day`), once per job and day; the jobs texted now."""
	from gigafibre.messaging.language import rendered_in

	texted = []
	for job in jobs:
		row = _job(job)
		if not row or row.status not in (
			job_status.NEW,
			job_status.PLANNED,
			job_status.ASSIGNED,
			job_status.EN_ROUTE,
		):
			continue
		event = f"absent:{day.isoformat()}"
		if frappe.db.exists(OUTBOX, {"dedupe_key": key(job, event)}):
			continue
		mobile = customer_mobile(row)
		if not mobile:
			_note(
				row,
				_("The customer was not offered a new appointment: no mobile number, or they answered STOP."),
			)
			continue
		_token, url = customer_links.issue(job, customer_links.REBOOKING, mobile)
		with rendered_in(_language(row)):
			text = _(
				"Gigafibre: we are sorry, your technician cannot come today. Choose a new appointment here: {0}"
			).format(url)
		frappe.db.savepoint("absent_text")
		try:
			_queue(row, mobile, text, event, quiet_hours=True)
		except (frappe.ValidationError, GigafibreError):
			frappe.db.rollback(save_point="absent_text")
			frappe.clear_messages()
			continue
		texted.append(job)
	return texted
