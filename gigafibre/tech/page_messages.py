"""The technician page's strings, in one place for the page and its browser tests."""

from collections.abc import Callable


def page_messages(_: Callable[[str], str]) -> dict:
	"""Every string the script shows, through `_` (Frappe's, on the page; any, in tests)."""
	return {
		"today": _("Today's jobs"),
		"no_jobs": _("No jobs today."),
		"back": _("Back"),
		"loading": _("Loading…"),
		"offline": _("Offline: your actions are kept and sent when the network returns."),
		"pending": _("{0} action(s) waiting to be sent"),
		"sent": _("Sent"),
		"type": _("Type"),
		"priority": _("Priority"),
		"customer": _("Customer"),
		"location": _("Service Location"),
		"contacts": _("Contacts"),
		"call": _("Call"),
		"text": _("Text"),
		"access_notes": _("Access Notes"),
		"equipment": _("Equipment"),
		"no_equipment": _("No equipment on this job yet."),
		"add": _("Add"),
		"unlink": _("Unlink"),
		"scan": _("Scan"),
		"search": _("Search"),
		"create": _("Create"),
		"cancel": _("Cancel"),
		"save": _("Save"),
		"en_route": _("On my way"),
		"on_site": _("Arrived"),
		"complete": _("Complete the job"),
		"notes": _("Completion Notes"),
		"photos": _("Photos"),
		"reason_far": _("Why are you checking in from here?"),
		"search_hint": _("Serial number or MAC address"),
		"no_results": _("Nothing found."),
		"reading": _("Reading the photo…"),
		"read_label": _("Read the label instead"),
		"pick": _("Pick the right one"),
		"existing": _("Already registered"),
		"new": _("New"),
		"serial": _("Serial Number"),
		"mac": _("MAC Address"),
		"brand": _("Brand"),
		"model": _("Model"),
		"serial_required": _("Serial number is required."),
		"mac_invalid": _("MAC address: 12 hexadecimal digits."),
		"gps_wait": _("Getting your position…"),
		"gps_arrived": _("Your GPS shows you at the service location. Tap Arrived to check in."),
		"error": _("Something went wrong"),
		"status": {
			s: _(s) for s in ("New", "Planned", "Assigned", "En Route", "On Site", "Completed", "Cancelled")
		},
		"types": {s: _(s) for s in ("Install", "Repair", "Upgrade", "Removal", "Survey", "Maintenance")},
		"priorities": {s: _(s) for s in ("Low", "Normal", "High", "Urgent")},
		"equipment_statuses": {s: _(s) for s in ("In Stock", "Installed", "Returned", "Defective")},
		"equipment_types": {
			s: _(s) for s in ("ONT", "Router", "Mesh Node", "Set-Top Box", "Phone Adapter", "Other")
		},
	}
