"""Provisioning: Service Equipment becoming Installed → its management server is told about it →
verify → `on_device_provisioned`. Two paths, decided by `management` (pure):

- GenieACS (TR-069): the equipment has an `acs_device_id`. A GenieACS preset for that device →
  verify (the device is known and takes the preset's tag) → the event. Presets (GenieACS 1.2
  format): one per device, named `gigafibre-<device id>`, precondition on `_id`, setting the
  periodic inform interval and tagging the device `gigafibre-provisioned` (the verification:
  GenieACS answers 404 for a device it does not know); the ACS applies the preset at the device's
  next inform.
- Oktopus (TR-369/USP): the rule for a USP device is an Installed ONT or Router with a serial
  number and **no** `acs_device_id`, on a site where Oktopus is configured (URL, API user email
  and password). A TR-069 device gets its ACS id when it first informs (or from the technician),
  so an installed ONT/router without one, where a USP controller exists, is taken as a USP device;
  other types (set-top boxes, phone adapters) are managed by neither. Asking GenieACS and
  Oktopus at install time instead would not work: a new USP device is unknown to both until it
  connects, which is what pre-authorization allows. The device is pre-authorized in Oktopus's
  MQTT credential store under its USP endpoint ID (`usp_endpoint_id`: TR-369's `os::<OUI>-<serial>`,
  the OUI from the equipment's MAC address; the serial alone when no MAC is known), with the
  fleet's device password (Settings → *USP Device Password*, the one in the devices' firmware) or,
  when none is set, a random one (an existing entry keeps its password: `exist_ok`); Oktopus is
  the store of record for that credential (an admin reads it with `GET /api/device/auth?id=`). Verify
  with `is_preauthorized` → the event (context `controller="oktopus"`).

`equipment_installed` is the doc_event (Service Equipment on_update); it only enqueues. The job
`provision` talks to GenieACS or Oktopus. Neither configured → nothing happens ("not configured").
A failure of either raises (a ServiceError): the RQ job fails and shows in the failed jobs.
"""

import json
import secrets

from gigafibre.errors import InvalidValue, ServiceError
from gigafibre.i18n import _

PRESET_PREFIX = "gigafibre-"
PROVISIONED_TAG = "gigafibre-provisioned"
INFORM_INTERVAL_S = 300

INFORM_PATHS = {
	"TR-098": "InternetGatewayDevice.ManagementServer.PeriodicInformInterval",
	"TR-181": "Device.ManagementServer.PeriodicInformInterval",
}


USP_TYPES = frozenset({"ONT", "Router"})
GENIEACS = "genieacs"
OKTOPUS = "oktopus"


def management(
	status: str | None,
	equipment_type: str | None,
	acs_device_id: str | None,
	serial: str | None,
	oktopus_configured: bool,
) -> str | None:
	"""Which server provisions the equipment: GENIEACS, OKTOPUS or None (see the module doc). Pure."""
	if status != "Installed":
		return None
	if acs_device_id:
		return GENIEACS
	if oktopus_configured and equipment_type in USP_TYPES and (serial or "").strip():
		return OKTOPUS
	return None


def usp_endpoint_id(serial: str, mac: str | None = None) -> str:
	"""TR-369 endpoint ID `os::<OUI>-<serial>` (OUI: the MAC's first three bytes), or the upper-cased
	serial when the MAC is unknown or not valid. Pure."""
	from gigafibre.equipment.identifiers import normalize_mac

	serial = (serial or "").strip().upper()
	if not serial:
		raise InvalidValue(_("Serial number is required."))
	try:
		normalized = normalize_mac(mac)
	except InvalidValue:
		normalized = None
	if not normalized:
		return serial
	return f"os::{normalized.replace(':', '')[:6]}-{serial}"


def preauthorize_usp(client, device_id: str, password: str | None = None) -> bool:
	"""Pre-authorize `device_id` with `client` (an OktopusClient) and check that Oktopus kept it.
	True when created, False when it was already there (its password is kept)."""
	created = client.preauthorize(device_id, password or secrets.token_urlsafe(24), exist_ok=True)
	if not client.is_preauthorized(device_id):
		raise ServiceError(_("Oktopus did not keep the credentials of device {0}."), device_id)
	return created


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
	an ACS device id (or as a USP device), or gets one (or another serial) while Installed."""
	from gigafibre.jobs import enqueue
	from gigafibre.network.service import oktopus_configured

	if doc.status != "Installed":
		return
	path = management(
		doc.status,
		doc.equipment_type,
		doc.acs_device_id,
		doc.serial_number,
		oktopus_configured() if not doc.acs_device_id else False,
	)
	if path is None:
		return
	before = doc.get_doc_before_save()
	if (
		before
		and before.status == "Installed"
		and before.acs_device_id == doc.acs_device_id
		and (path == GENIEACS or before.serial_number == doc.serial_number)
	):
		return
	key = doc.acs_device_id if path == GENIEACS else f"usp:{doc.serial_number}"
	enqueue(
		"gigafibre.network.provisioning.provision",
		job_id=f"provision:{doc.name}:{key}",
		deduplicate=True,
		equipment=doc.name,
	)


def provision(equipment: str) -> str:
	"""Background job: push the preset (or pre-authorize the USP device), check the device, fire
	on_device_provisioned. Returns "provisioned", "queued" (the device is not known to GenieACS
	yet) or "not configured"."""
	import frappe

	from gigafibre.flows import dispatch_event
	from gigafibre.network.genieacs_summary import data_model
	from gigafibre.network.service import genieacs_client, oktopus_configured

	doc = frappe.get_doc("Service Equipment", equipment)
	path = management(
		"Installed",  # the doc_event checked it; a job run by hand provisions what it is given
		doc.equipment_type,
		doc.acs_device_id,
		doc.serial_number,
		oktopus_configured() if not doc.acs_device_id else False,
	)
	if path == OKTOPUS:
		return provision_usp(doc)
	client = genieacs_client() if path == GENIEACS else None
	if client is None:
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


def provision_usp(doc) -> str:
	"""Pre-authorize the equipment in Oktopus, verify, fire on_device_provisioned."""
	import frappe

	from gigafibre.flows import dispatch_event
	from gigafibre.network.service import oktopus_client

	client = oktopus_client()
	if client is None:
		return "not configured"
	device_id = usp_endpoint_id(doc.serial_number, doc.mac_address)
	fleet_password = frappe.get_single("Gigafibre Settings").get_password(
		"oktopus_device_password", raise_exception=False
	)
	try:
		preauthorize_usp(client, device_id, fleet_password or None)
	finally:
		client.close()
	dispatch_event("on_device_provisioned", doc, device_id=device_id, controller=OKTOPUS)
	return "provisioned"
