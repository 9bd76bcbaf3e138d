"""ONUs by optical rx band, per OLT and PON port, from the OLT poller's last readings.

The poller (`gigafibre.network.tasks.poll_olts`, every 5 minutes) keeps each OLT's last poll in
Redis (`network.tasks.latest_readings`: live network state, never database rows). Bands (GPON
class B+): overload above -8 dBm, good -8 to -24, marginal -24 to the alarm level (Settings →
OLT rx alarm, -27 dBm by default), low below it; an offline ONU or one without a reading is *No
reading*. *Placed*: Service Locations on the port (one grouped statement).
"""

from collections import defaultdict

import frappe
from frappe import _

from gigafibre.network import tasks
from gigafibre.reports import kpi

BANDS = [b for b, _label in kpi.RX_BANDS]


def execute(filters=None):
	filters = frappe._dict(filters or {})
	low = tasks.rx_threshold(frappe.db.get_single_value("Gigafibre Settings", "olt_rx_alarm_dbm"))
	readings = tasks.latest_readings()
	counts: dict[tuple, dict] = defaultdict(lambda: dict.fromkeys(BANDS, 0))
	polled_at = {}
	for olt, poll in readings.items():
		if filters.get("olt") and olt != filters.olt:
			continue
		polled_at[olt] = poll.get("at")
		for pon, _onu, status, rx in poll.get("onus", []):
			band = kpi.rx_band(rx if status == tasks.ONLINE else None, low=low, marginal=min(-24.0, low + 3))
			counts[(olt, str(pon))][band] += 1
	placed = {
		(r.olt, r.pon_port): r.placed
		for r in frappe.db.sql(
			"select olt, pon_port, count(*) as placed from `tabService Location`"
			" where olt is not null and olt != '' group by olt, pon_port",
			as_dict=True,
		)
	}
	rows = []
	for (olt, pon), bands in sorted(counts.items()):
		total = sum(bands.values())
		rows.append(
			{
				"olt": olt,
				"pon_port": pon,
				"polled_at": polled_at.get(olt),
				"onus": total,
				"placed": placed.get((olt, pon), 0),
				**bands,
				"attention": kpi.ratio(bands["low"] + bands["overload"] + bands["marginal"], total),
			}
		)
	message = None if readings else _("No OLT readings yet: the OLT poller has not run in the last day.")
	return columns(), rows, message, chart(rows)


def columns() -> list[dict]:
	labels = {
		"overload": _("Overload (> -8 dBm)"),
		"good": _("Good"),
		"marginal": _("Marginal"),
		"low": _("Low (alarm)"),
		"no_reading": _("No Reading"),
	}
	return [
		{"fieldname": "olt", "label": _("OLT"), "fieldtype": "Data", "width": 140},
		{"fieldname": "pon_port", "label": _("PON Port"), "fieldtype": "Data", "width": 100},
		{"fieldname": "onus", "label": _("ONUs"), "fieldtype": "Int", "width": 70},
		{"fieldname": "placed", "label": _("Placed Locations"), "fieldtype": "Int", "width": 110},
		*({"fieldname": b, "label": labels[b], "fieldtype": "Int", "width": 110} for b in BANDS),
		{"fieldname": "attention", "label": _("Needs Attention (%)"), "fieldtype": "Percent", "width": 120},
		{"fieldname": "polled_at", "label": _("Polled At"), "fieldtype": "Datetime", "width": 160},
	]


def chart(rows) -> dict | None:
	if not rows:
		return None
	return {
		"data": {
			"labels": [_("Good"), _("Marginal"), _("Low (alarm)"), _("Overload (> -8 dBm)"), _("No Reading")],
			"datasets": [
				{
					"name": _("ONUs"),
					"values": [
						sum(r[b] for r in rows) for b in ("good", "marginal", "low", "overload", "no_reading")
					],
				}
			],
		},
		"type": "pie",
	}
