"""The map of the app: what Frappe calls, and where it lands."""

app_name = "gigafibre"
app_title = "Gigafibre FSM"
app_publisher = "Gigafibre"
app_description = "Field service and operations for a fibre ISP"
app_email = "dev@gigafibre.ca"
app_license = "mit"

# The "org/app" form: a bare "erpnext" makes install-app look the app up on GitHub.
required_apps = ["frappe/erpnext"]

# Developer mode writes the typed field block into each doctype controller.
export_python_type_annotations = True

# ---------------------------------------------------------------- install and data
after_install = "gigafibre.install.after_install"
after_migrate = [
	"gigafibre.install.ensure_link_secret",
	"gigafibre.messaging.setup.ensure_custom_fields",
	"gigafibre.ai.agent_setup.ensure_custom_fields",
	"gigafibre.payments.setup.ensure_custom_fields",
	"gigafibre.onboarding.setup.ensure_custom_fields",
	"gigafibre.install.ensure_seed_flows",
	"gigafibre.portal.setup.ensure_custom_fields",
	"gigafibre.printing.invoice.ensure_default_format",
	"gigafibre.billing.setup.ensure_custom_fields",
	"gigafibre.dispatch.templates.ensure_seed_templates",
	"gigafibre.reports.setup.ensure_indexes",
	"gigafibre.install.ensure_staff_rights",
	"gigafibre.ai.triage_setup.ensure_custom_fields",
]

# ---------------------------------------------------------------- customer portal
# A portal session token in `Authorization: Bearer` speaks for its customer (gigafibre/portal/auth.py).
# Last, once the user is known: every gigafibre endpoint's parameters checked against its
# signature, a clear 400 instead of a 500 (gigafibre/endpoints/hook.py).
auth_hooks = ["gigafibre.portal.auth.authenticate", "gigafibre.endpoints.hook.check_parameters"]

# Each customer's sessions run as its own portal user, which reaches through Frappe's own doors
# (/api/resource, frappe.client, reports) only the rows it owns.
has_permission = {"*": "gigafibre.portal.auth.has_permission"}
permission_query_conditions = {"*": "gigafibre.portal.auth.query_conditions"}

fixtures = [
	{"dt": "Role", "filters": [["name", "in", ["Dispatcher", "Technician", "Gigafibre Manager"]]]},
]

# ---------------------------------------------------------------- recurring billing
# Our subscriptions (those with a Service Location) are billed by gigafibre.billing.cycle, also
# when ERPNext's daily process_all or the form's buttons reach them (gigafibre/billing/subscriptions.py
# says why ERPNext's own process is not used).
override_doctype_class = {"Subscription": "gigafibre.billing.subscription_doc.GigafibreSubscription"}

# ---------------------------------------------------------------- flow runtime
# Document events become catalog events (gigafibre/flows/events.py); the hook only enqueues.
doc_events = {
	"Payment Entry": {
		"on_submit": [
			"gigafibre.flows.doc_events.payment_entry_submitted",
			# A payment that clears a suspended location's balance stores its restoration.
			"gigafibre.billing.suspension.payment_received",
		]
	},
	"Sales Invoice": {
		"on_submit": [
			"gigafibre.flows.doc_events.sales_invoice_submitted",
			# A credit note that clears a suspended location's balance restores it, as a payment does.
			"gigafibre.billing.suspension.credit_note_submitted",
		],
		"validate": "gigafibre.onboarding.item_names.localize",
	},
	# Item rows named in the customer's language (gigafibre/onboarding/item_names.py).
	"Quotation": {"validate": "gigafibre.onboarding.item_names.localize"},
	"Sales Order": {"validate": "gigafibre.onboarding.item_names.localize"},
	"Issue": {
		"after_insert": [
			"gigafibre.network.outages.attach_ticket",
			"gigafibre.flows.doc_events.ticket_created",
			# Marked Pending and enqueued for triage (gigafibre/ai/triage_service.py); never blocks intake.
			"gigafibre.ai.triage_service.issue_created",
		]
	},
	# A customer's message on an Issue triages its thread again.
	"Communication": {"after_insert": "gigafibre.ai.triage_service.message_received"},
	# Only called when the helpdesk app is installed.
	"HD Ticket": {"after_insert": "gigafibre.flows.doc_events.ticket_created"},
	"Customer": {"after_insert": "gigafibre.flows.doc_events.customer_created"},
	"Dispatch Job": {
		"on_update": [
			"gigafibre.flows.doc_events.dispatch_job_updated",
			# An accepted install begins the subscription; a completed removal returns equipment.
			"gigafibre.billing.subscriptions.job_updated",
			# En Route texts the customer the ETA and /suivi/<token>; closed ends their links.
			"gigafibre.field.customer_texts.job_updated",
		]
	},
	"Service Equipment": {
		"on_update": [
			"gigafibre.flows.doc_events.equipment_updated",
			"gigafibre.network.provisioning.equipment_installed",
		]
	},
}

# Methods a flow's enqueue_method action may run; other apps add theirs with the same hook.
gigafibre_flow_methods = ["gigafibre.billing.suspension.propose"]

# The customer agent's tools (gigafibre/ai/agent.py, agent_service.py): spec dicts or their dotted
# paths (name, description for the model, JSON-schema parameters, method, channels, changes).
gigafibre_agent_tools = [
	"gigafibre.ai.tool_specs.ACCOUNT_BALANCE",
	"gigafibre.ai.tool_specs.OUTAGE_STATUS",
	"gigafibre.ai.tool_specs.DEVICE_STATUS",
	"gigafibre.ai.tool_specs.RESTART_DEVICE",
	"gigafibre.ai.tool_specs.APPOINTMENTS",
	"gigafibre.ai.tool_specs.APPOINTMENT_SLOTS",
	"gigafibre.ai.tool_specs.RESCHEDULE_APPOINTMENT",
	"gigafibre.ai.tool_specs.OPEN_TICKET",
]

# ---------------------------------------------------------------- desk
# Conversations: "Reply by SMS / email / portal" on the Issue form.
# Subscriptions (status, balance, next invoice, change plan, cancel) on the Customer and Service
# Location forms.
doctype_js = {
	"Issue": "public/js/issue.js",
	"Customer": "public/js/subscription_panel.js",
	"Service Location": "public/js/subscription_panel.js",
	"Phone Number": "public/js/voice_pool.js",
	"SIP Extension": "public/js/voice_pool.js",
}

# ---------------------------------------------------------------- printing
# What the "Gigafibre Invoice" print format calls, each in the print language.
jinja = {
	"methods": [
		"gigafibre.printing.invoice.gigafibre_money",
		"gigafibre.printing.invoice.gigafibre_qty",
		"gigafibre.printing.invoice.gigafibre_date",
		"gigafibre.printing.invoice.gigafibre_amount_in_words",
		"gigafibre.printing.invoice.gigafibre_payable_total",
	]
}

# ---------------------------------------------------------------- pages opened from a link
# The technician's SMS link: /j/<token> (gigafibre/www/j.py); a web order's contract:
# /contract/<token> (gigafibre/www/contract.py). Both served without login.
website_route_rules = [
	{"from_route": "/j/<token>", "to_route": "j"},
	{"from_route": "/contract/<token>", "to_route": "contract"},
	# The customer's pages on the day: tracking (gigafibre/www/suivi.py) and rebooking (rendez_vous.py).
	{"from_route": "/suivi/<token>", "to_route": "suivi"},
	{"from_route": "/rendez-vous/<token>", "to_route": "rendez-vous"},
]

# ---------------------------------------------------------------- webhooks
# Which function processes each source's stored Webhook Events (gigafibre/webhooks/intake.py).
gigafibre_webhook_handlers = {
	"Stripe": "gigafibre.payments.stripe_events.handle",
	"Twilio": "gigafibre.messaging.inbound.handle_twilio",
	"3CX": "gigafibre.messaging.inbound.handle_call",
	"Uptime Kuma": "gigafibre.network.outages.handle_kuma",
	"DocuSeal": "gigafibre.onboarding.acceptance.handle_docuseal",
}

# Live OLT alarm episodes (gigafibre/network/tasks.py): kept through `bench clear-cache` and
# migrate, or every active alarm would be raised again.
persistent_cache_keys = ["gigafibre:olt_optical_episodes*"]

# ---------------------------------------------------------------- scheduler
scheduler_events = {
	"cron": {
		"* * * * *": [
			"gigafibre.tasks.wake_flow_runs",
			"gigafibre.tasks.sweep_outbox",
			"gigafibre.tasks.sweep_suspensions",
		],
		"*/2 * * * *": [
			"gigafibre.tasks.sweep_unfinished_webhooks",
			"gigafibre.tasks.sweep_stale_flow_runs",
			"gigafibre.tasks.answer_waiting_customers",
		],
		"*/5 * * * *": [
			"gigafibre.tasks.poll_olts",
			"gigafibre.tasks.text_late_customers",
			"gigafibre.tasks.sweep_triage",
		],
	},
	"hourly": [
		"gigafibre.tasks.retry_failed_webhooks",
		"gigafibre.tasks.finish_signed_contracts",
		# Every subscription whose next period has begun; missed runs are caught up.
		"gigafibre.tasks.run_billing_cycle",
		"gigafibre.tasks.activate_completed_installs",
	],
	"daily": ["gigafibre.tasks.charge_preauthorized_payments", "gigafibre.tasks.finish_ended_subscriptions"],
}
