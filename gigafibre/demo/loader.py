"""Writes the generated demo records into the site, skipping what a previous run created."""

import frappe

from gigafibre.demo.generator import SKILLS, generate


def load(locations: int, jobs: int, seed: int, commit: bool) -> dict:
	data = generate(locations=locations, jobs=jobs, seed=seed)
	created = {"technicians": 0, "customers": 0, "locations": 0, "equipment": 0, "jobs": 0}
	for skill in SKILLS:
		if not frappe.db.exists("Tag", skill):
			frappe.get_doc({"doctype": "Tag", "__newname": skill}).insert(ignore_permissions=True)

	technician_by_name = {}
	for tech in data.technicians:
		name = frappe.db.get_value("Technician", {"full_name": tech["full_name"]})
		if not name:
			user = _ensure_user(tech["email"], tech["full_name"])
			doc = frappe.get_doc(
				{
					"doctype": "Technician",
					**{k: v for k, v in tech.items() if k not in ("skills", "email")},
					"user": user,
					"skills": [{"skill": s} for s in tech["skills"]],
				}
			).insert(ignore_permissions=True)
			name = doc.name
			created["technicians"] += 1
		technician_by_name[tech["full_name"]] = name

	customer_by_name = {}
	for customer in data.customers:
		name = frappe.db.get_value("Customer", {"customer_name": customer["customer_name"]})
		if not name:
			name = frappe.get_doc({"doctype": "Customer", **customer}).insert(ignore_permissions=True).name
			created["customers"] += 1
		customer_by_name[customer["customer_name"]] = name

	location_by_key = {}
	for location in data.locations:
		customer = customer_by_name[location["customer_name"]]
		fields = {k: v for k, v in location.items() if k not in ("key", "customer_name")}
		name = frappe.db.get_value(
			"Service Location",
			{"customer": customer, "address_line1": location["address_line1"], "city": location["city"]},
		)
		if not name:
			name = (
				frappe.get_doc({"doctype": "Service Location", "customer": customer, **fields})
				.insert(ignore_permissions=True)
				.name
			)
			created["locations"] += 1
		location_by_key[location["key"]] = name

	for item in data.equipment:
		if frappe.db.exists("Service Equipment", {"serial_number": item["serial_number"]}):
			continue
		fields = {k: v for k, v in item.items() if k != "location_key"}
		frappe.get_doc(
			{
				"doctype": "Service Equipment",
				**fields,
				"service_location": location_by_key.get(item["location_key"]),
			}
		).insert(ignore_permissions=True)
		created["equipment"] += 1

	for job in data.jobs:
		location = location_by_key[job["location_key"]]
		if frappe.db.exists(
			"Dispatch Job",
			{"service_location": location, "subject": job["subject"], "window_start": job["window_start"]},
		):
			continue
		fields = {
			k: v for k, v in job.items() if k not in ("location_key", "technician_name", "required_skills")
		}
		frappe.get_doc(
			{
				"doctype": "Dispatch Job",
				**fields,
				"service_location": location,
				"technician": technician_by_name.get(job["technician_name"]),
				"required_skills": [{"skill": s} for s in job["required_skills"]],
			}
		).insert(ignore_permissions=True)
		created["jobs"] += 1

	if commit:
		frappe.db.commit()
	return created


def _ensure_user(email: str, full_name: str) -> str:
	if frappe.db.exists("User", email):
		return email
	first, _, last = full_name.partition(" ")
	user = frappe.get_doc(
		{
			"doctype": "User",
			"email": email,
			"first_name": first,
			"last_name": last,
			"send_welcome_email": 0,
			"language": "fr",
			"user_type": "System User",
		}
	)
	user.insert(ignore_permissions=True)
	return user.name
