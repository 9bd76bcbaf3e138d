"""Recurring billing on a real site, with frozen time over several months: an install begins the
subscription (first month prorated), monthly cycles, a re-run that makes nothing, an upgrade
mid-cycle, cancellation with its credit and Removal job, unreturned equipment invoiced."""

import uuid

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils import flt, getdate

from gigafibre.billing import cancellation, changes, cycle, overview, subscriptions
from gigafibre.billing.setup import ensure_custom_fields as billing_fields
from gigafibre.onboarding.setup import ensure_custom_fields as onboarding_fields
from gigafibre.tests.test_onboarding import _catalog_fixture
from gigafibre.tests.utils import call_endpoint, company, ensure_outgoing_email_account, make_technician

PLAN = "_Test Web Fibre 500"  # 65 a month (test_onboarding's catalog)
MESH = "_Test Web Wifi Mesh"  # 10 a month
FAST = "_Test Bill Fibre 1000"  # 90 a month, made here
NODE = "_Test Bill Mesh Node"  # 12 a month, needs a technician
ONT_FEE = "_Test Bill Unreturned ONT"  # 150, the price of an ONT not returned


def _item(code: str, kind: str, rate: float, **fields) -> None:
	"""A catalog item priced since January 2026 (the tests travel back to 2026's months); kept
	from an earlier run when it is there."""
	if frappe.db.exists("Item", code):
		frappe.db.set_value("Item", code, "gigafibre_web_sale", 0)
	else:
		frappe.get_doc(
			{
				"doctype": "Item",
				"item_code": code,
				"item_name": code.replace("_Test Bill ", ""),
				"item_group": frappe.db.get_value("Item Group", {"is_group": 0}, "name"),
				"stock_uom": "Nos",
				"is_stock_item": 0,
				# Kind without web sale: plans staff may sell, kept out of other tests' web catalog.
				"gigafibre_web_sale": 0,
				"gigafibre_kind": kind or None,
				**fields,
			}
		).insert()
	price_list = frappe.db.get_single_value("Selling Settings", "selling_price_list")
	price = frappe.db.get_value("Item Price", {"item_code": code, "price_list": price_list})
	if price:
		frappe.db.set_value("Item Price", price, {"price_list_rate": rate, "valid_from": "2026-01-01"})
		return
	frappe.get_doc(
		{
			"doctype": "Item Price",
			"item_code": code,
			"price_list": price_list,
			"price_list_rate": rate,
			"valid_from": "2026-01-01",
		}
	).insert()


def _series_current(prefix: str) -> int:
	rows = frappe.db.sql("select `current` from `tabSeries` where `name` = %s", prefix)
	return int(rows[0][0]) if rows else 0


class BillingTestCase(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		onboarding_fields()
		billing_fields()
		cls.template = _catalog_fixture(company())
		_item(FAST, "Plan", 90)
		_item(NODE, "Add-on", 12, gigafibre_needs_technician=1)
		_item(ONT_FEE, "", 150, gigafibre_equipment_type="ONT")
		frappe.db.set_single_value(
			"Gigafibre Settings",
			{
				"billing_day": "Calendar Month",
				"invoice_days_until_due": 15,
				"invoice_email": 1,
				"equipment_return_days": 30,
			},
		)
		ensure_outgoing_email_account()
		frappe.flags.gigafibre_jobs_inline = True
		cls.technician = make_technician(technician_name=f"Billing Tech {uuid.uuid4().hex[:6]}")

	@classmethod
	def tearDownClass(cls):
		frappe.flags.gigafibre_jobs_inline = False
		super().tearDownClass()

	def at(self, moment: str):
		"""Time frozen at `moment` (site time), ticking: saves in a row keep distinct timestamps."""
		return self.freeze_time(moment, tick=True)

	def customer(self, email: bool = True) -> str:
		key = uuid.uuid4().hex[:8]
		customer = frappe.get_doc(
			{
				"doctype": "Customer",
				"customer_name": f"Abonné {key}",
				"customer_type": "Individual",
				"language": "fr",
			}
		).insert()
		if email:
			frappe.db.set_value("Customer", customer.name, "email_id", f"abonne-{key}@example.com")
		return customer.name

	def location(self, customer: str, status: str = "Pending") -> str:
		return (
			frappe.get_doc(
				{
					"doctype": "Service Location",
					"customer": customer,
					# Not the onboarding tests' street: their address search counts what is there.
					"address_line1": f"{uuid.uuid4().int % 9000 + 100} boulevard de la Facturation",
					"city": "Montréal",
					"postal_code": "H1A 0A1",
					"location_status": status,
				}
			)
			.insert()
			.name
		)

	def accepted_order(self, customer: str, location: str, items=((PLAN, 65), (MESH, 10))) -> str:
		"""A Sales Order as an accepted web order leaves it: the plan, the add-on and the install fee."""
		order = frappe.get_doc(
			{
				"doctype": "Sales Order",
				"customer": customer,
				"company": company(),
				"transaction_date": frappe.utils.nowdate(),
				"delivery_date": frappe.utils.nowdate(),
				"taxes_and_charges": self.template,
				"items": [{"item_code": code, "qty": 1, "rate": rate} for code, rate in items]
				+ [{"item_code": "_Test Web Install", "qty": 1, "rate": 99.99}],
			}
		)
		order.insert()
		order.submit()
		frappe.get_doc(
			{
				"doctype": "Web Order",
				"order_key": f"billing-{uuid.uuid4().hex}",
				"status": "Accepted",
				"customer": customer,
				"service_location": location,
				"sales_order": order.name,
			}
		).insert(ignore_permissions=True)
		return order.name

	def complete_install(self, location: str, customer: str) -> str:
		job = frappe.get_doc(
			{
				"doctype": "Dispatch Job",
				"subject": "Installation",
				"job_type": "Install",
				"priority": "Normal",
				"expected_duration": 120,
				"service_location": location,
				"customer": customer,
			}
		).insert()
		job.technician = self.technician.name
		for status in ("Assigned", "En Route", "On Site", "Completed"):
			job.status = status
			job.save()
		return job.name

	def invoices(self, subscription: str) -> list:
		return frappe.get_all(
			"Sales Invoice",
			filters={"subscription": subscription, "docstatus": 1},
			fields=[
				"name",
				"from_date",
				"to_date",
				"net_total",
				"grand_total",
				"is_return",
				"gigafibre_billing_key",
				"due_date",
				"gigafibre_service_location",
			],
			order_by="from_date asc, creation asc",
		)

	def lines(self, invoice: str) -> list[tuple]:
		return [
			(row.item_code, flt(row.qty), flt(row.rate))
			for row in frappe.get_doc("Sales Invoice", invoice).items
		]

	def subscribed(self, start: str, items=((PLAN, 65), (MESH, 10))) -> tuple[str, str, str]:
		"""A customer whose install was completed on `start`: (customer, location, subscription)."""
		customer = self.customer()
		location = self.location(customer)
		self.accepted_order(customer, location, items)
		with self.at(f"{start} 14:00:00"):
			self.complete_install(location, customer)
		return customer, location, subscriptions.of_location(location)


class TestActivationAndCycles(BillingTestCase):
	def test_install_begins_the_subscription_and_three_cycles_follow(self):
		customer, location, name = self.subscribed("2026-03-22")
		self.assertTrue(name, "the completed install began no subscription")
		sub = frappe.get_doc("Subscription", name)
		self.assertEqual((sub.party, sub.gigafibre_service_location), (customer, location))
		self.assertEqual(getdate(sub.start_date), getdate("2026-03-22"))
		self.assertEqual(
			sorted((row.plan, flt(row.gigafibre_rate)) for row in sub.plans), [(PLAN, 65.0), (MESH, 10.0)]
		)
		self.assertEqual(frappe.db.get_value("Service Location", location, "location_status"), "Active")

		first = self.invoices(name)
		self.assertEqual(len(first), 1)
		self.assertEqual((str(first[0].from_date), str(first[0].to_date)), ("2026-03-22", "2026-03-31"))
		# 10 days of 31: 65 -> 20.97, 10 -> 3.23 (the install fee was the deposit's, not here).
		self.assertEqual(sorted(self.lines(first[0].name)), [(PLAN, 1.0, 20.97), (MESH, 1.0, 3.23)])
		self.assertAlmostEqual(first[0].net_total, 24.20)
		self.assertAlmostEqual(first[0].grand_total, round(24.20 * 1.14975, 2), places=2)  # GST + QST
		self.assertEqual(first[0].gigafibre_billing_key, f"{name}/2026-03-22")
		self.assertEqual(first[0].gigafibre_service_location, location)
		self.assertEqual(str(first[0].due_date), "2026-04-06")
		self.assertTrue(
			frappe.db.exists(
				"Email Queue", {"reference_doctype": "Sales Invoice", "reference_name": first[0].name}
			),
			"the invoice was not e-mailed",
		)

		# The pre-authorized payment run charges it once due.
		from gigafibre.payments import ppa

		frappe.db.set_value(
			"Customer",
			customer,
			{
				"gigafibre_ppa_enabled": 1,
				"stripe_customer_id": f"cus_{uuid.uuid4().hex[:14]}",
				"gigafibre_ppa_payment_method": "pm_card_visa",
			},
		)
		self.assertIn(first[0].name, [row.name for row in ppa.due_invoices("2026-04-06")])
		self.assertNotIn(first[0].name, [row.name for row in ppa.due_invoices("2026-04-05")])

		for month in ("2026-04-01", "2026-05-01", "2026-06-01"):
			with self.at(f"{month} 02:00:00"):
				cycle.run()
		billed = self.invoices(name)
		self.assertEqual(
			[(str(i.from_date), str(i.to_date), flt(i.net_total)) for i in billed[1:]],
			[
				("2026-04-01", "2026-04-30", 75.0),
				("2026-05-01", "2026-05-31", 75.0),
				("2026-06-01", "2026-06-30", 75.0),
			],
		)
		sub.reload()
		self.assertEqual(str(sub.current_invoice_start), "2026-07-01")

		# The same cycle again, by our run, by the batch job and by ERPNext's own daily process:
		# nothing more.
		with self.at("2026-06-01 09:00:00"):
			cycle.run()
			cycle.bill_batch([name], "2026-06-01")
			from erpnext.accounts.doctype.subscription.subscription import process_all

			process_all(subscription=name, posting_date="2026-06-01")
		self.assertEqual(len(self.invoices(name)), 4)

	def test_a_missed_month_is_caught_up_and_a_replayed_period_is_found_not_remade(self):
		_customer, _location, name = self.subscribed("2026-02-01")
		with self.at("2026-04-03 08:00:00"):  # no run on March 1 nor April 1
			cycle.run()
		billed = self.invoices(name)
		self.assertEqual([str(i.from_date) for i in billed], ["2026-02-01", "2026-03-01", "2026-04-01"])
		sub = frappe.get_doc("Subscription", name)
		# A worker that read the subscription before the others moved it on finds the invoices.
		again = cycle.invoice_for(
			sub,
			cycle.periods.Period(getdate("2026-03-01"), getdate("2026-03-31")),
			getdate("2026-04-03"),
			subscriptions.monthly_lines(sub),
			cycle.Context(),
		)
		self.assertEqual(again, billed[1].name)
		self.assertEqual(len(self.invoices(name)), 3)

	def test_a_batch_numbers_its_invoices_in_sequence_and_returns_the_numbers_it_did_not_use(self):
		from unittest.mock import patch

		from gigafibre.billing import invoice_numbers

		subs = [self.subscribed("2026-03-22")[2] for _ in range(3)]
		failing = frappe.db.get_value("Subscription", subs[1], "party")
		queue_call = cycle.outbox.queue_call

		def fails_for_one(method, **kwargs):
			if kwargs.get("customer") == failing:  # after its invoice took a number
				raise frappe.ValidationError("mail refused")
			return queue_call(method, **kwargs)

		with self.at("2026-04-01 02:00:00"), patch.object(cycle.outbox, "queue_call", fails_for_one):
			block = invoice_numbers.Block()
			self.assertTrue(block.series, "Sales Invoice is not named by a naming series here")
			before = _series_current(block.prefix)
			counts = cycle.bill_batch(subs, "2026-04-01")
			after = _series_current(block.prefix)
		self.assertEqual(counts, {"invoices": 2, "failed": 1})
		april = [
			i.name for s in (subs[0], subs[2]) for i in self.invoices(s) if str(i.from_date) == "2026-04-01"
		]
		self.assertEqual(len(april), 2)
		numbers = [int(name.rsplit("-", 1)[1]) for name in april]
		# The failed subscription's number went to the next one; the block's rest went back.
		self.assertEqual(numbers, [before + 1, before + 2])
		self.assertEqual(after, before + 2)
		self.assertFalse(self.invoices(subs[1])[1:], "the failed subscription kept an invoice")
		self.assertTrue(
			frappe.db.exists(
				"Outgoing Message",
				{"call_method": cycle.EMAIL_INVOICE, "dedupe_key": f"invoice-email:{april[0]}"},
			),
			"the invoice's e-mail was not stored with it",
		)

	def test_two_addresses_are_two_subscriptions(self):
		customer = self.customer()
		first, second = self.location(customer), self.location(customer)
		self.accepted_order(customer, first)
		self.accepted_order(customer, second, items=((FAST, 90),))
		with self.at("2026-05-10 10:00:00"):
			self.complete_install(first, customer)
			self.complete_install(second, customer)
		a, b = subscriptions.of_location(first), subscriptions.of_location(second)
		self.assertTrue(a and b and a != b)
		shown = {s["service_location"]: s for s in overview.for_customer(customer)}
		self.assertEqual(set(shown), {first, second})
		self.assertEqual(shown[second]["monthly_total"], 90.0)
		self.assertEqual(shown[first]["status"], "Active")

	def test_an_install_without_an_accepted_order_begins_nothing(self):
		customer = self.customer()
		location = self.location(customer)
		with self.at("2026-05-10 10:00:00"):
			self.complete_install(location, customer)
		self.assertIsNone(subscriptions.of_location(location))


class TestPlanChanges(BillingTestCase):
	def test_upgrade_mid_cycle_is_prorated_on_the_next_invoice_and_recorded(self):
		_customer, _location, name = self.subscribed("2026-04-01")
		with self.at("2026-04-21 11:00:00"):
			result = changes.change_plan(name, plan=FAST, source="Desk")
		self.assertEqual(result["change_type"], "Upgrade")
		self.assertEqual(result["price_difference"], 25.0)
		# Ten days left of thirty: credit 65 * 10/30 = 21.67, charge 90 * 10/30 = 30.00.
		self.assertEqual(result["prorated_amount"], 8.33)
		change = frappe.get_doc("Subscription Change", result["change"])
		self.assertEqual((change.changed_by, change.source), ("Administrator", "Desk"))
		self.assertTrue(change.changed_at)
		with self.at("2026-05-01 03:00:00"):
			cycle.run()
		may = self.invoices(name)[-1]
		self.assertEqual(str(may.from_date), "2026-05-01")
		# The charge is a line; the credit (ERPNext refuses negative lines) the additional discount.
		self.assertEqual(
			sorted(self.lines(may.name)), sorted([(FAST, 1.0, 90.0), (MESH, 1.0, 10.0), (FAST, 1.0, 30.0)])
		)
		may_doc = frappe.get_doc("Sales Invoice", may.name)
		self.assertAlmostEqual(may_doc.discount_amount, 21.67)
		self.assertIn("-21,67", may_doc.remarks.replace("\u00a0", " "))
		self.assertAlmostEqual(may.net_total, 108.33)
		self.assertAlmostEqual(may.grand_total, round(108.33 * 1.14975, 2), places=1)
		self.assertEqual(frappe.db.get_value("Subscription Change", change.name, "billed_invoice"), may.name)
		# Settled once: June has the new plan only.
		with self.at("2026-06-01 03:00:00"):
			cycle.run()
		self.assertAlmostEqual(self.invoices(name)[-1].net_total, 100.0)

	def test_an_add_on_that_needs_a_technician_creates_the_job(self):
		_customer, location, name = self.subscribed("2026-04-01")
		with self.at("2026-04-16 11:00:00"):
			result = changes.change_plan(name, add_ons=[MESH, NODE], source="Portal")
		self.assertEqual(result["change_type"], "Add-on Added")
		job = frappe.get_doc("Dispatch Job", result["dispatch_job"])
		self.assertEqual((job.job_type, job.service_location), ("Upgrade", location))
		# 15 days of 30 of 12.
		self.assertEqual(result["prorated_amount"], 6.0)

	def test_nothing_to_change_and_unknown_items_are_refused(self):
		_customer, _location, name = self.subscribed("2026-04-01")
		with self.assertRaisesRegex(frappe.ValidationError, "Nothing to change"):
			changes.change_plan(name, plan=PLAN, add_ons=[MESH])
		with self.assertRaises(frappe.ValidationError):
			changes.change_plan(name, plan=MESH)
		with self.assertRaises(frappe.ValidationError):
			changes.change_plan(name, add_ons=[PLAN])

	def test_desk_endpoints_need_a_billing_role(self):
		_customer, location, name = self.subscribed("2026-04-01")
		user = f"billing-{uuid.uuid4().hex[:6]}@example.com"
		frappe.get_doc(
			{"doctype": "User", "email": user, "first_name": "Tech", "roles": [{"role": "Technician"}]}
		).insert(ignore_permissions=True)
		with self.assertRaises(frappe.PermissionError):
			call_endpoint("gigafibre.api.billing.change_plan", user=user, subscription=name, plan=FAST)
		frappe.set_user("Administrator")
		shown = call_endpoint(
			"gigafibre.api.billing.summary", user="Administrator", get=True, service_location=location
		)
		self.assertEqual(shown[0]["name"], name)
		self.assertEqual(shown[0]["status"], "Active")
		self.assertIsNotNone(shown[0]["next_invoice"])
		with self.assertRaises(frappe.ValidationError):
			call_endpoint(
				"gigafibre.api.billing.change_plan",
				user="Administrator",
				subscription=name,
				add_ons="[not json",
			)
		frappe.set_user("Administrator")


class TestCancellation(BillingTestCase):
	def equipment(self, location: str, customer: str, kind: str = "ONT") -> str:
		return (
			frappe.get_doc(
				{
					"doctype": "Service Equipment",
					"serial_number": f"GF{uuid.uuid4().hex[:10].upper()}",
					"equipment_type": kind,
					"status": "Installed",
					"service_location": location,
					"customer": customer,
				}
			)
			.insert()
			.name
		)

	def test_cancel_mid_month_credits_the_unused_days_and_sends_a_removal_job(self):
		customer, location, name = self.subscribed("2026-05-01")
		ont = self.equipment(location, customer)
		router = self.equipment(location, customer, "Router")
		with self.at("2026-05-10 15:00:00"):
			result = cancellation.cancel(name, "2026-05-10", reason="Moving away")
		sub = frappe.get_doc("Subscription", name)
		self.assertEqual((sub.status, str(sub.end_date)), ("Cancelled", "2026-05-10"))
		credit = frappe.get_doc("Sales Invoice", result["settled"][0])
		self.assertEqual(credit.is_return, 1)
		# 21 unused days of 31: 65 -> 44.03, 10 -> 6.77.
		self.assertAlmostEqual(credit.net_total, -50.80)
		self.assertEqual(credit.gigafibre_billing_key, f"{name}/final")
		job = frappe.get_doc("Dispatch Job", result["removal_job"])
		self.assertEqual(job.job_type, "Removal")
		self.assertEqual(sorted(row.equipment for row in job.equipment), sorted([ont, router]))
		# Nothing more is billed after the end.
		with self.at("2026-06-01 03:00:00"):
			cycle.run()
		self.assertEqual(len(self.invoices(name)), 2)
		# The removal done: the equipment is back.
		job.technician = self.technician.name
		for status in ("Assigned", "En Route", "On Site", "Completed"):
			job.status = status
			job.save()
		self.assertEqual(frappe.db.get_value("Service Equipment", ont, "status"), "Returned")
		with self.assertRaisesRegex(frappe.ValidationError, "already cancelled"):
			cancellation.cancel(name)

	def test_cancel_at_a_later_date_bills_the_last_days_prorated(self):
		_customer, location, name = self.subscribed("2026-05-01")
		with self.at("2026-05-20 15:00:00"):
			cancellation.cancel(name, "2026-06-12")
		with self.at("2026-06-01 03:00:00"):
			cycle.run()
		last = self.invoices(name)[-1]
		self.assertEqual((str(last.from_date), str(last.to_date)), ("2026-06-01", "2026-06-12"))
		self.assertAlmostEqual(last.net_total, 30.0)  # 12 days of 30 of 75
		with self.at("2026-07-01 03:00:00"):
			cycle.run()
			cancellation.finish_ended()
		self.assertEqual(len(self.invoices(name)), 2)
		self.assertEqual(frappe.db.get_value("Service Location", location, "location_status"), "Inactive")

	def test_equipment_not_returned_is_invoiced_once_after_the_deadline(self):
		customer, location, name = self.subscribed("2026-05-01")
		ont = self.equipment(location, customer)
		with self.at("2026-05-31 15:00:00"):
			cancellation.cancel(name, "2026-05-31")
		with self.at("2026-06-20 03:00:00"):
			self.assertEqual(cancellation.finish_ended(), 0)  # still within 30 days
		with self.at("2026-07-02 03:00:00"):
			self.assertEqual(cancellation.finish_ended(), 1)
			cancellation.finish_ended()
		fee = frappe.get_all(
			"Sales Invoice",
			filters={"gigafibre_billing_key": f"equipment/{ont}", "docstatus": 1},
			fields=["name", "net_total", "customer"],
		)
		self.assertEqual(len(fee), 1)
		self.assertEqual((fee[0].customer, flt(fee[0].net_total)), (customer, 150.0))


class TestPortal(BillingTestCase):
	PORTAL = "gigafibre.api.portal."

	def portal(self, method, customer, get=False, **fields):
		from gigafibre.portal import links

		token, _name = links.issue(customer, "SMS", "+15145550101")
		session = call_endpoint(self.PORTAL + "exchange", form={"token": token})["token"]
		try:
			return call_endpoint(
				self.PORTAL + method, get=get, headers={"Authorization": f"Bearer {session}"}, form=fields
			)
		finally:
			frappe.set_user("Administrator")

	def test_the_customer_sees_changes_and_cancels_their_own_subscription_only(self):
		# In real time: portal sessions are signed tokens that a frozen clock would not accept.
		from gigafibre.billing.periods import Period, cents, month_end, prorated

		today = getdate(frappe.utils.today())
		customer, _location, name = self.subscribed(str(frappe.utils.add_days(today, -12)))
		_other, _other_location, others = self.subscribed(str(frappe.utils.add_days(today, -12)))
		cycle.bill_subscription(name, today)
		month = Period(today.replace(day=1), month_end(today))
		shown = self.portal("subscription", customer, get=True)
		self.assertEqual([s["name"] for s in shown], [name])
		self.assertEqual(shown[0]["status"], "Active")
		self.assertEqual(shown[0]["next_invoice"]["date"], str(frappe.utils.add_days(month.end, 1)))

		changed = self.portal("change_plan", customer, subscription=name, plan=FAST)
		rest = Period(today, month.end)
		expected = prorated(90, rest, month) - prorated(65, rest, month)
		self.assertEqual(changed["change_type"], "Upgrade")
		self.assertEqual(cents(changed["prorated_amount"]), expected)
		self.assertEqual(frappe.db.get_value("Subscription Change", changed["change"], "source"), "Portal")
		with self.assertRaises(frappe.DoesNotExistError):
			self.portal("change_plan", customer, subscription=others, plan=FAST)
		with self.assertRaises(frappe.DoesNotExistError):
			self.portal("cancel", customer, subscription=others)
		with self.assertRaisesRegex(frappe.ValidationError, "past"):
			self.portal("cancel", customer, subscription=name, end_date=str(frappe.utils.add_days(today, -1)))
		cancelled = self.portal("cancel", customer, subscription=name, end_date=str(month.end))
		self.assertEqual(cancelled["end_date"], str(month.end))
		self.assertNotIn("removal_job", cancelled)
		self.assertEqual(frappe.db.get_value("Subscription", name, "status"), "Cancelled")
		self.assertEqual(frappe.db.get_value("Subscription", others, "status"), "Active")
