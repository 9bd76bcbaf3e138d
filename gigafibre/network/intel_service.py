"""Network intel on the Frappe side: the InfluxDB client from Gigafibre Settings, the OLT poll's
readings written there (`write_readings`, called by network.tasks.poll_olts), and `intel` — the
readings of an OLT or a Service Location over a period with the outages and OLT alarms recorded
in the database, summed up by Gemini (through ai.service.ask, purpose "Network Intel").

Writing never fails a poll: an InfluxDB error is logged once (Error Log "InfluxDB write") until a
write succeeds again. Reading: InfluxDB down or not configured is a 503 with a French message;
Gemini down or over a cap is not an error — the data comes back with `summary` None and
`summary_error` saying why. A summary is kept a while for the facts it was written from: the page
opened again before anything changed costs no model call (and none of the hourly cap that triage
and the agent share)."""

from datetime import datetime, timedelta, timezone

import frappe
from frappe import _
from frappe.utils import now_datetime

from gigafibre.errors import GigafibreError, ServiceError
from gigafibre.network import intel as core
from gigafibre.network.influx import DEFAULT_POLICY, InfluxClient

WRITE_ERROR_CACHE = "gigafibre:influx_write_error"
WRITE_ERROR_TTL_S = 24 * 3600  # a write failing for a day is logged again
SUMMARY_CACHE = "gigafibre:intel_summary:"
SUMMARY_TTL_S = 15 * 60
ALARM_EVENTS = ("on_optical_alarm", "on_device_offline", "on_device_online")
_ENSURED: set[tuple] = set()


class HistoryUnavailable(frappe.ValidationError):
	"""InfluxDB not configured or not answering: 503."""

	http_status_code = 503


def _message(err: GigafibreError) -> str:
	return _(err.message).format(*err.args_)


def settings():
	return frappe.get_cached_doc("Gigafibre Settings")


def influx_client(timeout: float = 5.0, retries: int = 2) -> InfluxClient | None:
	"""A client from settings, None when no InfluxDB URL is set."""
	doc = settings()
	url = (doc.get("influxdb_url") or "").strip()
	if not url:
		return None
	return InfluxClient(
		url,
		(doc.get("influxdb_database") or "gigafibre").strip(),
		username=(doc.get("influxdb_username") or "").strip() or None,
		password=doc.get_password("influxdb_password", raise_exception=False) or None,
		timeout=timeout,
		retries=retries,
	)


def retention() -> str:
	return (settings().get("influxdb_retention") or "90d").strip()


def _ensure(client: InfluxClient, force: bool = False) -> None:
	key = (client.url, client.database, retention())
	if force or key not in _ENSURED:
		client.ensure(retention(), DEFAULT_POLICY)
		_ENSURED.add(key)


def placements(olts) -> dict[tuple[str, str, str], str]:
	"""{(olt, pon_port, onu_id): Service Location} of the locations placed on `olts`."""
	if not olts:
		return {}
	return {
		core.onu_key(row.olt, row.pon_port, row.onu_id): row.name
		for row in frappe.get_all(
			"Service Location",
			filters={"olt": ("in", sorted(olts))},
			fields=["name", "olt", "pon_port", "onu_id"],
		)
		if row.pon_port and (row.onu_id or "").strip()
	}


def write_readings(polls, rx_low: float = core.RX_LOW_DBM, at: datetime | None = None) -> int:
	"""Write one poll round; returns the points written (0 when InfluxDB is not set up or failed)."""
	try:
		client = influx_client()
		if client is None or not polls:
			return 0
		points = core.poll_points(
			polls,
			at or datetime.now(timezone.utc),
			placements({poll.olt for poll in polls if poll.ok}),
			rx_low=rx_low,
		)
		try:
			_ensure(client)
			written = client.write(points)
		except ServiceError as err:
			if "no database" not in err.message:
				raise
			_ensure(client, force=True)  # dropped or renamed since this worker made it
			written = client.write(points)
	except GigafibreError as err:
		if not frappe.cache.get_value(WRITE_ERROR_CACHE, expires=True):
			frappe.log_error(title="InfluxDB write", message=_message(err))
			frappe.cache.set_value(WRITE_ERROR_CACHE, _message(err), expires_in_sec=WRITE_ERROR_TTL_S)
		return 0
	except Exception:
		# never fail the poll over its history
		if not frappe.cache.get_value(WRITE_ERROR_CACHE, expires=True):
			frappe.log_error(title="InfluxDB write")
			frappe.cache.set_value(WRITE_ERROR_CACHE, "error", expires_in_sec=WRITE_ERROR_TTL_S)
		return 0
	frappe.cache.delete_value(WRITE_ERROR_CACHE)
	return written


# ------------------------------------------------------------------ reading


def scope_of(olt: str | None, service_location: str | None) -> core.Scope:
	if service_location:
		doc = frappe.get_doc("Service Location", service_location)
		doc.check_permission("read")
		return core.Scope(
			olt=(doc.olt or "").strip() or None,
			service_location=doc.name,
			pon_port=(doc.pon_port or "").strip() or None,
			onu_id=core.onu_key("", "", doc.onu_id)[2] or None,
		)
	return core.Scope(olt=olt.strip())


def _rx_low() -> float:
	from gigafibre.network.tasks import rx_threshold

	return rx_threshold(settings().get("olt_rx_alarm_dbm"))


def outages(scope: core.Scope, start, end) -> list[dict]:
	"""Outages that were open at some time in [start, end): on the OLT, or affecting the location
	(listed on it, or on its OLT and PON port)."""
	overlap = "o.started_at < %(end)s and (o.resolved_at is null or o.resolved_at >= %(start)s)"
	values = {"start": start, "end": end, "olt": scope.olt or "", "pon": scope.pon_port or ""}
	if scope.service_location:
		values["location"] = scope.service_location
		where = (
			"(exists (select 1 from `tabOutage Location` l where l.parent = o.name and "
			"l.parenttype = 'Outage' and l.service_location = %(location)s) or (o.olt = %(olt)s and "
			"o.olt != '' and (ifnull(o.pon_port, '') = '' or o.pon_port = %(pon)s)))"
		)
	else:
		where = "o.olt = %(olt)s"
	rows = frappe.db.sql(
		f"""select o.name, o.status, o.started_at, o.resolved_at, o.olt, o.pon_port, o.affected_count,
			o.monitor_name, o.message
		from `tabOutage` o where {overlap} and {where}
		order by o.started_at desc limit 50""",
		values,
		as_dict=True,
	)
	return [
		{
			"name": r.name,
			"status": r.status,
			"started_at": str(r.started_at) if r.started_at else None,
			"resolved_at": str(r.resolved_at) if r.resolved_at else None,
			"olt": r.olt,
			"pon_port": r.pon_port,
			"affected_count": r.affected_count or 0,
			"monitor": r.monitor_name,
			"message": (r.message or "")[:300],
		}
		for r in rows
	]


def alarms(scope: core.Scope, start, end) -> list[dict]:
	"""OLT alarm records of the period: polls of the OLT that failed (Error Log), the alarm flow
	events raised on the scope's locations and ONTs (Flow Run), and ONTs offline now."""
	found = []
	if scope.olt:
		for row in frappe.get_all(
			"Error Log",
			filters={"method": f"OLT poll {scope.olt}", "creation": ("between", [start, end])},
			fields=["creation", "error"],
			order_by="creation desc",
			limit=20,
		):
			found.append(
				{"kind": "olt_unreachable", "at": str(row.creation), "detail": (row.error or "")[:200]}
			)
	if scope.service_location:
		locations = [scope.service_location]
	else:
		locations = frappe.get_all("Service Location", filters={"olt": scope.olt}, pluck="name", limit=5000)
	if not locations:
		return found
	onts = frappe.get_all(
		"Service Equipment",
		filters={"service_location": ("in", locations), "equipment_type": "ONT"},
		fields=["name", "service_location", "status", "online_status", "last_seen_at"],
		limit=5000,
	)
	references = locations + [o.name for o in onts]
	for row in frappe.get_all(
		"Flow Run",
		filters={
			"trigger_event": ("in", ALARM_EVENTS),
			"reference_name": ("in", references),
			"creation": ("between", [start, end]),
		},
		fields=["creation", "trigger_event", "reference_doctype", "reference_name", "status"],
		order_by="creation desc",
		limit=30,
	):
		found.append(
			{
				"kind": row.trigger_event,
				"at": str(row.creation),
				"reference": f"{row.reference_doctype} {row.reference_name}",
			}
		)
	for ont in onts:
		if ont.status == "Installed" and ont.online_status == "Offline":
			found.append(
				{
					"kind": "ont_offline_now",
					"equipment": ont.name,
					"service_location": ont.service_location,
					"last_seen_at": str(ont.last_seen_at) if ont.last_seen_at else None,
				}
			)
	return found[:60]


def intel(olt: str | None, service_location: str | None, period: core.Period) -> dict:
	scope = scope_of(olt, service_location)
	client = influx_client()
	if client is None:
		frappe.throw(
			_("Network history is not set up: set the InfluxDB URL in Gigafibre Settings."),
			exc=HistoryUnavailable,
		)
	end = datetime.now(timezone.utc)
	rows = {}
	try:
		for key, q in core.queries(scope, period, end, DEFAULT_POLICY).items():
			rows[key] = client.query(q)
	except ServiceError as err:
		if "no database" in err.message:
			rows = {}  # nothing written yet: empty charts, not an error
		else:
			frappe.throw(
				_("The network history cannot be read right now: {0}").format(_message(err)),
				exc=HistoryUnavailable,
			)
	finally:
		client.close()
	rx_low = _rx_low()
	chart = core.series(scope, period, end, rows)
	for dataset in chart["rx"] + chart["online"]:
		if dataset["key"] in ("rx", "tx", "online", "offline", "low_rx"):
			dataset["name"] = _(dataset["name"])
	changes = core.status_changes(rows.get("flapping", ()))
	degradations = core.degraded(rows.get("onus", ()), rx_low=rx_low)
	local_end = now_datetime()
	local_start = local_end - timedelta(seconds=period.seconds)
	found_outages = outages(scope, local_start, local_end)
	found_alarms = alarms(scope, local_start, local_end)
	polls = core.olt_polls(rows.get("olt_polls", ()))
	facts = core.facts(
		scope, period, end, chart, changes, degradations, found_outages, found_alarms, polls, rx_low
	)
	summary, findings, summary_error = _summary(scope, facts)
	return {
		"scope": facts["scope"],
		"period": facts["period"],
		"series": chart,
		"flapping": core.flapping(rows.get("flapping", ())),
		"status_changes": changes[: core.MAX_LISTED],
		"degraded": degradations,
		"outages": found_outages,
		"alarms": found_alarms,
		"olt_polls": polls,
		"rx_alarm_dbm": rx_low,
		"summary": summary,
		"findings": findings,
		"summary_error": summary_error,
	}


def _summary(scope: core.Scope, facts: dict) -> tuple[str | None, list[dict], str | None]:
	from gigafibre.ai.service import AiUnavailable, ask

	key = SUMMARY_CACHE + core.facts_key(facts)
	kept = frappe.cache.get_value(key, expires=True)
	if kept:
		return kept["summary"], kept["findings"], None
	try:
		reply = ask(
			"Network Intel",
			lambda c: c.structured([core.prompt(facts)], core.IntelAnswer, system=core.SYSTEM),
			reference_doctype="Service Location" if scope.service_location else None,
			reference_name=scope.service_location,
			arguments={"scope": facts["scope"], "period": facts["period"]},
		)
	except AiUnavailable as err:
		return (
			None,
			[],
			_(
				"The network summary is unavailable right now ({0}); the charts and lists are complete."
			).format(_message(err)),
		)
	answer = reply.value
	findings = [f.model_dump() for f in answer.findings]
	frappe.cache.set_value(
		key, {"summary": answer.summary_fr, "findings": findings}, expires_in_sec=SUMMARY_TTL_S
	)
	return answer.summary_fr, findings, None


def grafana_link(service_location: str) -> str | None:
	doc = frappe.get_doc("Service Location", service_location)
	doc.check_permission("read")
	return core.grafana_url(
		settings().get("grafana_dashboard_url"),
		service_location=doc.name,
		olt=doc.olt,
		pon_port=doc.pon_port,
		onu_id=doc.onu_id,
	)
