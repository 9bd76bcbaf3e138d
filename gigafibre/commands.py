"""Bench commands of the app (Frappe finds `commands` here)."""

import click
from frappe.commands import get_site, pass_context


@click.command("gigafibre-oktopus-worker")
@pass_context
def oktopus_worker(context) -> None:
	"""Run the Oktopus MQTT worker: device online/offline/heartbeat → Service Equipment and flows."""
	import frappe

	from gigafibre.network.device_events import handle
	from gigafibre.network.oktopus_mqtt import run_worker

	site = get_site(context)
	frappe.init(site=site)
	frappe.connect()
	settings = frappe.get_single("Gigafibre Settings")
	if not settings.oktopus_mqtt_host:
		raise click.ClickException("Set the Oktopus MQTT host in Gigafibre Settings first.")
	try:
		run_worker(
			handle,
			host=settings.oktopus_mqtt_host,
			port=settings.oktopus_mqtt_port or 1883,
			username=settings.oktopus_mqtt_username or None,
			password=settings.get_password("oktopus_mqtt_password", raise_exception=False) or None,
			tls=bool(settings.oktopus_mqtt_tls),
		)
	finally:
		frappe.destroy()


commands = [oktopus_worker]
