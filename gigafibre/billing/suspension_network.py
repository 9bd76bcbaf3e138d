"""One equipment's suspend or restore steps, run through the network clients we have (no Frappe).

`perform` takes a `GenieAcsClient` or an `OktopusClient`, the device's address (GenieACS device ID,
Oktopus serial number) and the rendered steps (`suspension_rules.render`), starts at the first step
not done yet, and returns an `Outcome`: Done; Pending when the device did not answer (a GenieACS
task left queued for its next inform, Oktopus's "device offline" or timeout, a server that cannot
be reached: tried again later); Failed when it was refused (an unknown device, a USP failure).

Every answer is kept as it came (`answers`), to be stored redacted. A GenieACS task left queued
is deleted before it is pushed again on the next attempt, so retries never pile up tasks; after the
last attempt it stays queued and runs when the device next informs.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field

from gigafibre.billing.suspension_rules import (
	DEVICE_DONE,
	DEVICE_FAILED,
	DEVICE_PENDING,
	GENIEACS,
	Step,
	usp_failure,
)
from gigafibre.errors import GigafibreError, InvalidValue, ServiceError
from gigafibre.i18n import _


@dataclass
class Outcome:
	status: str  # DEVICE_DONE, DEVICE_PENDING (no answer yet) or DEVICE_FAILED
	steps_done: int
	answers: list = field(default_factory=list)
	error: GigafibreError | None = None
	queued_task_id: str | None = None  # a GenieACS task waiting for the device's next inform


def perform(
	backend: str,
	client,
	address: str,
	steps: Sequence[Step],
	start: int = 0,
	queued_task_id: str | None = None,
) -> Outcome:
	done = max(start or 0, 0)
	answers: list = []
	for step in steps[done:]:
		number = done + 1
		try:
			if backend == GENIEACS:
				answer, queued_task_id, waiting = _genieacs(client, address, step, queued_task_id)
				answers.append({"step": number, **answer})
				if waiting:
					error = ServiceError(
						_(
							"The device did not answer: GenieACS keeps the task {0} queued for its next inform."
						),
						step.params["task"].get("name"),
						retryable=True,
					)
					return Outcome(DEVICE_PENDING, done, answers, error, queued_task_id)
			else:
				status, body = client.device_message(
					address, step.kind, step.params["body"], step.params.get("mtp") or "any"
				)
				answers.append({"step": number, "command": step.kind, "http_status": status, "answer": body})
				failure = usp_failure(body)
				if failure:
					error = ServiceError(_("The device refused the {0} command: {1}"), step.kind, failure)
					return Outcome(DEVICE_FAILED, done, answers, error)
		except ServiceError as err:
			answers.append({"step": number, "http_status": getattr(err, "status", None), "error": str(err)})
			status = DEVICE_PENDING if err.retryable else DEVICE_FAILED
			return Outcome(status, done, answers, err, queued_task_id)
		except InvalidValue as err:
			answers.append({"step": number, "error": str(err)})
			return Outcome(DEVICE_FAILED, done, answers, err, queued_task_id)
		done += 1
	return Outcome(DEVICE_DONE, done, answers)


def _genieacs(
	client, device_id: str, step: Step, queued_task_id: str | None
) -> tuple[dict, str | None, bool]:
	"""(answer, task still queued, whether the device has yet to answer)."""
	if step.kind == "task":
		if queued_task_id:
			client.delete_task(queued_task_id)  # the copy left by the last attempt (404 once it ran)
		result = client.push_task(device_id, dict(step.params["task"]))
		answer = {"task": result.name, "http_status": 200 if result.done else 202, "answer": result.task}
		return answer, (None if result.done else result.task_id), not result.done
	name = step.params["name"]
	if step.kind == "add_tag":
		client.add_tag(device_id, name)
	elif step.kind == "remove_tag":
		client.remove_tag(device_id, name)
	elif step.kind == "put_preset":
		client.put_preset(name, dict(step.params["preset"]))
	elif step.kind == "delete_preset":
		client.delete_preset(name)
	else:
		raise InvalidValue(_("Unknown GenieACS step {0}."), step.kind)
	return {step.kind: name, "http_status": 200}, queued_task_id, False
