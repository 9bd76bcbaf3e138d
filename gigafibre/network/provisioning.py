"""Provisioning: Service Equipment becoming Installed with an `acs_device_id` → a GenieACS preset
for that device → verify (the device is known and takes the preset's tag) → `on_device_provisioned`.

`equipment_installed` is the doc_event (Service Equipment on_update); it only enqueues. The job
`provision` talks to GenieACS. Presets (GenieACS 1.2 format): one per device, named
`gigafibre-<device id>`, precondition on `_id`, setting the periodic inform interval and
tagging the device `gigafibre-provisioned` (the verification: GenieACS answers 404 for a device
it does not know); the ACS applies the preset at the device's next inform. GenieACS not configured → nothing happens.
Oktopus (USP) pre-authorization is not wired: the settings hold a token where the client needs
the API user's email and password.
A GenieACS failure raises (a ServiceError): the RQ job fails and shows in the failed jobs.
"""

import json

PRESET_PREFIX = "gigafibre-"
PROVISIONED_TAG = "gigafibre-provisioned"
INFORM_INTERVAL_S = 300

INFORM_PATHS = {
	"TR-098": "InternetGatewayDevice.ManagementServer.PeriodicInformInterval",
	"TR-181": "Device.ManagementServer.PeriodicInformInterval",
}


def preset_for(device_id: str, data_model: str | None) -> dict:
	"""The GenieACS preset document for one device. Pure."""
	path = INFORM_PATHS.get(data_model or "", INFORM_PATHS["TR-098"])
	return {
		"weight": 0,
		"channel": "gigafibre",
		"events": {},
		"precondition": json.dumps({"_id": device_id}, separators=(",", ":")),
		"configurations": [
			{"type": "value", "name": path, "value": str(INFORM_INTERVAL_S)},
			{"type": "add_tag", "tag": PROVISIONED_TAG},
		],
	}


def equipment_installed(doc, method=None) -> None:
	"""doc_event (Service Equipment on_update): enqueue provisioning when it becomes Installed with
	an ACS device id, or gets one while Installed."""
	from gigafibre.jobs import enqueue

	if doc.status != "Installed" or not doc.acs_device_id:
		return
	before = doc.get_doc_before_save()
	if before and before.status == "Installed" and before.acs_device_id == doc.acs_device_id:
		return
	enqueue(
		"gigafibre.network.provisioning.provision",
		job_id=f"provision:{doc.name}:{doc.acs_device_id}",
		deduplicate=True,
		equipment=doc.name,
	)


def provision(equipment: str) -> str:
	"""Background job: push the preset, check the device, fire on_device_provisioned.
	Returns "provisioned", "queued" (the device is not known to GenieACS yet) or "not configured"."""
	import frappe

	from gigafibre.flows import dispatch_event
	from gigafibre.network.genieacs_summary import data_model
	from gigafibre.network.service import genieacs_client

	doc = frappe.get_doc("Service Equipment", equipment)
	client = genieacs_client()
	if client is None or not doc.acs_device_id:
		return "not configured"
	device_id = doc.acs_device_id
	try:
		device = client.get_device(
			device_id, ("_id", "_tags", "InternetGatewayDevice.DeviceInfo", "Device.DeviceInfo")
		)
		client.put_preset(PRESET_PREFIX + device_id, preset_for(device_id, data_model(device or {})))
		if device is None:
			# Not informed yet: the preset applies at its first inform; the event waits for a retry.
			return "queued"
		client.add_tag(device_id, PROVISIONED_TAG)
	finally:
		client.close()
	dispatch_event("on_device_provisioned", doc, device_id=device_id)
	return "provisioned"
