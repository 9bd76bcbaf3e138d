"""Staff hear once about a thing not set up that a customer ran into: an Error Log and a ToDo for
each Gigafibre Manager (System Managers when there is none), not one per request.

`alert_staff` is cheap on the request's path (one query while the ToDo is open) and durable in a
GET request too: the records are written by a job enqueued at once (not after a commit that a GET
never makes), deduplicated by its id.
"""

import frappe

REFERENCE = "Gigafibre Settings"
MANAGER_ROLES = ("Gigafibre Manager", "System Manager")
MAX_RECIPIENTS = 10


def alert_staff(cause: str, title: str, message: str) -> None:
	"""Tell staff about `cause` (a stable key) unless an alert about it is still open. `title` and
	`message` are English templates, written in the system language."""
	if _open_alert(title):
		return
	try:
		frappe.enqueue(
			"gigafibre.health.alerts.record",
			queue="short",
			job_id=f"gigafibre-alert-{cause}",
			deduplicate=not frappe.flags.gigafibre_jobs_inline,
			enqueue_after_commit=False,
			now=bool(frappe.flags.gigafibre_jobs_inline),
			title=title,
			message=message,
		)
	except Exception:
		if frappe.flags.gigafibre_jobs_inline:
			raise
		# The queue is down too: the customer's request must not fail for the alert's sake.
		frappe.log_error(title=_heading(title), message=message, defer_insert=True)


def record(title: str, message: str) -> int:
	"""Background job: the Error Log and one ToDo per manager, unless they exist already."""
	if _open_alert(title):
		return 0
	heading, text = _heading(title), frappe._(message, lang=_system_language())
	frappe.log_error(title=heading, message=text, reference_doctype=REFERENCE, reference_name=REFERENCE)
	made = 0
	for user in recipients():
		frappe.get_doc(
			{
				"doctype": "ToDo",
				"allocated_to": user,
				"description": f"{heading} — {text}",
				"priority": "High",
				"reference_type": REFERENCE,
				"reference_name": REFERENCE,
			}
		).insert(ignore_permissions=True)
		made += 1
	if not frappe.flags.in_test:
		frappe.db.commit()  # a job: its own transaction
	return made


def open_alerts(title: str) -> list[str]:
	"""The open ToDos of an alert (for tests and the health page)."""
	return frappe.get_all(
		"ToDo",
		filters={
			"status": "Open",
			"reference_type": REFERENCE,
			"reference_name": REFERENCE,
			"description": ("like", f"{_heading(title)}%"),
		},
		pluck="name",
	)


def recipients() -> list[str]:
	for role in MANAGER_ROLES:
		users = frappe.get_all(
			"Has Role",
			filters={"role": role, "parenttype": "User", "parent": ("not in", ("Guest", "Administrator"))},
			pluck="parent",
			distinct=True,
		)
		enabled = frappe.get_all(
			"User",
			filters={"name": ("in", users or [""]), "enabled": 1, "user_type": "System User"},
			pluck="name",
			order_by="name asc",
			limit=MAX_RECIPIENTS,
		)
		if enabled:
			return enabled
	return ["Administrator"]


def _open_alert(title: str) -> bool:
	return bool(open_alerts(title))


def _heading(title: str) -> str:
	# In the system language, so the same alert is found again whoever triggered it.
	return frappe._(title, lang=_system_language())


def _system_language() -> str:
	return frappe.db.get_single_value("System Settings", "language") or "en"
