"""The flow runtime end to end: document events -> Flow Runs -> actions, waits, retries, desk."""

import json
from contextlib import contextmanager
from unittest.mock import patch

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils import add_to_date, now_datetime

from gigafibre.flows import dispatch_event, runner
from gigafibre.flows.runner import cancel_run, clear_cache, event_listeners, retry_run, wake_due_runs
from gigafibre.tests.peers import LoopbackPeer, Reply
from gigafibre.tests.utils import (
	TWILIO_SID,
	SmsTestCase,
	ensure_outgoing_email_account,
	make_location,
	make_submitted_invoice,
	make_technician,
	pay,
	test_customer,
)


def make_template(
	title: str, trigger_event: str, steps: list[dict], **fields
) -> "frappe.model.document.Document":
	for step in steps:
		if isinstance(step.get("params"), dict):
			step["params"] = json.dumps(step["params"])
	return frappe.get_doc(
		{"doctype": "Flow Template", "title": title, "trigger_event": trigger_event, "steps": steps, **fields}
	).insert()


def runs_for(template: str) -> list:
	return frappe.get_all("Flow Run", filters={"flow_template": template}, pluck="name")


class FlowTestCase(SmsTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		# The seed flows would add their own runs to every event; these tests bring their own templates.
		for name in frappe.get_all("Flow Template", filters={"enabled": 1}, pluck="name"):
			frappe.db.set_value("Flow Template", name, "enabled", 0)
		clear_cache()

	@classmethod
	def tearDownClass(cls):
		super().tearDownClass()
		frappe.clear_document_cache("Gigafibre Settings", "Gigafibre Settings")
		clear_cache()


class TestTemplateValidation(FlowTestCase):
	def test_problems_name_the_step_at_fault(self):
		cases = [
			(
				[
					{"step_id": "a", "step_type": "condition", "expression": "doc.x >", "else_step": "b"},
					{"step_id": "b", "step_type": "end"},
				],
				"a",
			),
			([{"step_id": "a", "step_type": "action", "action": "send_sms", "params": {"to": "x"}}], "body"),
			(
				[
					{
						"step_id": "a",
						"step_type": "action",
						"action": "create_todo",
						"params": {"description": "x"},
						"next_step": "nowhere",
					}
				],
				"nowhere",
			),
			([{"step_id": "a", "step_type": "end"}, {"step_id": "orphan", "step_type": "end"}], "orphan"),
			(
				[
					{"step_id": "a", "step_type": "set", "set_key": "n", "expression": "1", "next_step": "b"},
					{"step_id": "b", "step_type": "set", "set_key": "m", "expression": "2", "next_step": "a"},
				],
				"loop",
			),
			(
				[{"step_id": "a", "step_type": "action", "action": "create_todo", "params": "{not json"}],
				"JSON",
			),
			(
				[
					{
						"step_id": "w",
						"step_type": "wait",
						"wait_kind": "event",
						"wait_event": "on_job_complete",
					}
				],
				"timeout",
			),
		]
		for steps, expected in cases:
			with self.subTest(expected=expected), self.assertRaisesRegex(frappe.ValidationError, expected):
				make_template(f"_Test invalid {expected}", "on_customer_created", steps)

	def test_french_message_for_french_users(self):
		frappe.local.lang = "fr"
		try:
			with self.assertRaisesRegex(
				frappe.ValidationError, "Étape orphan : Aucun chemin ne mène à cette étape"
			):
				make_template(
					"_Test fr",
					"on_customer_created",
					[{"step_id": "a", "step_type": "end"}, {"step_id": "orphan", "step_type": "end"}],
				)
		finally:
			frappe.local.lang = "en"

	def test_saving_a_template_drops_the_cache(self):
		self.assertEqual(event_listeners("on_outage_resolved")["doctypes"], [])
		make_template(
			"_Test cache",
			"on_outage_resolved",
			[{"step_id": "end", "step_type": "end"}],
			reference_doctype="Customer",
		)
		self.assertEqual(event_listeners("on_outage_resolved")["doctypes"], ["Customer"])


class TestPaymentFlow(FlowTestCase):
	def test_payment_creates_the_install_job_and_texts_the_customer(self):
		seed = frappe.get_doc("Flow Template", "Paiement reçu : installation et texto")
		seed.enabled = 1
		seed.save()
		customer = test_customer("_Test Flow Payment Customer", mobile="+14385550142")
		location = make_location(customer=customer, address_line1="77 rue du Paiement")
		sent_before = len(self.twilio.requests)

		payment = pay(make_submitted_invoice(customer))

		(run_name,) = runs_for(seed.name)
		run = frappe.get_doc("Flow Run", run_name)
		self.assertEqual(
			(run.status, run.reference_doctype, run.reference_name),
			("Completed", "Payment Entry", payment.name),
		)
		job = frappe.get_doc("Dispatch Job", {"source_name": payment.name})
		self.assertEqual(
			(job.job_type, job.customer, job.service_location, job.status),
			("Install", customer, location.name, "New"),
		)
		(sms,) = self.twilio.requests[sent_before:] or self.fail(
			[(r.step_id, r.outcome, r.message) for r in run.log] + [json.loads(run.context)["customer"]]
		)
		self.assertEqual(sms.form()["To"], "+14385550142")
		self.assertIn(job.name, sms.form()["Body"])
		self.assertIn("95.00 $", sms.form()["Body"])
		outcomes = [(row.step_id, row.outcome) for row in run.log]
		self.assertIn(("create_job", "action_succeeded"), outcomes)
		self.assertIn(("sms", "action_succeeded"), outcomes)
		self.assertEqual(json.loads(run.context)["steps"]["sms"]["sid"], "SM" + "b" * 32)

		# The customer's next payment is a monthly bill, not a new installation.
		pay(make_submitted_invoice(customer))
		self.assertEqual(frappe.db.count("Dispatch Job", {"customer": customer}), 1)


class TestRuns(FlowTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.location = make_location(address_line1="12 rue des Flux")
		cls.technician = make_technician(full_name="Tech Flux")

	def make_job(self, **fields):
		return frappe.get_doc(
			{
				"doctype": "Dispatch Job",
				"subject": "Réparation",
				"job_type": "Repair",
				"service_location": self.location.name,
				**fields,
			}
		).insert()

	def test_same_event_twice_starts_one_run(self):
		template = make_template(
			"_Test once",
			"on_customer_created",
			[
				{
					"step_id": "todo",
					"step_type": "action",
					"action": "create_todo",
					"params": {"description": "Bienvenue {{ doc.customer_name }}"},
				}
			],
		)
		customer = frappe.get_doc("Customer", test_customer("_Test Flow Once"))
		dispatch_event("on_customer_created", customer)
		dispatch_event("on_customer_created", customer)
		self.assertEqual(len(runs_for(template.name)), 1)
		self.assertEqual(
			frappe.db.count(
				"ToDo", {"reference_name": customer.name, "description": "Bienvenue _Test Flow Once"}
			),
			1,
		)

	def test_condition_false_starts_nothing(self):
		template = make_template(
			"_Test condition",
			"on_customer_created",
			[{"step_id": "end", "step_type": "end"}],
			condition="doc.customer_type == 'Company'",
		)
		dispatch_event(
			"on_customer_created", frappe.get_doc("Customer", test_customer("_Test Flow Individual"))
		)
		self.assertEqual(runs_for(template.name), [])

	def test_wait_resumed_by_the_scheduler(self):
		template = make_template(
			"_Test wait duration",
			"on_job_assigned",
			[
				{"step_id": "pause", "step_type": "wait", "wait_kind": "duration", "wait_seconds": 3600},
				{
					"step_id": "todo",
					"step_type": "action",
					"action": "create_todo",
					"params": {"description": "Rappel {{ doc.name }}"},
				},
			],
			reference_doctype="Dispatch Job",
		)
		job = self.make_job(technician=self.technician.name)
		run = frappe.get_doc("Flow Run", runs_for(template.name)[0])
		self.assertEqual((run.status, run.current_step), ("Waiting", "pause"))
		wake_due_runs()
		self.assertEqual(run.reload().status, "Waiting")  # not due yet
		frappe.db.set_value("Flow Run", run.name, "wake_at", add_to_date(now_datetime(), minutes=-1))
		wake_due_runs()
		self.assertEqual(run.reload().status, "Completed")
		self.assertTrue(frappe.db.exists("ToDo", {"description": f"Rappel {job.name}"}))

	def test_wait_resumed_by_its_event_or_timing_out(self):
		template = make_template(
			"_Test wait event",
			"on_job_assigned",
			[
				{
					"step_id": "wait_done",
					"step_type": "wait",
					"wait_kind": "event",
					"wait_event": "on_job_complete",
					"timeout_seconds": 259200,
					"timeout_step": "escalate",
				},
				{
					"step_id": "thanks",
					"step_type": "action",
					"action": "create_todo",
					"params": {"description": "Terminé {{ doc.name }}"},
					"next_step": "done",
				},
				{
					"step_id": "escalate",
					"step_type": "action",
					"action": "create_todo",
					"params": {"description": "En retard {{ doc.name }}"},
				},
				{"step_id": "done", "step_type": "end"},
			],
			reference_doctype="Dispatch Job",
		)
		finished = self.make_job(technician=self.technician.name, scheduled_start=now_datetime())
		late = self.make_job(technician=self.technician.name, scheduled_start=now_datetime())
		self.assertTrue(event_listeners("on_job_complete")["awaited"])
		for status in ("En Route", "On Site", "Completed"):
			finished.status = status
			finished.save()
		by_job = {
			r.reference_name: r for r in (frappe.get_doc("Flow Run", n) for n in runs_for(template.name))
		}
		self.assertEqual(by_job[finished.name].status, "Completed")
		self.assertTrue(frappe.db.exists("ToDo", {"description": f"Terminé {finished.name}"}))
		self.assertEqual(by_job[late.name].status, "Waiting")
		frappe.db.set_value(
			"Flow Run", by_job[late.name].name, "wake_at", add_to_date(now_datetime(), minutes=-1)
		)
		wake_due_runs()
		self.assertEqual(by_job[late.name].reload().status, "Completed")
		self.assertTrue(frappe.db.exists("ToDo", {"description": f"En retard {late.name}"}))

	def test_failing_action_retried_with_backoff_then_failed_then_retried_from_the_desk(self):
		template = make_template(
			"_Test retry",
			"on_job_assigned",
			[
				{
					"step_id": "sms",
					"step_type": "action",
					"action": "send_sms",
					"params": {"to": "+15145550111", "body": "Bonjour"},
				}
			],
			reference_doctype="Dispatch Job",
			max_attempts=2,
			retry_backoff_seconds=120,
		)
		frappe.db.set_single_value("Gigafibre Settings", "twilio_account_sid", "")
		frappe.clear_document_cache("Gigafibre Settings", "Gigafibre Settings")
		self.make_job(technician=self.technician.name)
		run = frappe.get_doc("Flow Run", runs_for(template.name)[0])
		self.assertEqual((run.status, run.attempts), ("Waiting", 1))
		self.assertIn("Twilio is not configured", run.last_error)
		delay = (run.wake_at - now_datetime()).total_seconds()
		self.assertTrue(100 < delay <= 120, delay)
		frappe.db.set_value("Flow Run", run.name, "wake_at", add_to_date(now_datetime(), minutes=-1))
		wake_due_runs()
		run.reload()
		self.assertEqual((run.status, run.attempts), ("Failed", 2))
		self.assertIn("action_failed", [row.outcome for row in run.log])

		frappe.db.set_single_value("Gigafibre Settings", "twilio_account_sid", TWILIO_SID)
		frappe.clear_document_cache("Gigafibre Settings", "Gigafibre Settings")
		retry_run(run.name)
		self.assertEqual(run.reload().status, "Completed")

	def test_cancel_from_the_desk(self):
		template = make_template(
			"_Test cancel",
			"on_job_assigned",
			[
				{"step_id": "pause", "step_type": "wait", "wait_kind": "duration", "wait_seconds": 600},
				{"step_id": "end", "step_type": "end"},
			],
			reference_doctype="Dispatch Job",
		)
		self.make_job(technician=self.technician.name)
		run = frappe.get_doc("Flow Run", runs_for(template.name)[0])
		cancel_run(run.name)
		run.reload()
		self.assertEqual(run.status, "Cancelled")
		self.assertFalse(run.wake_at)
		frappe.db.set_value("Flow Run", run.name, "wake_at", add_to_date(now_datetime(), minutes=-1))
		wake_due_runs()
		self.assertEqual(run.reload().status, "Cancelled")

	def test_reassigning_a_job_is_a_new_assignment(self):
		template = make_template(
			"_Test reassign",
			"on_job_assigned",
			[{"step_id": "end", "step_type": "end"}],
			reference_doctype="Dispatch Job",
		)
		other = make_technician(full_name="Tech Flux Deux")
		job = self.make_job(technician=self.technician.name)
		job.technician = other.name
		job.save()
		job.save()  # no status change: no event
		self.assertEqual(len(runs_for(template.name)), 2)

	def test_dry_run_shows_the_path_without_performing(self):
		from gigafibre.api.flows import dry_run

		template = make_template(
			"_Test dry run",
			"on_job_assigned",
			[
				{
					"step_id": "urgent",
					"step_type": "condition",
					"expression": "doc.priority == 'Urgent'",
					"else_step": "normal",
				},
				{
					"step_id": "page",
					"step_type": "action",
					"action": "send_sms",
					"params": {"to": "+15145550111", "body": "URGENT {{ doc.name }}"},
					"next_step": "done",
				},
				{
					"step_id": "normal",
					"step_type": "action",
					"action": "create_todo",
					"params": {"description": "Normal {{ doc.name }}"},
				},
				{"step_id": "done", "step_type": "end"},
			],
			reference_doctype="Dispatch Job",
			enabled=0,
		)
		job = self.make_job(priority="Urgent")
		sent_before = len(self.twilio.requests)
		result = dry_run(template.name, "Dispatch Job", job.name)
		self.assertEqual(result["path"], ["urgent", "page", "done"])
		self.assertEqual(result["effects"][0]["params"]["body"], f"URGENT {job.name}")
		self.assertEqual(len(self.twilio.requests), sent_before)
		self.assertEqual(runs_for(template.name), [])


class TestActions(FlowTestCase):
	def run_action(self, action: str, params: dict, reference=("", "")):
		from gigafibre.flows.actions import RunContext, perform

		return perform(
			action,
			params,
			RunContext(
				run="FR-TEST", reference_doctype=reference[0] or None, reference_name=reference[1] or None
			),
		)

	def test_send_sms(self):
		out = self.run_action("send_sms", {"to": "514-555-0177", "body": "Bonjour"})
		self.assertEqual(out["to"], "+15145550177")
		self.assertEqual(self.twilio.requests[-1].form()["Body"], "Bonjour")

	def test_send_email_queues_a_french_message(self):
		ensure_outgoing_email_account()
		out = self.run_action(
			"send_email",
			{"recipients": "client@exemple.ca", "subject": "Votre rendez-vous", "message": "Bonjour"},
		)
		self.assertEqual(out["recipients"], ["client@exemple.ca"])
		self.assertTrue(frappe.db.exists("Email Queue", {"message": ("like", "%Votre rendez-vous%")}))

	def test_create_document_and_set_value(self):
		out = self.run_action(
			"create_document", {"doctype": "ToDo", "fields": {"description": "Créé par un flux"}}
		)
		self.assertEqual(frappe.db.get_value("ToDo", out["name"], "description"), "Créé par un flux")
		self.run_action("set_value", {"doctype": "ToDo", "name": out["name"], "values": {"priority": "High"}})
		self.assertEqual(frappe.db.get_value("ToDo", out["name"], "priority"), "High")

	def test_protected_doctypes_refused(self):
		with self.assertRaises(frappe.ValidationError):
			self.run_action(
				"create_document", {"doctype": "User", "fields": {"email": "x@y.ca", "first_name": "X"}}
			)
		with self.assertRaises(frappe.ValidationError):
			self.run_action("create_document", {"doctype": "No Such Doctype", "fields": {}})

	def test_assign_technician(self):
		location = make_location(address_line1="3 rue Assignation")
		tech = make_technician(full_name="Tech Assign")
		job = frappe.get_doc(
			{
				"doctype": "Dispatch Job",
				"subject": "Pose",
				"job_type": "Install",
				"service_location": location.name,
			}
		).insert()
		out = self.run_action("assign_technician", {"technician": tech.name}, ("Dispatch Job", job.name))
		self.assertEqual((out["technician"], out["status"]), (tech.name, "Assigned"))
		with self.assertRaises(frappe.ValidationError):
			self.run_action("assign_technician", {"technician": "TECH-NONE"}, ("Dispatch Job", job.name))

	def test_publish_realtime(self):
		self.assertEqual(
			self.run_action("publish_realtime", {"event": "dispatch", "message": {"x": 1}}),
			{"event": "dispatch"},
		)

	def test_call_webhook(self):
		with LoopbackPeer(lambda r: Reply(200, {"ok": True})) as peer:
			out = self.run_action("call_webhook", {"url": peer.url + "/hook", "json": {"job": "DJ-1"}})
		self.assertEqual(out, {"status_code": 200, "body": {"ok": True}})
		self.assertEqual(peer.requests[0].json(), {"job": "DJ-1"})
		with LoopbackPeer(lambda r: Reply(503, {})) as peer, self.assertRaisesRegex(Exception, "503"):
			self.run_action("call_webhook", {"url": peer.url})
		with self.assertRaises(frappe.ValidationError):
			self.run_action("call_webhook", {"url": "file:///etc/passwd"})

	def test_enqueue_method_only_from_the_allow_list(self):
		with self.assertRaisesRegex(frappe.ValidationError, "not allowed"):
			self.run_action("enqueue_method", {"method": "frappe.db.sql"})

	def test_create_todo_on_the_reference(self):
		out = self.run_action(
			"create_todo", {"description": "Rappeler le client"}, ("Customer", test_customer())
		)
		self.assertEqual(frappe.db.get_value("ToDo", out["name"], "reference_name"), test_customer())

	def test_every_catalog_action_is_implemented(self):
		from gigafibre.flows.action_catalog import ACTIONS
		from gigafibre.flows.actions import REGISTRY

		self.assertEqual(set(REGISTRY), set(ACTIONS))


class Killed(BaseException):
	"""The worker and its work-horse killed (SIGKILL) during an action: nothing after it runs."""


def disable_templates() -> None:
	for name in frappe.get_all("Flow Template", filters={"enabled": 1}, pluck="name"):
		frappe.db.set_value("Flow Template", name, "enabled", 0)
	clear_cache()


class TestLostWorkers(FrappeTestCase):
	"""Runs are stored first: committed before their first action, each outcome as it happens; a
	run its worker left Running is taken up by the sweep, or by Retry, once its lease lapsed.
	(Runs with no document and ToDo actions only: none of the shared fixtures other modules insert
	at the same time, no loopback Twilio and its settings write.)"""

	EVENT = "on_job_cancelled"

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		frappe.flags.gigafibre_jobs_inline = True
		disable_templates()

	@classmethod
	def tearDownClass(cls):
		frappe.flags.gigafibre_jobs_inline = False
		clear_cache()
		super().tearDownClass()

	def setUp(self):
		self.tag = frappe.generate_hash(length=10)

	def tearDown(self):
		# Each test's template only: the next test's events start none of them.
		disable_templates()
		frappe.set_user("Administrator")

	def todo_step(self, step_id: str, label: str = "Perdu") -> dict:
		return {
			"step_id": step_id,
			"step_type": "action",
			"action": "create_todo",
			"params": {"description": f"{label} {self.tag}"},
		}

	def lost_template(self, title: str, **fields):
		return make_template(title, self.EVENT, [self.todo_step("todo")], **fields)

	def todos(self, label: str = "Perdu") -> int:
		return frappe.db.count("ToDo", {"description": f"{label} {self.tag}"})

	def fire(self) -> None:
		"""The flow job for the event (what the document hook enqueues)."""
		runner.handle_event(self.EVENT, None, None, {}, {"dedupe_key": self.tag})

	def left_running(self, template):
		"""A run whose worker was killed inside its first action."""
		with patch("gigafibre.flows.runner.perform", side_effect=Killed), self.assertRaises(Killed):
			self.fire()
		(name,) = runs_for(template.name)
		run = frappe.get_doc("Flow Run", name)
		self.assertEqual((run.status, run.current_step, run.attempts), ("Running", "todo", 1))
		self.assertGreater(run.leased_until, now_datetime())
		self.assertEqual(self.todos(), 0)
		return run

	def lapse(self, run) -> None:
		frappe.db.set_value(
			"Flow Run",
			run.name,
			"leased_until",
			add_to_date(now_datetime(), minutes=-2),
			update_modified=False,
		)

	@contextmanager
	def jobs_of(self, run_name: str):
		"""The runner's jobs, inline, for this test's run only (the site may hold others' runs)."""
		enqueued: list[tuple] = []
		real = runner.enqueue_job

		def only_ours(method, **kwargs):
			enqueued.append((method, kwargs.get("name"), kwargs.get("job_id")))
			if kwargs.get("name") == run_name:
				real(method, **kwargs)

		with patch.object(runner, "enqueue_job", only_ours):
			yield enqueued

	def test_run_committed_before_its_first_action_and_each_outcome_as_it_happens(self):
		template = make_template(
			"_Test commits",
			self.EVENT,
			[self.todo_step("first", "Premier"), self.todo_step("second", "Second")],
		)
		committed = []

		def observe():
			for name in runs_for(template.name):
				run = frappe.get_doc("Flow Run", name)
				committed.append(
					(
						run.status,
						run.current_step,
						run.log[-1].outcome,
						self.todos("Premier"),
						self.todos("Second"),
					)
				)

		with patch("gigafibre.flows.runner.commit_step", observe):
			self.fire()
		self.assertEqual(committed[0], ("Running", "first", "action_requested", 0, 0))
		self.assertIn(("Running", "second", "action_requested", 1, 0), committed)
		self.assertEqual(committed[-1], ("Completed", "second", "completed", 1, 1))

	def test_run_left_running_by_a_lost_worker_is_resumed_by_the_sweep_once(self):
		template = self.lost_template("_Test lost worker", max_attempts=3, retry_backoff_seconds=60)
		run = self.left_running(template)
		with self.jobs_of(run.name) as enqueued:
			runner.sweep_stale_runs()
		self.assertNotIn(run.name, [name for _, name, _ in enqueued])  # its lease is live
		runner.recover_run(run.name)  # a stray job: the live lease keeps the run
		self.assertEqual(run.reload().status, "Running")
		with self.assertRaises(frappe.ValidationError):
			run.retry_run()  # nor may a person retry it while its worker may be at it

		self.lapse(run)
		with self.jobs_of(run.name) as enqueued:
			runner.sweep_stale_runs()
			runner.sweep_stale_runs()
		self.assertIn(
			("gigafibre.flows.runner.recover_run", run.name, f"flow-run-recover:{run.name}"), enqueued
		)
		run.reload()
		self.assertEqual((run.status, run.leased_until), ("Completed", None))
		self.assertEqual(self.todos(), 1)
		lost = [row for row in run.log if row.outcome == "action_retry"]
		self.assertEqual(len(lost), 1)
		self.assertIn("Worker lost during step todo", lost[0].message)

	def test_retry_from_the_desk_restarts_a_run_left_running_once(self):
		run = self.left_running(self.lost_template("_Test lost retry"))
		self.lapse(run)
		with patch("frappe.enqueue") as queued:
			frappe.get_doc("Flow Run", run.name).retry_run()
		self.assertEqual(queued.call_args.kwargs["job_id"], f"flow-run-retry:{run.name}")
		retry_run(run.name)
		retry_run(run.name)  # pressed twice
		self.assertEqual(run.reload().status, "Completed")
		self.assertEqual(self.todos(), 1)
		self.assertIn("failed", [row.outcome for row in run.log])

	def test_last_attempt_lost_fails_the_run_with_the_reason(self):
		run = self.left_running(self.lost_template("_Test lost last", max_attempts=1))
		self.lapse(run)
		with self.jobs_of(run.name):
			runner.sweep_stale_runs()
		run.reload()
		self.assertEqual((run.status, run.last_error), ("Failed", "Worker lost during step todo."))
		self.assertEqual(self.todos(), 0)
		retry_run(run.name)
		self.assertEqual(run.reload().status, "Completed")
		self.assertEqual(self.todos(), 1)

	def test_the_minute_tick_only_enqueues(self):
		template = make_template(
			"_Test tick",
			self.EVENT,
			[
				{"step_id": "pause", "step_type": "wait", "wait_kind": "duration", "wait_seconds": 3600},
				self.todo_step("todo"),
			],
		)
		self.fire()
		(name,) = runs_for(template.name)
		frappe.db.set_value("Flow Run", name, "wake_at", add_to_date(now_datetime(), minutes=-1))
		with patch.object(runner, "enqueue_job") as queued:
			wake_due_runs()
		(call,) = [c for c in queued.call_args_list if c.kwargs.get("name") == name]
		self.assertEqual(call.args, ("gigafibre.flows.runner.resume_run",))
		self.assertEqual((call.kwargs["job_id"], call.kwargs["deduplicate"]), (f"flow-run-wake:{name}", True))
		self.assertEqual(frappe.db.get_value("Flow Run", name, "status"), "Waiting")
		self.assertEqual(self.todos(), 0)
		runner.resume_run(name)
		runner.resume_run(name)  # the same job twice: once
		self.assertEqual(frappe.db.get_value("Flow Run", name, "status"), "Completed")
		self.assertEqual(self.todos(), 1)
