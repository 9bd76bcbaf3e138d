"""Bench commands of the app (Frappe finds `commands` here)."""

import click
from frappe.commands import get_site, pass_context


@click.command("gigafibre-oktopus-worker")
@pass_context
def oktopus_worker(context) -> None:
	"""Run the Oktopus MQTT worker: device online/offline/heartbeat → Service Equipment and flows."""
	import frappe

	from gigafibre.network.device_events import (
		WORKER_STATE_EVERY,
		handle,
		worker_client_id,
		worker_state_recorder,
	)
	from gigafibre.network.oktopus_mqtt import run_worker

	site = get_site(context)
	frappe.init(site=site)
	frappe.connect()
	settings = frappe.get_single("Gigafibre Settings")
	if not settings.oktopus_mqtt_host:
		raise click.ClickException("Set the Oktopus MQTT host in Gigafibre Settings first.")
	import logging

	# "connected" and "disconnected" (with the broker and the session) in the worker's log
	logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
	try:
		run_worker(
			handle,
			host=settings.oktopus_mqtt_host,
			port=settings.oktopus_mqtt_port or 1883,
			username=settings.oktopus_mqtt_username or None,
			password=settings.get_password("oktopus_mqtt_password", raise_exception=False) or None,
			tls=bool(settings.oktopus_mqtt_tls),
			# A persistent session: nothing published while the worker is away is lost.
			client_id=worker_client_id(),
			on_state=worker_state_recorder(),
			state_every=WORKER_STATE_EVERY,
		)
	finally:
		frappe.destroy()


@click.command("gigafibre-modem-bridge")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8765, show_default=True, type=int)
@click.option("--pool-size", default=2, show_default=True, type=int, help="Modem sessions at once.")
@click.option("--timeout", default=30.0, show_default=True, type=float, help="Seconds for one read.")
@click.option("--chromium", default=None, help="Chromium executable (default: $CHROMIUM, chromium).")
@pass_context
def modem_bridge(context, host, port, pool_size, timeout, chromium) -> None:
	"""Run the modem bridge HTTP service (POST /read), with the token of Gigafibre Settings."""
	import frappe

	from gigafibre.network.bridge_server import default_chromium, serve

	site = get_site(context)
	frappe.init(site=site)
	frappe.connect()
	try:
		token = frappe.get_single("Gigafibre Settings").get_password(
			"modem_bridge_token", raise_exception=False
		)
	finally:
		# the service never touches the site again: no connection held open for days
		frappe.destroy()
	if not token:
		raise click.ClickException("Set the modem bridge token in Gigafibre Settings first.")
	import logging

	from gigafibre.errors import GigafibreError

	logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
	try:
		serve(
			token,
			host=host,
			port=port,
			pool_size=pool_size,
			timeout=timeout,
			executable_path=chromium or default_chromium(),
		)
	except GigafibreError as err:  # a token too short, Chromium missing: say so, no traceback
		raise click.ClickException(str(err)) from err


@click.command("gigafibre-doctor")
@click.option("--no-calls", is_flag=True, help="Do not call the outside services (settings only).")
@pass_context
def doctor(context, no_calls) -> None:
	"""What is not set up or not working: the Gigafibre Health page's lines; exit 1 when one fails."""
	import frappe

	from gigafibre.health.service import report

	site = get_site(context)
	frappe.init(site=site)
	frappe.connect()
	try:
		frappe.local.lang = frappe.db.get_single_value("System Settings", "language") or "en"
		result = report(probe=not no_calls)
	finally:
		frappe.destroy()
	marks = {"ok": "[ OK ]", "warn": "[WARN]", "fail": "[FAIL]"}
	for line in result["lines"]:
		click.echo(f"{marks[line['status']]} {line['title']}: {line['detail']}")
		if line["fix"] and line["status"] != "ok":
			click.echo(f"       → {line['fix']}")
	if result["status"] == "fail":
		raise SystemExit(1)


@click.command("gigafibre-traccar-worker")
@pass_context
def traccar_worker(context) -> None:
	"""Run the Traccar worker: technicians' last positions, live map updates, geofenced arrivals."""
	import logging
	import signal
	import threading

	import frappe

	from gigafibre.errors import ServiceError
	from gigafibre.field.live import make_worker

	site = get_site(context)
	frappe.init(site=site)
	frappe.connect()
	logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
	stop = threading.Event()
	for sig in (signal.SIGTERM, signal.SIGINT):
		signal.signal(sig, lambda *_: stop.set())
	try:
		try:
			worker = make_worker()
		except ServiceError as err:
			raise click.ClickException(str(err)) from err
		worker.run(stop)  # reconnects with backoff until SIGTERM / Ctrl-C
	finally:
		frappe.destroy()


commands = [oktopus_worker, modem_bridge, doctor, traccar_worker]
