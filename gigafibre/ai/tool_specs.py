"""The agent's tools as data (listed in hooks.py `gigafibre_agent_tools`; read by `agent.registry`).

Each: name, description (English, for the model), JSON-schema parameters (never the customer: the
runtime passes the conversation's own), method (`fn(customer, **args) -> dict`, in
gigafibre/ai/tools.py), channels where it may be used, and whether it changes something.
`reply` and `hand_off` are the runtime's own control tools (gigafibre/ai/agent.py).
"""

ALL = ["SMS", "Portal", "Phone"]
NO_ARGS = {"type": "object", "properties": {}}

ACCOUNT_BALANCE = {
	"name": "account_balance",
	"description": (
		"The customer's balance owing, overdue invoices, and their last invoice (number, date, amount, "
		"amount still due, status) with a link to view and pay it in the customer portal."
	),
	"parameters": NO_ARGS,
	"method": "gigafibre.ai.tools.account_balance",
	"channels": ALL,
	"changes": False,
}

OUTAGE_STATUS = {
	"name": "outage_status",
	"description": (
		"Whether a known network outage affects the customer's service address(es) right now, and "
		"since when. Use it first when the Internet is down or slow."
	),
	"parameters": NO_ARGS,
	"method": "gigafibre.ai.tools.outage_status",
	"channels": ALL,
	"changes": False,
}

DEVICE_STATUS = {
	"name": "device_status",
	"description": (
		"The customer's installed modem/ONT and routers: online or not, last contact, optical signal, "
		"Wi-Fi networks. Returns each device's equipment id for restart_device."
	),
	"parameters": NO_ARGS,
	"method": "gigafibre.ai.tools.device_status",
	"channels": ALL,
	"changes": False,
}

RESTART_DEVICE = {
	"name": "restart_device",
	"description": (
		"Restart (reboot) one of the customer's devices remotely. Only when the customer agrees: the "
		"connection drops for about 3 minutes. equipment: the id from device_status (optional when "
		"the customer has only one device)."
	),
	"parameters": {
		"type": "object",
		"properties": {"equipment": {"type": "string", "maxLength": 140}},
	},
	"method": "gigafibre.ai.tools.restart_device",
	"channels": ALL,
	"changes": True,
}

APPOINTMENTS = {
	"name": "appointments",
	"description": "The customer's upcoming technician visits (id, type, date and time window, status).",
	"parameters": NO_ARGS,
	"method": "gigafibre.ai.tools.appointments",
	"channels": ALL,
	"changes": False,
}

APPOINTMENT_SLOTS = {
	"name": "appointment_slots",
	"description": (
		"The free slots in the coming days for moving one of the customer's visits. appointment: the "
		"id from appointments. Each slot has a start (ISO) to pass to reschedule_appointment."
	),
	"parameters": {
		"type": "object",
		"properties": {"appointment": {"type": "string", "maxLength": 140}},
		"required": ["appointment"],
	},
	"method": "gigafibre.ai.tools.appointment_slots",
	"channels": ALL,
	"changes": False,
}

RESCHEDULE_APPOINTMENT = {
	"name": "reschedule_appointment",
	"description": (
		"Move one of the customer's visits to a free slot the customer chose. appointment: the id "
		"from appointments; start: the slot's start exactly as appointment_slots gave it."
	),
	"parameters": {
		"type": "object",
		"properties": {
			"appointment": {"type": "string", "maxLength": 140},
			"start": {"type": "string", "maxLength": 40},
		},
		"required": ["appointment", "start"],
	},
	"method": "gigafibre.ai.tools.reschedule_appointment",
	"channels": ALL,
	"changes": True,
}

OPEN_TICKET = {
	"name": "open_ticket",
	"description": (
		"Open a support ticket for the team when the problem needs follow-up (a repair, a billing "
		"dispute, a move). subject: short, in French; description: what the customer reported and "
		"what you found."
	),
	"parameters": {
		"type": "object",
		"properties": {
			"subject": {"type": "string", "minLength": 3, "maxLength": 140},
			"description": {"type": "string", "minLength": 3, "maxLength": 4000},
		},
		"required": ["subject", "description"],
	},
	"method": "gigafibre.ai.tools.open_ticket",
	"channels": ALL,
	"changes": True,
}

SPECS = [
	ACCOUNT_BALANCE,
	OUTAGE_STATUS,
	DEVICE_STATUS,
	RESTART_DEVICE,
	APPOINTMENTS,
	APPOINTMENT_SLOTS,
	RESCHEDULE_APPOINTMENT,
	OPEN_TICKET,
]
