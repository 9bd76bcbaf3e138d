"""Network intel for staff (Dispatcher, Gigafibre Manager, System Manager): the OLT poll's history
in InfluxDB for an OLT or a Service Location, with the outages and OLT alarms of the period and a
French summary by Gemini; the Grafana link of a Service Location."""

import frappe
from frappe import _
from frappe.rate_limiter import rate_limit

from gigafibre.endpoints.hook import InvalidParameter
from gigafibre.network import intel as core
from gigafibre.network import intel_service
from gigafibre.roles import STAFF_ROLES


def _allow() -> None:
	if frappe.session.user == "Guest":
		frappe.throw(_("Sign in to read the network history."), exc=frappe.PermissionError)
	if not STAFF_ROLES & set(frappe.get_roles()):
		frappe.throw(_("You are not allowed to read the network history."), exc=frappe.PermissionError)


@frappe.whitelist(methods=["GET", "POST"])
@rate_limit(limit=30, seconds=60)
def intel(olt: str | None = None, service_location: str | None = None, period: str = "24h") -> dict:
	"""{series, flapping, outages, alarms, summary, findings, summary_error, …} of exactly one of
	`olt` / `service_location` over `period` (1h, 6h, 24h, 7d, 30d). 503 when InfluxDB cannot be
	read; when Gemini cannot answer, `summary` is None and `summary_error` says why."""
	_allow()
	olt = (olt or "").strip() or None
	service_location = (service_location or "").strip() or None
	if bool(olt) == bool(service_location):
		frappe.throw(
			_("Give exactly one of the parameters {0} or {1}.").format("olt", "service_location"),
			exc=InvalidParameter,
		)
	chosen = core.period(period)
	if chosen is None:
		frappe.throw(
			_("Parameter {0} must be one of: {1}").format("period", ", ".join(core.PERIODS)),
			exc=InvalidParameter,
		)
	return intel_service.intel(olt, service_location, chosen)


@frappe.whitelist(methods=["GET", "POST"])
def grafana_link(service_location: str) -> dict:
	"""The Grafana dashboard URL of a Service Location (None when no template is set)."""
	_allow()
	return {"url": intel_service.grafana_link(service_location), "for": service_location}
