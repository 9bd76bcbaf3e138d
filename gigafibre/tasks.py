"""Scheduler entry points, one line each into a capability (wired in hooks.scheduler_events)."""


def wake_flow_runs() -> None:
	from gigafibre.flows.runner import wake_due_runs

	wake_due_runs()


def retry_failed_webhooks() -> None:
	from gigafibre.webhooks.intake import retry_failed

	retry_failed()


def charge_preauthorized_payments() -> None:
	from gigafibre.payments.ppa import charge_due_invoices

	charge_due_invoices()


def poll_olts() -> None:
	from gigafibre.network.tasks import poll_olts as poll

	poll()


def sweep_outbox() -> None:
	from gigafibre.messaging.outbox import sweep

	sweep()
