"""ERPNext's Subscription, billed by our cycle when it is one of ours (it has a Service Location).

ERPNext's daily `process_all` and the form's "Fetch Subscription Updates" call `process`, and the
"Cancel Subscription" button calls `cancel_subscription`: both reach `gigafibre.billing` for our
subscriptions, so a subscription is never billed two ways. Others keep ERPNext's behaviour.
"""

import frappe
from erpnext.accounts.doctype.subscription.subscription import Subscription
from frappe.utils import getdate, today


class GigafibreSubscription(Subscription):
	def is_ours(self) -> bool:
		return bool(self.get("gigafibre_service_location"))

	@frappe.whitelist()
	def process(self, posting_date=None) -> bool:
		if not self.is_ours():
			return super().process(posting_date)
		from gigafibre.billing import cycle

		cycle.bill_subscription(self.name, getdate(posting_date or today()))
		self.reload()
		return True

	@frappe.whitelist()
	def cancel_subscription(self) -> None:
		if not self.is_ours():
			return super().cancel_subscription()
		from gigafibre.billing import cancellation

		cancellation.cancel(self.name, today(), source="Desk")
		self.reload()
