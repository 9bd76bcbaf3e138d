"""The life of a Dispatch Job: which status may follow which.

New → Planned → Assigned → En Route → On Site → Completed, and Cancelled from any open
status. A dispatcher may assign straight from New, and un-assign or un-plan a job that
nobody has started (back to Planned, or New when it has no schedule); nothing leaves Completed or Cancelled.
"""

from gigafibre.errors import InvalidValue
from gigafibre.i18n import _

NEW = "New"
PLANNED = "Planned"
ASSIGNED = "Assigned"
EN_ROUTE = "En Route"
ON_SITE = "On Site"
COMPLETED = "Completed"
CANCELLED = "Cancelled"

STATUSES = (NEW, PLANNED, ASSIGNED, EN_ROUTE, ON_SITE, COMPLETED, CANCELLED)
CLOSED = frozenset({COMPLETED, CANCELLED})
OPEN = tuple(s for s in STATUSES if s not in CLOSED)
# Statuses in which a technician is responsible for the job.
WITH_TECHNICIAN = frozenset({ASSIGNED, EN_ROUTE, ON_SITE, COMPLETED})
# Statuses the planner may no longer move: the technician is already on the way.
PINNED = frozenset({EN_ROUTE, ON_SITE})

TRANSITIONS: dict[str, frozenset[str]] = {
	NEW: frozenset({PLANNED, ASSIGNED, CANCELLED}),
	PLANNED: frozenset({NEW, ASSIGNED, CANCELLED}),
	ASSIGNED: frozenset({NEW, PLANNED, EN_ROUTE, CANCELLED}),
	EN_ROUTE: frozenset({ASSIGNED, ON_SITE, CANCELLED}),
	ON_SITE: frozenset({COMPLETED, CANCELLED}),
	COMPLETED: frozenset(),
	CANCELLED: frozenset(),
}

# Flow-runtime event raised when a job enters a status.
STATUS_EVENTS = {
	ASSIGNED: "on_job_assigned",
	EN_ROUTE: "on_job_started",
	COMPLETED: "on_job_complete",
	CANCELLED: "on_job_cancelled",
}


def check_transition(old: str | None, new: str) -> None:
	"""Raise InvalidValue unless a job may go from `old` (None for a new job) to `new`."""
	if new not in TRANSITIONS:
		raise InvalidValue(_("Unknown status {0}."), new)
	if old is None or old == new:
		return
	if new not in TRANSITIONS.get(old, ()):
		raise InvalidValue(_("A job cannot go from {0} to {1}."), old, new)


def allowed_next(status: str) -> list[str]:
	"""The statuses a job in `status` may move to, in life-cycle order (for the desk's buttons)."""
	return [s for s in STATUSES if s in TRANSITIONS.get(status, ())]


def check_job(
	status: str,
	technician: str | None,
	scheduled_start,
	scheduled_end,
	window_start,
	window_end,
	expected_duration: int | None,
) -> None:
	"""The fields a status needs, and dates that make sense."""
	if status in WITH_TECHNICIAN and not technician:
		raise InvalidValue(_("A technician is required for a job in status {0}."), status)
	if status == PLANNED and not scheduled_start:
		raise InvalidValue(_("A planned job needs a scheduled start."))
	if scheduled_start and scheduled_end and scheduled_end <= scheduled_start:
		raise InvalidValue(_("The scheduled end must come after the scheduled start."))
	if window_start and window_end and window_end <= window_start:
		raise InvalidValue(_("The end of the customer's time window must come after its start."))
	if expected_duration is not None and expected_duration <= 0:
		raise InvalidValue(_("The expected duration must be more than 0 minutes."))
