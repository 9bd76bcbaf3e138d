"""Scheduler entry points, one line each into a capability (wired in hooks.scheduler_events)."""


def answer_waiting_customers() -> None:
	from gigafibre.ai.agent_service import sweep

	sweep()


def wake_flow_runs() -> None:
	from gigafibre.flows.runner import wake_due_runs

	wake_due_runs()


def sweep_unfinished_webhooks() -> None:
	from gigafibre.webhooks.intake import sweep

	sweep()


def sweep_stale_flow_runs() -> None:
	from gigafibre.flows.runner import sweep_stale_runs

	sweep_stale_runs()


def retry_failed_webhooks() -> None:
	from gigafibre.webhooks.intake import retry_failed

	retry_failed()


def finish_signed_contracts() -> None:
	from gigafibre.onboarding.acceptance import finish_signed
	from gigafibre.onboarding.contract_document import finish_pending

	finish_signed()
	finish_pending()


def charge_preauthorized_payments() -> None:
	from gigafibre.payments.ppa import charge_due_invoices

	charge_due_invoices()


def poll_olts() -> None:
	from gigafibre.network.tasks import poll_olts as poll

	poll()


def sweep_outbox() -> None:
	from gigafibre.messaging.outbox import sweep

	sweep()


def run_billing_cycle() -> None:
	from gigafibre.billing.cycle import run

	run()


def activate_completed_installs() -> None:
	from gigafibre.billing.subscriptions import activate_completed_installs as activate

	activate()


def finish_ended_subscriptions() -> None:
	from gigafibre.billing.cancellation import finish_ended

	finish_ended()


def sweep_suspensions() -> None:
	from gigafibre.billing.suspension import sweep

	sweep()


def text_late_customers() -> None:
	from gigafibre.field.customer_texts import sweep_late

	sweep_late()


def sweep_triage() -> None:
	from gigafibre.ai.triage_service import sweep

	sweep()
