"""Who a phone number is: the customers reachable at it, whatever way the number was typed.

Read by the conversations (which thread an SMS joins) and by the SMS client's STOP check, so it
lives apart from both.
"""

import frappe

from gigafibre.errors import InvalidValue
from gigafibre.messaging.phone import to_e164


def safe_e164(value: str | None) -> str | None:
	try:
		return to_e164(value)
	except InvalidValue:
		return None


def customers_by_phone(e164: str | None) -> list[str]:
	"""Every customer reachable at this number: Customer.mobile_no, a Contact linked to the customer,
	a Service Location contact. Stored numbers are compared in E.164, whatever way they were typed."""
	phone = safe_e164(e164)
	if not phone:
		return []
	tail = "%" + phone[-4:]  # every usual way of typing a number ends with its last four digits
	found: list[str] = []

	def add(customer: str | None, stored: str | None) -> None:
		if customer and customer not in found and safe_e164(stored) == phone:
			found.append(customer)

	for row in frappe.get_all(
		"Customer", filters={"mobile_no": ("like", tail)}, fields=["name", "mobile_no"], order_by="creation"
	):
		add(row.name, row.mobile_no)
	for customer, stored in frappe.db.sql(
		"""select dl.link_name, cp.phone
		from `tabContact Phone` cp
		join `tabDynamic Link` dl
			on dl.parent = cp.parent and dl.parenttype = 'Contact' and dl.link_doctype = 'Customer'
		where cp.parenttype = 'Contact' and cp.phone like %s
		order by cp.creation""",
		(tail,),
	):
		add(customer, stored)
	for customer, stored in frappe.db.sql(
		"""select sl.customer, slc.phone
		from `tabService Location Contact` slc
		join `tabService Location` sl on sl.name = slc.parent
		where slc.parenttype = 'Service Location' and slc.phone = %s
		order by sl.creation""",
		(phone,),
	):
		add(customer, stored)
	return found


def find_customer_by_phone(e164: str | None) -> str | None:
	"""The customer reachable at this number (the first registered one when several are)."""
	customers = customers_by_phone(e164)
	return customers[0] if customers else None
