"""The health report's decisions, without Frappe: facts about a site in, one line per check out.

A line has a stable `key`, a `title`, a `status` (ok, warn, fail), a `detail` saying what was found
and a one-line `fix` saying what to do. Titles, details and fixes are English templates marked
with `_` (translated by the shell, French rows in fr.csv); `detail_args` fill the detail.

`probe_all` runs the checks that call an outside service at the same time, each bounded by one
deadline, so the page answers in a few seconds whatever the services do.
"""

import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from gigafibre.i18n import _

OK, WARN, FAIL = "ok", "warn", "fail"
RANK = {OK: 0, WARN: 1, FAIL: 2}
# Rows left unfinished longer than this are stuck: every sweep runs well within it.
STUCK_MINUTES = 10


@dataclass(frozen=True)
class Line:
	key: str
	title: str
	status: str
	detail: str
	detail_args: tuple = ()
	fix: str = ""
	title_args: tuple = ()

	@property
	def failed(self) -> bool:
		return self.status == FAIL


@dataclass(frozen=True)
class Integration:
	key: str
	title: str
	required: tuple[str, ...]  # settings fields that must all be set
	fix: str  # what to set, where
	recommended: tuple[str, ...] = ()  # missing: a warning only
	recommended_fix: str = ""


INTEGRATIONS = (
	Integration(
		"stripe",
		_("Stripe (payments)"),
		("stripe_secret_key", "stripe_webhook_secret"),
		_("Set the Stripe secret key and webhook signing secret in Gigafibre Settings → Stripe."),
	),
	Integration(
		"twilio",
		_("Twilio (SMS)"),
		("twilio_account_sid", "twilio_auth_token", "twilio_from_number"),
		_("Set the Twilio account SID, auth token and sender number in Gigafibre Settings → Twilio."),
		recommended=("twilio_public_url",),
		recommended_fix=_(
			"Set the public URL in Gigafibre Settings → Twilio so Twilio reports delivery and replies."
		),
	),
	Integration(
		"gemini",
		_("Gemini (photo reading)"),
		("gemini_api_key",),
		_("Set the Gemini API key in Gigafibre Settings → Gemini."),
	),
	Integration(
		"genieacs",
		_("GenieACS (modems)"),
		("genieacs_url",),
		_("Set the GenieACS NBI URL (and its user) in Gigafibre Settings → GenieACS."),
	),
	Integration(
		"oktopus",
		_("Oktopus (USP controller)"),
		("oktopus_url", "oktopus_email", "oktopus_password"),
		_("Set the Oktopus API URL, user email and password in Gigafibre Settings → Oktopus."),
	),
	Integration(
		"modem_bridge",
		_("Modem bridge"),
		("modem_bridge_url", "modem_bridge_token"),
		_(
			"Run `bench --site <site> gigafibre-modem-bridge` and set its URL and token in Gigafibre Settings → Modem Bridge."
		),
	),
	Integration(
		"docuseal",
		_("DocuSeal (commercial contracts)"),
		("docuseal_url", "docuseal_api_key", "docuseal_template_id", "docuseal_webhook_secret"),
		_(
			"Set the DocuSeal API URL, API key, commercial contract template ID and webhook secret in Gigafibre Settings → DocuSeal."
		),
	),
	Integration(
		"traccar",
		_("Traccar (vehicle positions)"),
		("traccar_url",),
		_(
			"Set the Traccar URL and its user's email and password (or an API token) in Gigafibre Settings → Traccar, and run `bench --site <site> gigafibre-traccar-worker`."
		),
	),
)
ANSWER_FIX = _(
	"Check the URL and credentials in Gigafibre Settings and that this server can reach the service."
)


@dataclass
class Facts:
	"""What the shell found. `settings`: field name → set or not. `probes`: integration key → None
	when it answered, else what went wrong (an integration not probed is absent). `workers`: queue
	→ live workers, None when the queue's Redis did not answer. `stuck`: kind → rows stuck (a kind
	whose doctype does not exist is absent). `integrations`: the keys to report (a client that
	does not exist yet, such as Traccar's, is left out)."""

	settings: Mapping[str, bool] = field(default_factory=dict)
	labels: Mapping[str, str] = field(default_factory=dict)  # field name → label people read
	probes: Mapping[str, str | None] = field(default_factory=dict)
	integrations: tuple[str, ...] = tuple(i.key for i in INTEGRATIONS)
	outgoing_email: bool = False
	scheduler: str = "disabled"  # enabled | disabled | paused
	workers: Mapping[str, int] | None = None
	queues: tuple[str, ...] = ("short", "default", "long")
	wkhtmltopdf: bool = False
	stuck: Mapping[str, int] = field(default_factory=dict)
	given_up_webhooks: int = 0
	failed_suspensions: int = 0
	email_errors: int = 0
	oktopus_worker: str | None = None  # None: unknown; else "running" or what is wrong


def integration_line(spec: Integration, facts: Facts) -> Line:
	missing = [f for f in spec.required if not facts.settings.get(f)]
	key = f"integration.{spec.key}"
	if missing:
		return Line(
			key,
			spec.title,
			FAIL,
			_("Not configured: {0} missing."),
			(", ".join(facts.labels.get(f, f) for f in missing),),
			spec.fix,
		)
	if spec.key in facts.probes:
		error = facts.probes[spec.key]
		if error:
			return Line(
				key, spec.title, FAIL, _("Configured, but the check failed: {0}"), (error,), ANSWER_FIX
			)
		status, detail = OK, _("Configured and answering.")
	else:
		status, detail = OK, _("Configured (not called by this check).")
	unset = [f for f in spec.recommended if not facts.settings.get(f)]
	if unset:
		return Line(
			key,
			spec.title,
			WARN,
			_("Works, but {0} is not set."),
			(", ".join(facts.labels.get(f, f) for f in unset),),
			spec.recommended_fix,
		)
	return Line(key, spec.title, status, detail)


def setting_line(
	key: str, title: str, is_set: bool, unset_detail: str, fix: str, ok_detail: str = _("Set.")
) -> Line:
	if is_set:
		return Line(key, title, OK, ok_detail)
	return Line(key, title, FAIL, unset_detail, (), fix)


def evaluate(facts: Facts) -> list[Line]:
	"""Every line of the report, in reading order."""
	lines = [integration_line(spec, facts) for spec in INTEGRATIONS if spec.key in facts.integrations]
	if facts.oktopus_worker is not None and facts.settings.get("oktopus_mqtt_host"):
		lines.append(
			Line("oktopus_worker", _("Oktopus MQTT worker"), OK, _("Running."))
			if facts.oktopus_worker == "running"
			else Line(
				"oktopus_worker",
				_("Oktopus MQTT worker"),
				FAIL,
				_("Not running: {0}"),
				(facts.oktopus_worker,),
				_("Run `bench --site <site> gigafibre-oktopus-worker` under the process supervisor."),
			)
		)
	lines += [
		setting_line(
			"portal_base_url",
			_("Customer portal address"),
			facts.settings.get("portal_base_url", False),
			_("Not set: portal links are not sent to customers."),
			_("Set the Customer Portal Base URL in Gigafibre Settings → Links."),
		),
		setting_line(
			"tech_base_url",
			_("Technician page address"),
			facts.settings.get("tech_base_url", False),
			_("Not set: technician links use this site's own address."),
			_("Set the Technician Page Base URL (the site's public address) in Gigafibre Settings → Links."),
		),
		setting_line(
			"jwt_secret",
			_("Link signing secret"),
			facts.settings.get("jwt_secret", False),
			_("Not set: no link for customers or technicians can be made."),
			_("Run `bench --site <site> migrate`, which creates it, or set one in Gigafibre Settings."),
		),
		setting_line(
			"outgoing_email",
			_("Outgoing email"),
			facts.outgoing_email,
			_("No default outgoing Email Account: every email (links, codes, contracts) fails."),
			_("Create an Email Account with Enable Outgoing and Default Outgoing ticked."),
			_("A default outgoing Email Account is set up."),
		),
		_scheduler_line(facts.scheduler),
		*_worker_lines(facts.workers, facts.queues),
		setting_line(
			"wkhtmltopdf",
			_("PDF maker (wkhtmltopdf)"),
			facts.wkhtmltopdf,
			_("wkhtmltopdf is not installed: contract and invoice PDFs cannot be made."),
			_("Install wkhtmltopdf (with patched Qt) on this server, e.g. apt-get install wkhtmltopdf."),
			_("Installed."),
		),
		*_stuck_lines(facts),
	]
	return lines


def _scheduler_line(state: str) -> Line:
	title = _("Scheduler")
	if state == "enabled":
		return Line("scheduler", title, OK, _("Enabled."))
	if state == "paused":
		return Line(
			"scheduler",
			title,
			FAIL,
			_("Paused (maintenance mode or pause_scheduler in the site config)."),
			(),
			_("Remove maintenance_mode and pause_scheduler from the site config."),
		)
	return Line(
		"scheduler",
		title,
		FAIL,
		_("Disabled: waits, retries and sweeps never run."),
		(),
		_("Run `bench --site <site> enable-scheduler`."),
	)


def _worker_lines(workers: Mapping[str, int] | None, queues: tuple[str, ...]) -> list[Line]:
	if workers is None:
		return [
			Line(
				"workers",
				_("Background workers"),
				FAIL,
				_("The queue's Redis did not answer."),
				(),
				_("Start Redis (redis_queue in common_site_config.json) and the bench workers."),
			)
		]
	lines = []
	for queue in queues:
		count = workers.get(queue, 0)
		key, title = f"workers.{queue}", _("Worker on the {0} queue")
		if count:
			lines.append(Line(key, title, OK, _("{0} alive."), (count,), title_args=(queue,)))
		else:
			lines.append(
				Line(
					key,
					title,
					FAIL,
					_("No worker alive: jobs of this queue wait forever."),
					(),
					_("Start the bench workers (bench start, or the supervisor's worker programs)."),
					title_args=(queue,),
				)
			)
	return lines


STUCK = (
	(
		"webhook_events",
		_("Webhook events"),
		_("{0} received more than 10 minutes ago and not processed."),
		_("Check the short queue's worker, then open Webhook Event (status Received) and retry them."),
	),
	(
		"flow_runs",
		_("Flow runs"),
		_("{0} running or past their wake-up time by more than 10 minutes."),
		_("Check the scheduler and the short queue's worker, then open Flow Run and retry them."),
	),
	(
		"outgoing_messages",
		_("Outgoing messages"),
		_("{0} waiting to leave for more than 10 minutes."),
		_("Check Twilio, outgoing email and the workers, then open Outgoing Message."),
	),
	(
		"suspensions",
		_("Suspensions and restorations"),
		_("{0} due more than 10 minutes ago and not finished."),
		_("Check the scheduler and the short queue's worker, then open Service Suspension."),
	),
	(
		"emails",
		_("Email queue"),
		_("{0} emails waiting to leave for more than 10 minutes."),
		_("Check the outgoing Email Account and the scheduler, then open Email Queue."),
	),
)


def _stuck_lines(facts: Facts) -> list[Line]:
	lines = []
	for kind, title, detail, fix in STUCK:
		if kind not in facts.stuck:
			continue
		count = facts.stuck[kind]
		if count:
			lines.append(Line(f"stuck.{kind}", title, FAIL, detail, (count,), fix))
		elif kind == "webhook_events" and facts.given_up_webhooks:
			lines.append(
				Line(
					f"stuck.{kind}",
					title,
					WARN,
					_("{0} failed for good after every retry."),
					(facts.given_up_webhooks,),
					_("Open Webhook Event (status Failed), fix the cause and retry them."),
				)
			)
		elif kind == "suspensions" and facts.failed_suspensions:
			lines.append(
				Line(
					f"stuck.{kind}",
					title,
					WARN,
					_("{0} failed after every attempt: a device did not answer or refused."),
					(facts.failed_suspensions,),
					_(
						"Open Service Suspension (status Failed), check each device's answer, then Retry or Skip."
					),
				)
			)
		elif kind == "emails" and facts.email_errors:
			lines.append(
				Line(
					f"stuck.{kind}",
					title,
					WARN,
					_("{0} emails failed in the last 24 hours."),
					(facts.email_errors,),
					_("Open Email Queue (status Error) to see why."),
				)
			)
		else:
			lines.append(Line(f"stuck.{kind}", title, OK, _("Nothing stuck.")))
	return lines


def overall(lines: list[Line]) -> str:
	return max((line.status for line in lines), key=RANK.__getitem__, default=OK)


# ------------------------------------------------------------------ calls to outside services


class ProbeTimeout(Exception):
	def __init__(self, seconds: float):
		super().__init__(f"no answer within {seconds:g} s")
		self.seconds = seconds


def probe_all(
	probes: Mapping[str, Callable[[], object]], deadline: float = 5.0
) -> dict[str, BaseException | None]:
	"""Run every probe at once (one daemon thread each); None for each that returned, its
	exception for each that raised, a ProbeTimeout for each still running at `deadline` seconds
	(left to finish on its own, bounded by its client's own timeout)."""
	results: dict[str, BaseException | None] = {}
	done = threading.Condition()

	def run(key: str, probe: Callable[[], object]) -> None:
		try:
			probe()
			outcome = None
		except BaseException as err:  # a probe's failure is its answer
			outcome = err
		with done:
			results[key] = outcome
			done.notify_all()

	for key, probe in probes.items():
		threading.Thread(target=run, args=(key, probe), name=f"health-{key}", daemon=True).start()
	end = time.monotonic() + deadline
	with done:
		while len(results) < len(probes):
			left = end - time.monotonic()
			if left <= 0:
				break
			done.wait(left)
		answered = dict(results)
	return {key: answered[key] if key in answered else ProbeTimeout(deadline) for key in probes}
