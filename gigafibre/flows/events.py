"""The catalog of events that start or resume flows: the one place that lists them.

A template's `trigger_event` and an event wait's `wait_event` must name an event from here;
the shell fires them with `gigafibre.flows.dispatch_event(name, doc)`.
"""

from typing import NamedTuple

from gigafibre.i18n import _


class EventInfo(NamedTuple):
	name: str
	description: str  # English, marked for translation


CATALOG: tuple[EventInfo, ...] = (
	EventInfo("on_payment_received", _("A payment was received from a customer")),
	EventInfo("on_job_assigned", _("A dispatch job was assigned to a technician")),
	EventInfo("on_job_started", _("A technician is on the way to a job")),
	EventInfo("on_job_complete", _("A dispatch job was completed")),
	EventInfo("on_job_cancelled", _("A dispatch job was cancelled")),
	EventInfo("on_invoice_submitted", _("An invoice was submitted")),
	EventInfo("on_ticket_created", _("A support ticket was opened")),
	EventInfo("on_customer_created", _("A new customer was created")),
	EventInfo("on_equipment_installed", _("Equipment was installed at a customer's premises")),
	EventInfo("on_outage_detected", _("A network outage was detected")),
	EventInfo("on_outage_resolved", _("A network outage was resolved")),
	EventInfo("on_contract_signed", _("A customer signed a contract")),
	EventInfo("on_device_online", _("A customer device came online")),
	EventInfo("on_device_offline", _("A customer device went offline")),
	EventInfo("on_device_provisioned", _("A customer device was provisioned")),
	EventInfo("on_optical_alarm", _("A customer's optical signal level is out of range")),
	EventInfo("on_ticket_classified", _("A support ticket was triaged (category, urgency, outage)")),
)

# name -> English description, in catalog order (dicts keep insertion order).
EVENTS: dict[str, str] = {e.name: e.description for e in CATALOG}


def is_known_event(name: str | None) -> bool:
	"""Whether `name` is an event of the catalog."""
	return name in EVENTS
