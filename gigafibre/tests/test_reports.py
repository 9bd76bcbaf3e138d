"""The reports on small known data, every figure worked out by hand below; who may open them.

The fixtures live in a Customer Group of their own (and a postal prefix, an OLT and a technician
no one else uses), and every report is filtered to them: the site's other records never count.
"""

import uuid
from datetime import date, datetime, timedelta

import frappe
from frappe.desk.query_report import run
from frappe.tests.utils import FrappeTestCase
from frappe.utils import add_days, getdate, today

from gigafibre.billing import subscriptions
from gigafibre.billing.setup import ensure_custom_fields as billing_fields
from gigafibre.demo.taxes import quebec_sales_taxes
from gigafibre.install import ensure_staff_rights
from gigafibre.tests.utils import company, make_technician

PLAN_A, PLAN_B, MESH = "_Test Rpt Plan A", "_Test Rpt Plan B", "_Test Rpt Mesh"
POSTAL = "X9X"  # a prefix no one uses: the area is ours alone


def _item(code: str) -> None:
	if not frappe.db.exists("Item", code):
		frappe.get_doc(
			{
				"doctype": "Item",
				"item_code": code,
				"item_name": code,
				"item_group": frappe.db.get_value("Item Group", {"is_group": 0}, "name"),
				"stock_uom": "Nos",
				"is_stock_item": 0,
			}
		).insert()


def _report(name: str, **filters) -> dict:
	return run(name, filters=filters, ignore_prepared_report=True)


def _rows(result) -> list[dict]:
	return [frappe._dict(r) for r in result["result"] if isinstance(r, dict)]


class TestReports(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		billing_fields()
		ensure_staff_rights()  # as install and migrate do (a site migrated before it existed)
		tag = uuid.uuid4().hex[:6]
		cls.company = company()
		cls.group = frappe.get_doc(
			{
				"doctype": "Customer Group",
				"customer_group_name": f"_Test Reports {tag}",
				"parent_customer_group": frappe.db.get_value("Customer Group", {"is_group": 1}, "name"),
			}
		).insert()
		for code in (PLAN_A, PLAN_B, MESH):
			_item(code)
		cls.customers, cls.locations = [], []
		for index in range(4):
			customer = frappe.get_doc(
				{
					"doctype": "Customer",
					"customer_name": f"_Test Rpt {tag} {index}",
					"customer_type": "Individual",
					"customer_group": cls.group.name,
				}
			).insert()
			location = frappe.get_doc(
				{
					"doctype": "Service Location",
					"customer": customer.name,
					"address_line1": f"{index + 1} rue du Test",
					"city": "Testville",
					"postal_code": f"{POSTAL} 1A{index}",
					"location_status": "Pending",
					"olt": f"OLT-RPT-{tag}",
					"pon_port": "0/1/1",
					"onu_id": str(index + 1),
				}
			).insert()
			cls.customers.append(customer.name)
			cls.locations.append(location.name)
		cls.tag = tag
		cls.make_subscriptions()

	# ------------------------------------------------------------ revenue
	@classmethod
	def make_subscriptions(cls):
		"""Four addresses over December 2025 - March 2026:
		L0: plan A 50 from 10 Dec; upgraded to 80 on 15 Feb (a Subscription Change).
		L1: plan B 80 from 5 Jan (new in January).
		L2: plan A 50 + mesh 10 = 60 from 1 Nov; ends 20 Jan (churned in January); a new
		    subscription of plan A 50 from 3 Mar (reactivated in March).
		L3: plan B 80 from 1 Dec; downgraded to 50 on 10 Mar (contraction in March)."""

		def activate(index, start, lines):
			return subscriptions.activate(
				cls.locations[index],
				start,
				[{"item_code": code, "rate": rate, "qty": 1} for code, rate in lines],
				bill=False,
			)

		def change(sub, effective, before, after):
			frappe.get_doc(
				{
					"doctype": "Subscription Change",
					"subscription": sub,
					"change_type": "Upgrade" if after > before else "Downgrade",
					"effective_date": effective,
					"customer": frappe.db.get_value("Subscription", sub, "party"),
					"changed_by": "Administrator",
					"changed_at": f"{effective} 10:00:00",
					"source": "Desk",
					"monthly_before": before,
					"monthly_after": after,
					"price_difference": after - before,
				}
			).insert(ignore_permissions=True)

		cls.sub_l0 = activate(0, "2025-12-10", [(PLAN_A, 50)])
		change(cls.sub_l0, "2026-02-15", 50, 80)
		activate(1, "2026-01-05", [(PLAN_B, 80)])
		ended = activate(2, "2025-11-01", [(PLAN_A, 50), (MESH, 10)])
		frappe.db.set_value(
			"Subscription",
			ended,
			{"end_date": "2026-01-20", "status": "Cancelled", "cancelation_date": "2026-01-20"},
		)
		activate(2, "2026-03-03", [(PLAN_A, 50)])
		sub_l3 = activate(3, "2025-12-01", [(PLAN_B, 80)])
		change(sub_l3, "2026-03-10", 80, 50)

	def test_mrr_movements_over_three_months(self):
		result = _report(
			"MRR Movements",
			company=self.company,
			from_date="2026-01-01",
			to_date="2026-03-31",
			customer_group=self.group.name,
		)
		rows = {str(r.month): r for r in _rows(result)}
		self.assertEqual(sorted(rows), ["2026-01-31", "2026-02-28", "2026-03-31"])
		jan, feb, mar = rows["2026-01-31"], rows["2026-02-28"], rows["2026-03-31"]
		# 31 Dec: L0 50 + L2 60 + L3 80 = 190 (L1 not begun); 31 Jan: L2 ended on the 20th,
		# L1 began: 50 + 80 + 80 = 210.
		self.assertEqual(
			(jan.opening_mrr, jan.new_mrr, jan.churned_mrr, jan.expansion_mrr, jan.contraction_mrr, jan.mrr),
			(190, 80, 60, 0, 0, 210),
		)
		self.assertEqual((jan.subscribers, jan.new, jan.churned, jan.reactivated), (3, 1, 1, 0))
		self.assertEqual(jan.churn_rate, 33.33)  # 1 of the 3 at the opening
		self.assertEqual(jan.arpu, 70)  # 210 / 3
		self.assertEqual(jan.arr, 2520)
		# February: L0 50 -> 80 on the 15th.
		self.assertEqual((feb.opening_mrr, feb.expansion_mrr, feb.mrr, feb.churned), (210, 30, 240, 0))
		# March: L2 back (a new subscription at the same address) 50, L3 80 -> 50.
		self.assertEqual(
			(mar.opening_mrr, mar.reactivated_mrr, mar.new_mrr, mar.contraction_mrr, mar.mrr),
			(240, 50, 0, 30, 260),
		)
		self.assertEqual((mar.subscribers, mar.reactivated, mar.new), (4, 1, 0))
		self.assertEqual(mar.arpu, 65)
		self.assertEqual(mar.revenue_churn, 12.5)  # 30 / 240

	def test_mrr_by_plan_and_month(self):
		result = _report(
			"MRR Movements",
			company=self.company,
			from_date="2026-01-01",
			to_date="2026-03-31",
			customer_group=self.group.name,
			group_by="Plan and Month",
		)
		rows = {(r.plan, str(r.month)): r for r in _rows(result)}
		self.assertEqual(len(rows), 6)  # 2 plans x 3 months
		a = [rows[(PLAN_A, m)] for m in ("2026-01-31", "2026-02-28", "2026-03-31")]
		b = [rows[(PLAN_B, m)] for m in ("2026-01-31", "2026-02-28", "2026-03-31")]
		# Plan A (L2's main line is plan A, its mesh an add-on): 31 Dec L0 50 + L2 60 = 110;
		# January L2 churned: 50, churn 1 of 2; February L0 +30: 80; March L2 back: 130.
		self.assertEqual(
			(a[0].opening_mrr, a[0].churned_mrr, a[0].mrr, a[0].subscribers, a[0].churned),
			(110, 60, 50, 1, 1),
		)
		self.assertEqual((a[0].churn_rate, a[0].arpu, a[0].arr), (50, 50, 600))
		self.assertEqual((a[1].expansion_mrr, a[1].mrr), (30, 80))
		self.assertEqual(
			(a[2].reactivated_mrr, a[2].reactivated, a[2].new, a[2].mrr, a[2].subscribers, a[2].arr),
			(50, 1, 0, 130, 2, 1560),
		)
		self.assertEqual(a[2].arpu, 65)
		# Plan B: 31 Dec L3 80; January L1 new: 160 (ARPU 80); flat; March L3 -30: 130.
		self.assertEqual(
			(b[0].opening_mrr, b[0].new_mrr, b[0].new, b[0].mrr, b[0].arpu), (80, 80, 1, 160, 80)
		)
		self.assertEqual((b[1].opening_mrr, b[1].mrr, b[1].churned), (160, 160, 0))
		self.assertEqual((b[2].contraction_mrr, b[2].mrr, b[2].revenue_churn), (30, 130, 18.75))
		self.assertEqual((b[2].churn_rate, b[2].arr), (0, 1560))
		# The plans add up to the month's MRR (210, 240, 260 in the month view).
		self.assertEqual([x.mrr + y.mrr for x, y in zip(a, b, strict=True)], [210, 240, 260])
		summary = {s["label"]: s["value"] for s in result["report_summary"]}
		self.assertEqual((summary[frappe._("MRR")], summary[frappe._("ARR")]), (260, 3120))
		only_b = _rows(
			_report(
				"MRR Movements",
				company=self.company,
				from_date="2026-01-01",
				to_date="2026-03-31",
				customer_group=self.group.name,
				group_by="Plan and Month",
				plan=PLAN_B,
			)
		)
		self.assertEqual([(r.plan, r.mrr) for r in only_b], [(PLAN_B, 160), (PLAN_B, 160), (PLAN_B, 130)])

	def test_subscribers_by_plan_and_area(self):
		frappe.db.set_value("Service Location", self.locations[3], "location_status", "Suspended")
		result = _report(
			"Subscribers by Plan and Area",
			company=self.company,
			date="2026-03-31",
			customer_group=self.group.name,
		)
		rows = {(r.item, r.area): r for r in _rows(result)}
		# Today's lines: L0 plan A 50 (its lines were not rewritten by the test's change row),
		# L2 plan A 50; L1 plan B 80, L3 plan B 80 (suspended).
		self.assertEqual(set(rows), {(PLAN_A, POSTAL), (PLAN_B, POSTAL)})
		self.assertEqual((rows[(PLAN_A, POSTAL)].subscribers, rows[(PLAN_A, POSTAL)].mrr), (2, 100))
		plan_b = rows[(PLAN_B, POSTAL)]
		self.assertEqual((plan_b.subscribers, plan_b.active, plan_b.suspended, plan_b.mrr), (2, 1, 1, 160))
		by_city = _rows(
			_report(
				"Subscribers by Plan and Area",
				company=self.company,
				date="2026-03-31",
				area="City",
				customer_group=self.group.name,
			)
		)
		self.assertEqual({r.area for r in by_city}, {"Testville"})

	def _invoice(self, customer, net, posting, due):
		template = quebec_sales_taxes(self.company, "Gigafibre Test Reports GST + QST")
		invoice = frappe.get_doc(
			{
				"doctype": "Sales Invoice",
				"customer": customer,
				"company": self.company,
				"set_posting_time": 1,
				"posting_date": posting,
				"due_date": due,
				"taxes_and_charges": template,
				"items": [{"item_code": PLAN_B, "qty": 1, "rate": net}],
			}
		)
		invoice.set_missing_values()
		invoice.set_taxes()
		invoice.insert()
		invoice.submit()
		return invoice

	def test_tax_totals_against_the_gl(self):
		first = self._invoice(self.customers[0], 200, "2026-02-03", "2026-02-18")
		self._invoice(self.customers[1], 400, "2026-02-20", "2026-03-07")
		gst, qst = (
			frappe.db.get_value("Account", {"company": self.company, "account_name": n, "is_group": 0})
			for n in ("GST", "QST")
		)
		filters = {
			"company": self.company,
			"from_date": "2026-02-01",
			"to_date": "2026-02-28",
			"customer_group": self.group.name,
		}
		rows = {r.account: r for r in _rows(_report("Sales Tax Reconciliation", **filters))}
		# GST 5 %: 10.00 + 20.00; QST 9.975 %: 19.95 + 39.90.
		self.assertEqual((rows[gst].invoiced, rows[gst].ledger, rows[gst].invoices), (30.0, 30.0, 2))
		self.assertEqual((rows[qst].invoiced, rows[qst].ledger), (59.85, 59.85))
		self.assertEqual({rows[gst].status, rows[qst].status}, {frappe._("Matches")})
		# A ledger that no longer matches its invoices (a GL row edited by hand) is flagged.
		frappe.db.sql(
			"update `tabGL Entry` set credit = credit + 1, credit_in_account_currency = credit_in_account_currency + 1"
			" where voucher_no = %s and account = %s",
			(first.name, qst),
		)
		rows = {r.account: r for r in _rows(_report("Sales Tax Reconciliation", **filters))}
		self.assertEqual((rows[qst].ledger, rows[qst].difference), (60.85, -1.0))
		self.assertEqual(rows[qst].status, frappe._("Differs"))
		self.assertEqual(rows[gst].status, frappe._("Matches"))

	def test_receivables_with_service_status(self):
		day = getdate(today())
		# 229.95 and 459.90 with taxes, or as the site rounds its totals (CAD: to 0.05).
		owed_late = self._invoice(
			self.customers[2], 200, add_days(day, -50), add_days(day, -45)
		).outstanding_amount
		owed_now = self._invoice(
			self.customers[3], 400, add_days(day, -5), add_days(day, 10)
		).outstanding_amount
		self.assertAlmostEqual(owed_late, 229.95, delta=0.051)
		frappe.db.set_value("Service Location", self.locations[2], "location_status", "Suspended")
		rows = {
			r.customer: r
			for r in _rows(
				_report(
					"Receivables by Service Status",
					company=self.company,
					date=str(day),
					customer_group=self.group.name,
				)
			)
		}
		late, current = rows[self.customers[2]], rows[self.customers[3]]
		self.assertEqual(
			(late.outstanding, late.d31_60, late.d0_30, late.service_status),
			(owed_late, owed_late, 0, "Suspended"),
		)
		self.assertEqual(
			(current.outstanding, current.d0_30, current.service_status), (owed_now, owed_now, "Active")
		)
		suspended_only = _rows(
			_report(
				"Receivables by Service Status",
				company=self.company,
				date=str(day),
				customer_group=self.group.name,
				service_status="Suspended",
			)
		)
		self.assertEqual([r.customer for r in suspended_only], [self.customers[2]])

	# ------------------------------------------------------------ field
	def _job(self, tech, **values):
		doc = frappe.get_doc(
			{
				"doctype": "Dispatch Job",
				"subject": f"Rpt {self.tag}",
				"priority": "Normal",
				"technician": tech.name,
				"technician_name": tech.full_name,
				"expected_duration": 60,
				**values,
			}
		)
		doc.db_insert()  # the row as the field leaves it; no hook (an Install would bill)
		return doc

	def test_technician_performance(self):
		tech = make_technician(
			full_name=f"Rpt Tech {self.tag}",
			mobile="514 555-0177",
			working_hours=[
				{
					"weekday": "Tuesday",
					"start_time": "08:00:00",
					"end_time": "17:00:00",
					"break_start": "11:30:00",
					"break_minutes": 30,
				}
			],
		)
		day = datetime(2026, 4, 7)
		at = lambda h, m=0: day + timedelta(hours=h, minutes=m)  # noqa: E731
		# 1. Install at L0, window 8-10, in at 9:10, out 10:40 (90 min); a Repair at L0 is
		#    created 10 days later: not fixed first time. Gate overridden.
		self._job(
			tech,
			job_type="Install",
			status="Completed",
			service_location=self.locations[0],
			window_start=at(8),
			window_end=at(10),
			scheduled_start=at(9),
			scheduled_end=at(10),
			check_in_at=at(9, 10),
			check_out_at=at(10, 40),
			acceptance_status="Overridden",
			acceptance_override=1,
		)
		# 2. Repair at L1, window 10-12, in at 12:30 (late), out 13:00 (30 min). Gate failed.
		#    The Traccar geofence saw the van arrive at 12:20.
		self._job(
			tech,
			job_type="Repair",
			status="Completed",
			service_location=self.locations[1],
			window_start=at(10),
			window_end=at(12),
			scheduled_start=at(11),
			scheduled_end=at(12),
			check_in_at=at(12, 30),
			gps_on_site_at=at(12, 20),
			check_out_at=at(13),
			acceptance_status="Failed",
		)
		# 3. Repair at L2, window 14-16, in at 13:50 (early), out 14:50 (60 min).
		self._job(
			tech,
			job_type="Repair",
			status="Completed",
			service_location=self.locations[2],
			window_start=at(14),
			window_end=at(16),
			scheduled_start=at(14),
			scheduled_end=at(15),
			check_in_at=at(13, 50),
			check_out_at=at(14, 50),
		)
		# 4. The repeat Repair at L0, made on 17 April, planned for the 20th, not done yet.
		repeat = self._job(
			tech,
			job_type="Repair",
			status="Assigned",
			service_location=self.locations[0],
			scheduled_start=datetime(2026, 4, 20, 9),
			scheduled_end=datetime(2026, 4, 20, 10),
		)
		frappe.db.set_value(
			"Dispatch Job", repeat.name, "creation", datetime(2026, 4, 17, 9), update_modified=False
		)
		rows = _rows(
			_report(
				"Technician Performance", from_date="2026-04-01", to_date="2026-04-30", technician=tech.name
			)
		)
		self.assertEqual(len(rows), 1)
		row = rows[0]
		self.assertEqual((row.jobs, row.completed, row.jobs_per_day), (4, 3, 3))  # 3 completed on 1 day
		self.assertEqual((row.early, row.late, row.on_time_rate), (1, 1, 33.33))  # 1 of 3 in the window
		self.assertEqual((row.repeats, row.first_time_fix), (1, 66.67))  # job 1 of 3 came back
		self.assertEqual((row.gate_failed, row.overridden), (1, 1))
		# Actual travel on the 7th (a Tuesday, shift 8:00-17:00 less 30 min: 510 min): 8:00 -> 9:10
		# 70 min, 10:40 -> 12:20 (the GPS arrival, before the check-in) 100, 13:00 -> 13:50 50 = 220
		# min = 3.67 h, 43.14 % of 510. The 20th (no arrival yet) adds nothing.
		self.assertEqual((row.actual_travel_hours, row.actual_travel_share), (3.67, 43.14))
		by_day = _rows(
			_report(
				"Technician Performance",
				from_date="2026-04-01",
				to_date="2026-04-30",
				technician=tech.name,
				group_by="Technician and Day",
			)
		)
		self.assertEqual([(str(r.day), r.jobs) for r in by_day], [("2026-04-07", 3), ("2026-04-20", 1)])
		self.assertEqual(
			[(r.actual_travel_hours, r.actual_travel_share) for r in by_day], [(3.67, 43.14), (0, None)]
		)
		durations = {
			r.job_type_label: r
			for r in _rows(
				_report(
					"Job Duration by Type", from_date="2026-04-01", to_date="2026-04-30", technician=tech.name
				)
			)
		}
		self.assertEqual(
			(durations[frappe._("Install")].jobs, durations[frappe._("Install")].mean_minutes), (1, 90)
		)
		repair = durations[frappe._("Repair")]
		self.assertEqual(
			(repair.jobs, repair.mean_minutes, repair.min_minutes, repair.max_minutes), (2, 45, 30, 60)
		)

	# ------------------------------------------------------------ network and support
	def test_onu_levels_and_outages(self):
		from gigafibre.network import tasks

		olt = f"OLT-RPT-{self.tag}"
		saved = tasks.latest_readings()
		try:
			frappe.cache.set_value(
				tasks.READINGS_CACHE,
				{
					olt: {
						"at": "2026-04-07T10:00:00",
						"onus": [
							["0/1/1", 1, "online", -18.2],  # good
							["0/1/1", 2, "online", -25.5],  # marginal
							["0/1/1", 3, "online", -28.4],  # low
							["0/1/1", 4, "offline", None],  # no reading
							["0/1/2", 1, "online", -6.0],  # overload
						],
					}
				},
			)
			rows = {r.pon_port: r for r in _rows(_report("ONU Optical Levels", olt=olt))}
		finally:
			frappe.cache.set_value(tasks.READINGS_CACHE, saved)
		first = rows["0/1/1"]
		self.assertEqual(
			(first.onus, first.placed, first.good, first.marginal, first.low, first.no_reading),
			(4, 4, 1, 1, 1, 1),
		)
		self.assertEqual((rows["0/1/2"].overload, rows["0/1/2"].placed), (1, 0))

		started = datetime(2026, 4, 2, 8, 0)
		for minutes, locations in ((90, self.locations[:3]), (30, self.locations[:1])):
			frappe.get_doc(
				{
					"doctype": "Outage",
					"monitor_name": f"Rpt {self.tag}",
					"olt": olt,
					"status": "Resolved",
					"started_at": started,
					"resolved_at": started + timedelta(minutes=minutes),
					"affected_locations": [
						{
							"service_location": loc,
							"customer": frappe.db.get_value("Service Location", loc, "customer"),
						}
						for loc in locations
					],
				}
			).insert(ignore_permissions=True)
		result = _report("Outage Duration", from_date="2026-04-01", to_date="2026-04-30", olt=olt)
		rows = _rows(result)
		self.assertEqual(sorted((r.minutes, r.customers) for r in rows), [(30, 1), (90, 3)])
		summary = {s["label"]: s["value"] for s in result["report_summary"]}
		self.assertEqual(summary[frappe._("MTTR (minutes)")], 60)  # (90 + 30) / 2

	def test_tickets_per_subscribers_and_repeat_callers(self):
		for name in ("_Test Rpt Wi-Fi", "_Test Rpt Billing"):
			if not frappe.db.exists("Issue Type", name):
				frappe.get_doc({"doctype": "Issue Type", "__newname": name}).insert()
		opened = date(2026, 4, 10)
		# Customer 0 calls three times (Wi-Fi twice, billing once), customer 1 once (Wi-Fi).
		for customer, category in (
			(self.customers[0], "_Test Rpt Wi-Fi"),
			(self.customers[0], "_Test Rpt Wi-Fi"),
			(self.customers[0], "_Test Rpt Billing"),
			(self.customers[1], "_Test Rpt Wi-Fi"),
		):
			frappe.get_doc(
				{
					"doctype": "Issue",
					"subject": f"Rpt {self.tag}",
					"customer": customer,
					"issue_type": category,
					"opening_date": opened,
					"company": self.company,
				}
			).insert(ignore_permissions=True)
		filters = {
			"company": self.company,
			"from_date": "2026-04-01",
			"to_date": "2026-04-30",
			"customer_group": self.group.name,
		}
		rows = {(r.area, r.category): r for r in _rows(_report("Tickets per Subscribers", **filters))}
		# On 30 April the group has 4 subscribers in X9X: Wi-Fi 3 tickets -> 75 per 100.
		wifi, billing = rows[(POSTAL, "_Test Rpt Wi-Fi")], rows[(POSTAL, "_Test Rpt Billing")]
		self.assertEqual((wifi.tickets, wifi.subscribers, wifi.per_100), (3, 4, 75))
		self.assertEqual((billing.tickets, billing.per_100), (1, 25))
		callers = _rows(
			_report(
				"Repeat Callers", from_date="2026-04-01", to_date="2026-04-30", customer_group=self.group.name
			)
		)
		self.assertEqual([(r.customer, r.tickets) for r in callers], [(self.customers[0], 3)])
		self.assertEqual(callers[0].categories, "_Test Rpt Billing, _Test Rpt Wi-Fi")

	def test_the_pollers_stored_readings_feed_the_onu_report(self):
		from gigafibre.errors import ServiceError
		from gigafibre.network import tasks
		from gigafibre.network.olt_snmp import OltPoll, OnuSnapshot

		olt = f"OLT-RPT-{self.tag}"
		saved = tasks.latest_readings()
		try:
			frappe.cache.delete_value(tasks.READINGS_CACHE)
			tasks.store_readings(
				[
					OltPoll(
						olt,
						[
							OnuSnapshot(olt, "0/1/1", 1, "online", -18.2),  # good
							OnuSnapshot(olt, "0/1/1", 2, "online", -28.4),  # low
							OnuSnapshot(olt, "0/1/1", 3, "offline"),  # no reading
						],
					)
				],
				"2026-04-07T10:00:00",
			)
			# The next poll: the OLT does not answer; its readings of 10:00 stay.
			failed = OltPoll(olt, error=ServiceError("OLT {0} did not answer", olt))
			tasks.store_readings([failed], "2026-04-07T10:05:00")
			self.assertEqual(tasks.latest_readings()[olt]["at"], "2026-04-07T10:00:00")
			rows = _rows(_report("ONU Optical Levels", olt=olt))
		finally:
			frappe.cache.set_value(tasks.READINGS_CACHE, saved)
		self.assertEqual(len(rows), 1)
		port = rows[0]
		self.assertEqual(
			(port.pon_port, port.onus, port.good, port.low, port.no_reading, port.placed),
			("0/1/1", 3, 1, 1, 1, 4),  # the four test locations are placed on 0/1/1
		)
		self.assertEqual(str(port.polled_at), "2026-04-07T10:00:00")  # the poll that answered

	# ------------------------------------------------------------ permissions
	def test_a_technician_cannot_open_the_revenue_reports(self):
		email = f"rpt-tech-{self.tag}@example.com"
		user = frappe.get_doc(
			{"doctype": "User", "email": email, "first_name": "Rpt", "send_welcome_email": 0}
		)
		user.insert(ignore_permissions=True)
		user.add_roles("Technician")
		manager = f"rpt-accounts-{self.tag}@example.com"
		other = frappe.get_doc(
			{"doctype": "User", "email": manager, "first_name": "Mgr", "send_welcome_email": 0}
		)
		other.insert(ignore_permissions=True)
		other.add_roles("Accounts Manager")
		gm = f"rpt-gm-{self.tag}@example.com"
		gm_user = frappe.get_doc(
			{"doctype": "User", "email": gm, "first_name": "Gm", "send_welcome_email": 0}
		)
		gm_user.insert(ignore_permissions=True)
		gm_user.add_roles("Gigafibre Manager")  # no accounting role
		revenue = (
			"MRR Movements",
			"Subscribers by Plan and Area",
			"Sales Tax Reconciliation",
			"Receivables by Service Status",
		)
		try:
			frappe.set_user(email)
			for name in revenue:
				with self.assertRaises(frappe.PermissionError, msg=name):
					_report(name, company=self.company)
			for user in (manager, gm):
				frappe.set_user(user)
				for name in revenue:
					self.assertIn(
						"result", _report(name, company=self.company, customer_group=self.group.name), name
					)
		finally:
			frappe.set_user("Administrator")
