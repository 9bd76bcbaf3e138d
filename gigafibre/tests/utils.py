"""Records the bench tests share: one customer and one location, made once per site."""

import frappe

TEST_CUSTOMER = "_Test Gigafibre Customer"


def test_customer() -> str:
	name = frappe.db.get_value("Customer", {"customer_name": TEST_CUSTOMER})
	if name:
		return name
	return (
		frappe.get_doc({"doctype": "Customer", "customer_name": TEST_CUSTOMER, "customer_type": "Individual"})
		.insert()
		.name
	)


def make_location(**fields) -> "frappe.model.document.Document":
	values = {
		"doctype": "Service Location",
		"customer": test_customer(),
		"address_line1": "4500 rue Saint-Denis",
		"city": "Montréal",
		"postal_code": "h2j 2l3",
		"latitude": 45.5252,
		"longitude": -73.5823,
	}
	values.update(fields)
	return frappe.get_doc(values).insert()


def make_technician(**fields) -> "frappe.model.document.Document":
	values = {"doctype": "Technician", "full_name": "Test Technicien", "mobile": "514 555-0150"}
	values.update(fields)
	return frappe.get_doc(values).insert()
