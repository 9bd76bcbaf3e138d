"""Retire the one user every portal session used to run as (portal-session@gigafibre.invalid).

It owned every record written through the portal, for every customer, and Frappe lets an owner
read their own records: whoever could act as it read every customer's portal messages. Each
customer now has its own portal user (gigafibre/portal/auth.py). The old user is disabled, loses
any role, and everything it owned or last modified passes to Administrator, so no one inherits it.
"""

import frappe

from gigafibre.portal.auth import LEGACY_PORTAL_USER


def execute():
	if not frappe.db.exists("User", LEGACY_PORTAL_USER):
		return
	for doctype in frappe.get_all("DocType", filters={"is_virtual": 0, "issingle": 0}, pluck="name"):
		table = f"tab{doctype}"
		if not frappe.db.table_exists(doctype):
			continue
		for column in ("owner", "modified_by"):
			frappe.db.sql(
				f"update `{table}` set `{column}` = 'Administrator' where `{column}` = %s",
				LEGACY_PORTAL_USER,
			)
	frappe.db.delete("Has Role", {"parent": LEGACY_PORTAL_USER, "parenttype": "User"})
	frappe.db.set_value("User", LEGACY_PORTAL_USER, "enabled", 0, update_modified=False)
	frappe.db.delete("Sessions", {"user": LEGACY_PORTAL_USER})
	frappe.clear_cache(user=LEGACY_PORTAL_USER)
