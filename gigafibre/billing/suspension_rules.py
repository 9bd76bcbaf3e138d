"""Suspension and restoration decisions, pure (no Frappe).

- **Actions per equipment model** (Gigafibre Settings → Suspension Actions): a row matches a Service
  Equipment whose `model` is the row's model, compared without case or surrounding spaces. Its
  backend is GenieACS or Oktopus; its suspend and restore actions are JSON, one step or a list:

  GenieACS (NBI): `{"task": {"name": "setParameterValues", "parameterValues": [[path, value, type]]}}`
  (any NBI task: setParameterValues, refreshObject, reboot, ...), `{"add_tag": "suspended"}`,
  `{"remove_tag": "suspended"}`, `{"put_preset": "name", "preset": {...}}`, `{"delete_preset": "name"}`.

  Oktopus (USP): `{"command": "set" | "operate" | "add" | "del" | "get", "mtp": "any", "body": {...}}`,
  the body being the USP message as Oktopus's REST API takes it (`PUT /api/device/<sn>/<mtp>/<command>`).

  `{device_id}` and `{serial}` anywhere in a string are replaced by the equipment's GenieACS device
  ID and serial number (a preset's precondition on `_id`, a tag per device).

- **Retries**: a device that does not answer (a GenieACS task left queued, Oktopus's 503 "device is
  offline" or 504 timeout, a server unreachable) is tried again after 1, 2, 5, 10, 15, 30 then every
  60 minutes, up to the configured number of attempts; then the row is Failed, for staff to see.
  An answer that refuses (an unknown device, a USP failure) fails the device at once.

- **Whether a suspension may run**: only while the location still owes something, no payment of
  its invoices is being processed, none is disputed, and the customer has no payment arrangement
  running; otherwise it is Skipped, with the reason.
"""

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from typing import Any

from gigafibre.errors import InvalidValue
from gigafibre.i18n import _

SUSPEND, RESTORE = "Suspend", "Restore"
PROPOSED, PENDING, RUNNING, DONE, FAILED, SKIPPED = (
	"Proposed",
	"Pending",
	"Running",
	"Done",
	"Failed",
	"Skipped",
)
UNFINISHED = (PROPOSED, PENDING, RUNNING)
FINISHED = (DONE, FAILED, SKIPPED)

GENIEACS, OKTOPUS = "GenieACS", "Oktopus"
BACKENDS = (GENIEACS, OKTOPUS)

# One equipment's progress within a suspension or restoration.
DEVICE_PENDING, DEVICE_DONE, DEVICE_FAILED, DEVICE_SKIPPED = "Pending", "Done", "Failed", "Skipped"

GENIEACS_STEPS = ("task", "add_tag", "remove_tag", "put_preset", "delete_preset")
OKTOPUS_COMMANDS = ("set", "operate", "add", "del", "get")
# Oktopus's MTP path segment: one of its transports, or "any" (the one the device is online on).
OKTOPUS_MTPS = ("any", "mqtt", "ws", "stomp")

DEFAULT_RUN_TIME = time(10, 0)
DEFAULT_MAX_ATTEMPTS = 8
RETRY_MINUTES = (1, 2, 5, 10, 15, 30, 60)
# A row stored for its own job is left to it this long before the sweep takes it up.
GRACE_SECONDS = 60

SECRET_WORDS = ("password", "passphrase", "secret", "psk", "keypassphrase", "token", "apikey", "wepkey")
REDACTED = "********"


@dataclass(frozen=True)
class Step:
	kind: str  # a GenieACS step kind, or an Oktopus command
	params: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Rule:
	model: str
	backend: str
	suspend: tuple[Step, ...]
	restore: tuple[Step, ...]

	def steps(self, action: str) -> tuple[Step, ...]:
		return self.suspend if action == SUSPEND else self.restore


# ---------------------------------------------------------------- configuration


def normal_model(model: str | None) -> str:
	return " ".join((model or "").split()).casefold()


def parse_steps(backend: str, text: str | None, label: str) -> tuple[Step, ...]:
	"""The steps of one action (`label`: "suspend" or "restore", for the messages). InvalidValue
	saying what is wrong otherwise."""
	if backend not in BACKENDS:
		raise InvalidValue(_("Choose GenieACS or Oktopus as the backend."))
	if not (text or "").strip():
		raise InvalidValue(_("Give the {0} action as JSON."), label)
	try:
		value = json.loads(text)
	except ValueError as err:
		raise InvalidValue(_("The {0} action is not valid JSON: {1}"), label, str(err)) from err
	items = value if isinstance(value, list) else [value]
	if not items or not all(isinstance(item, dict) for item in items):
		raise InvalidValue(_("The {0} action must be a JSON object or a list of JSON objects."), label)
	parse = _genieacs_step if backend == GENIEACS else _oktopus_step
	return tuple(parse(item, label, number) for number, item in enumerate(items, 1))


def _genieacs_step(item: dict, label: str, number: int) -> Step:
	kinds = [k for k in GENIEACS_STEPS if k in item]
	if len(kinds) != 1:
		raise InvalidValue(
			_("Step {0} of the {1} action must have exactly one of: {2}."),
			number,
			label,
			", ".join(GENIEACS_STEPS),
		)
	kind = kinds[0]
	value = item[kind]
	if kind == "task":
		if not isinstance(value, dict) or not isinstance(value.get("name"), str) or not value["name"]:
			raise InvalidValue(
				_(
					"Step {0} of the {1} action: a task is a JSON object with a name, such as setParameterValues."
				),
				number,
				label,
			)
		if value["name"] == "setParameterValues":
			values = value.get("parameterValues")
			if (
				not isinstance(values, list)
				or not values
				or not all(
					isinstance(v, list) and len(v) in (2, 3) and isinstance(v[0], str) and v[0]
					for v in values
				)
			):
				raise InvalidValue(
					_("Step {0} of the {1} action: parameterValues must be a list of [path, value, type]."),
					number,
					label,
				)
		return Step(kind, {"task": value})
	if kind == "put_preset":
		if not isinstance(value, str) or not value.strip() or not isinstance(item.get("preset"), dict):
			raise InvalidValue(
				_("Step {0} of the {1} action: put_preset needs a preset name and a preset object."),
				number,
				label,
			)
		return Step(kind, {"name": value.strip(), "preset": item["preset"]})
	if not isinstance(value, str) or not value.strip():
		raise InvalidValue(_("Step {0} of the {1} action: {2} needs a name."), number, label, kind)
	return Step(kind, {"name": value.strip()})


def _oktopus_step(item: dict, label: str, number: int) -> Step:
	command = item.get("command")
	if command not in OKTOPUS_COMMANDS:
		raise InvalidValue(
			_("Step {0} of the {1} action: the Oktopus command must be one of: {2}."),
			number,
			label,
			", ".join(OKTOPUS_COMMANDS),
		)
	mtp = item.get("mtp") or "any"
	if mtp not in OKTOPUS_MTPS:
		raise InvalidValue(
			_("Step {0} of the {1} action: mtp must be one of: {2}."), number, label, ", ".join(OKTOPUS_MTPS)
		)
	body = item.get("body")
	if not isinstance(body, dict) or not body:
		raise InvalidValue(
			_("Step {0} of the {1} action: body must be the USP message as a JSON object."), number, label
		)
	return Step(command, {"mtp": mtp, "body": body})


# Words put into the messages above as arguments: the shell translates them too.
LABELS = (_("suspend"), _("restore"))


class RowError(InvalidValue):
	"""A settings row that cannot be used: `row` (from 1) and what is wrong with it (`problem`)."""

	def __init__(self, row: int, problem: InvalidValue):
		super().__init__(problem.message, *problem.args_)
		self.row = row
		self.problem = problem


def parse_rules(rows: Iterable[Mapping[str, Any]]) -> list[Rule]:
	"""Rules from the settings rows (model, backend, suspend_action, restore_action). A RowError
	naming the row for the first problem: a missing model, a bad action, a model listed twice."""
	rules: list[Rule] = []
	seen: dict[str, int] = {}
	for number, row in enumerate(rows, 1):
		try:
			model = normal_model(row.get("model"))
			if not model:
				raise InvalidValue(_("Give the equipment model."))
			if model in seen:
				raise InvalidValue(_("Model {0} is already on row {1}."), row.get("model"), seen[model])
			backend = row.get("backend")
			suspend = parse_steps(backend, row.get("suspend_action"), "suspend")
			restore = parse_steps(backend, row.get("restore_action"), "restore")
		except InvalidValue as err:
			raise RowError(number, err) from err
		seen[model] = number
		rules.append(Rule(row.get("model").strip(), backend, suspend, restore))
	return rules


def rule_for(model: str | None, rules: Sequence[Rule]) -> Rule | None:
	"""The rule for an equipment model, matched without case or extra spaces; None when none."""
	wanted = normal_model(model)
	if not wanted:
		return None
	return next((r for r in rules if normal_model(r.model) == wanted), None)


def device_address(backend: str, acs_device_id: str | None, serial: str | None) -> str | None:
	"""How the backend names the equipment: GenieACS's device ID, Oktopus's serial number."""
	value = acs_device_id if backend == GENIEACS else serial
	value = (value or "").strip()
	return (value.upper() if backend == OKTOPUS else value) or None


def render(steps: Sequence[Step], device_id: str | None, serial: str | None) -> tuple[Step, ...]:
	"""The steps with `{device_id}` and `{serial}` filled in every string."""
	values = {"{device_id}": device_id or "", "{serial}": (serial or "").strip().upper()}

	def fill(value):
		if isinstance(value, str):
			for key, text in values.items():
				value = value.replace(key, text)
			return value
		if isinstance(value, list):
			return [fill(v) for v in value]
		if isinstance(value, dict):
			return {k: fill(v) for k, v in value.items()}
		return value

	return tuple(replace(step, params=fill(dict(step.params))) for step in steps)


# ---------------------------------------------------------------- answers


def _secret_name(name: object) -> bool:
	text = str(name).replace("_", "").replace("-", "").replace(".", "").casefold()
	return any(word in text for word in SECRET_WORDS)


def redact(value: Any) -> Any:
	"""A device's answer (or a request) fit to store: secret-looking values replaced — a key named
	like a password, a [path, value, type] whose path is a password, a USP {param, value}."""
	if isinstance(value, dict):
		param = value.get("param") or value.get("Param")
		out = {}
		for key, item in value.items():
			if _secret_name(key) and not isinstance(item, dict | list):
				out[key] = REDACTED
			elif key in ("value", "Value") and param and _secret_name(param):
				out[key] = REDACTED
			else:
				out[key] = redact(item)
		return out
	if isinstance(value, list):
		if len(value) in (2, 3) and isinstance(value[0], str) and "." in value[0] and _secret_name(value[0]):
			return [value[0], REDACTED, *value[2:]]
		return [redact(v) for v in value]
	return value


def answer_text(answer: Any, limit: int = 20000) -> str:
	"""The stored form of an answer: redacted JSON, cut at `limit` characters."""
	text = json.dumps(redact(answer), ensure_ascii=False, indent=1, sort_keys=True, default=str)
	return text if len(text) <= limit else text[:limit] + "\n…"


def usp_failure(answer: Any) -> str | None:
	"""The error a USP response carries (an `oper_failure`, a `cmd_failure`, an `err_msg`), or None."""
	found: list[str] = []

	def walk(value):
		if isinstance(value, dict):
			for key, item in value.items():
				name = str(key).replace("_", "").casefold()
				if name in ("operfailure", "cmdfailure") and item:
					found.append(_failure_text(item))
				elif name == "errmsg" and item:
					found.append(str(item))
				else:
					walk(item)
		elif isinstance(value, list):
			for item in value:
				walk(item)

	walk(answer)
	return "; ".join(found) if found else None


def _failure_text(item: Any) -> str:
	if isinstance(item, dict):
		code = item.get("err_code") or item.get("ErrCode")
		message = item.get("err_msg") or item.get("ErrMsg") or ""
		return f"{code}: {message}".strip(": ") if code else (message or json.dumps(item))
	return str(item)


# ---------------------------------------------------------------- when and whether


def scheduled_for(now: datetime, run_time: time | None) -> datetime:
	"""The next run time after `now` (both in the site's time zone): today's, or tomorrow's once passed."""
	at = datetime.combine(now.date(), run_time or DEFAULT_RUN_TIME)
	return at if at > now else at + timedelta(days=1)


def retry_delay(attempts: int) -> timedelta:
	"""The wait after attempt number `attempts` (1 for the first) before the next one."""
	index = min(max(attempts or 1, 1), len(RETRY_MINUTES)) - 1
	return timedelta(minutes=RETRY_MINUTES[index])


def after_attempt(
	device_statuses: Sequence[str], attempts: int, max_attempts: int, now: datetime
) -> tuple[str, datetime | None]:
	"""(status, next attempt) of a row after an attempt, from its equipment's statuses: Done when
	every one is done (or skipped), Pending again while one has not answered and attempts remain,
	Failed otherwise."""
	if all(s in (DEVICE_DONE, DEVICE_SKIPPED) for s in device_statuses):
		return DONE, None
	if DEVICE_PENDING in device_statuses and (attempts or 0) < max(max_attempts or 1, 1):
		return PENDING, now + retry_delay(attempts)
	return FAILED, None


def may_claim(
	status: str,
	scheduled_at: datetime | None,
	next_attempt_at: datetime | None,
	leased_until: datetime | None,
	now: datetime,
) -> bool:
	"""Whether a worker that read the row under lock runs it now: Proposed once its time came,
	Pending once its next attempt is due, Running whose worker was lost (its lease lapsed)."""
	if status == PROPOSED:
		return scheduled_at is not None and scheduled_at <= now
	if status == PENDING:
		return next_attempt_at is None or next_attempt_at <= now
	if status == RUNNING:
		return leased_until is None or leased_until <= now
	return False


def sweep_takes(
	status: str,
	modified: datetime,
	scheduled_at: datetime | None,
	next_attempt_at: datetime | None,
	leased_until: datetime | None,
	now: datetime,
	grace_seconds: int = GRACE_SECONDS,
) -> bool:
	"""Whether the minute sweep enqueues a row: a claimable one, except a Pending row without a
	planned retry younger than the grace period (its own job is on its way)."""
	if not may_claim(status, scheduled_at, next_attempt_at, leased_until, now):
		return False
	if status == PENDING and next_attempt_at is None:
		return modified <= now - timedelta(seconds=grace_seconds)
	return True


def blocker(
	balance: float,
	processing: Sequence[str] = (),
	disputed: Sequence[str] = (),
	arrangement_until: date | None = None,
	today: date | None = None,
) -> tuple[str, tuple] | None:
	"""Why a suspension must not run (a message template and its arguments), or None when it may:
	nothing owed any more, a payment being processed, a dispute, a payment arrangement running."""
	if (balance or 0) <= 0:
		return _("Nothing is owed on this location any more."), ()
	if processing:
		return _("A payment is being processed for {0}."), (", ".join(processing),)
	if disputed:
		return _("{0} is disputed."), (", ".join(disputed),)
	if arrangement_until and today and arrangement_until >= today:
		return _("The customer has a payment arrangement until {0}."), (arrangement_until.isoformat(),)
	return None
