"""Who is who among staff: the role sets endpoints check (one place, so they never drift apart)."""

# People who run the field: plan, assign, send and revoke technician links, override a gate.
STAFF_ROLES = frozenset({"Dispatcher", "Gigafibre Manager", "System Manager"})
# People who may see how the whole system is set up and doing.
MANAGER_ROLES = frozenset({"Gigafibre Manager", "System Manager"})
# Anyone who handles equipment in the field or at the desk.
FIELD_ROLES = STAFF_ROLES | {"Technician"}
# People who may begin, change or cancel a customer's subscription.
BILLING_ROLES = frozenset({"Accounts User", "Accounts Manager", "Gigafibre Manager", "System Manager"})
