"""The customer agent on the Frappe side: a customer's message on an SMS or portal thread (an
Issue, see messaging/conversations.py) is answered by the runtime (ai/agent.py) with the tools of
the `gigafibre_agent_tools` hook, every model call through `ai.service.ask` and every tool call
logged (`log_tool`).

Contract (the voice helper calls it too): `answer(issue, text, channel=...) -> AgentAnswer`,
synchronous, after the caller recorded the customer's message. The answer is recorded on the
thread as a Sent Communication marked as the agent's (`gigafibre_by_agent`, sender "Assistant
Gigafibre") and, on SMS, sent. A hand-off puts the thread in state Handed Off, status Open, with
a Comment holding the summary and a realtime event for staff; the customer reads a hand-off
message in their language. A thread already handed off gets nothing from the agent (empty text).

Stored first: the customer's Communication is the row. `on_customer_message` marks the thread
Active and enqueues `answer_pending`, one job per message: a job deduplicated per thread would be
skipped while the previous message's job is still running, and a message sent during an answer
would wait for the sweep. Extra jobs cost a lock and a read: under the thread's lock, each answers
what no answer follows yet, or nothing. `sweep` answers any received message on an Active thread
left unanswered past `GRACE` (a lost job), one queued job per thread. A staff reply on the
thread hands it off (`staff_replied`, from conversations.reply).
"""

from datetime import timedelta

import frappe
from frappe import _
from frappe.utils import add_to_date, now_datetime, nowdate

from gigafibre import jobs
from gigafibre.ai import agent
from gigafibre.ai.agent import AgentAnswer, Conversation, Limits, ToolRecord
from gigafibre.errors import ServiceError

ACTIVE, HANDED_OFF = "Active", "Handed Off"
STATE, TURNS, TOOL_CALLS = "gigafibre_agent_state", "gigafibre_agent_turns", "gigafibre_agent_tool_calls"
BY_AGENT = "gigafibre_by_agent"
SENDER_NAME = "Assistant Gigafibre"
HISTORY_MESSAGES = 20
GRACE = timedelta(minutes=2)
SETTING = {"SMS": "agent_on_sms", "Portal": "agent_on_portal"}
HANDOFF_EVENT = "gigafibre_agent_handoff"


def tools() -> dict[str, agent.Tool]:
	"""The registry from the hooks: each entry a spec dict or the dotted path of one."""
	specs = []
	for entry in frappe.get_hooks("gigafibre_agent_tools"):
		specs.append(frappe.get_attr(entry) if isinstance(entry, str) else entry)
	return agent.registry(specs)


def limits() -> Limits:
	settings = frappe.get_single("Gigafibre Settings")
	return Limits(
		max_turns=settings.agent_max_turns or 12,
		max_tool_calls=settings.agent_max_tool_calls or 20,
		min_confidence=settings.agent_min_confidence or 0,
	)


def say(message: str, language: str) -> str:
	return _(message, lang=language)


def _thread(issue: str, lock: bool = False):
	thread = frappe.db.get_value(
		"Issue",
		issue,
		["name", "customer", "status", "gigafibre_channel", "gigafibre_contact", STATE, TURNS, TOOL_CALLS],
		as_dict=True,
		for_update=lock,
	)
	if not thread:
		frappe.throw(_("Conversation {0} does not exist.").format(issue), frappe.DoesNotExistError)
	return thread


def history(issue: str, text: str) -> list[dict]:
	"""The thread's last messages as the runtime's plain entries, oldest first, without the
	message being answered (`text`, recorded last by the caller); consecutive messages of one side
	joined, and starting on the customer's side."""
	from gigafibre.messaging.conversations import as_text

	rows = frappe.get_all(
		"Communication",
		filters={
			"reference_doctype": "Issue",
			"reference_name": issue,
			"communication_type": "Communication",
		},
		fields=["sent_or_received", "text_content", "content"],
		order_by="communication_date desc, creation desc",
		limit=HISTORY_MESSAGES,
	)[::-1]
	entries: list[dict] = []
	for row in rows:
		role = "user" if row.sent_or_received == "Received" else "model"
		body = as_text(row.text_content, row.content).strip()
		if not body:
			continue
		if entries and entries[-1]["role"] == role:
			entries[-1]["text"] += "\n" + body
		else:
			entries.append({"role": role, "text": body})
	current = text.strip()
	if entries and entries[-1]["role"] == "user" and entries[-1]["text"].endswith(current):
		rest = entries[-1]["text"][: len(entries[-1]["text"]) - len(current)].rstrip()
		if rest:
			entries[-1]["text"] = rest
		else:
			entries.pop()
	while entries and entries[0]["role"] != "user":
		entries.pop(0)
	return entries


def answer(issue: str, text: str, *, channel: str) -> AgentAnswer:
	"""Answer `text` (the customer's message, already on the thread) on `issue`."""
	from gigafibre.ai.service import ask, log_tool
	from gigafibre.messaging.language import recipient_language

	if channel not in agent.CHANNELS:
		frappe.throw(_("The assistant does not answer on channel {0}.").format(channel))
	thread = _thread(issue, lock=True)
	if thread.get(STATE) == HANDED_OFF:
		return AgentAnswer(text="", handed_off=True, summary=None)
	customer = thread.customer
	if not customer:
		result_text = say(agent.HANDOFF_MESSAGE, agent.guess_language(text))
		summary = _("Handed off to a person: {0}.", lang="fr").format(
			_("the customer is not identified", lang="fr")
		)
		done = AgentAnswer(result_text, True, summary)
		_finish(thread, channel, done, turns=thread.get(TURNS) or 0, tool_calls=thread.get(TOOL_CALLS) or 0)
		return done

	conversation = Conversation(
		customer=customer,
		channel=channel,
		history=history(issue, text),
		language=recipient_language(customer=customer),
		customer_name=frappe.db.get_value("Customer", customer, "customer_name") or "",
		today=nowdate(),
		turns_used=thread.get(TURNS) or 0,
		tool_calls_used=thread.get(TOOL_CALLS) or 0,
	)
	where = {"reference_doctype": "Issue", "reference_name": issue, "customer": customer, "channel": channel}

	def model(entries, *, system, tools):
		return ask("Agent", lambda client: client.converse(entries, system=system, tools=tools), **where)

	def log(record: ToolRecord) -> None:
		log_tool(
			record.name,
			record.args,
			record.result,
			record.outcome,
			latency_ms=record.latency_ms,
			error=record.error,
			**where,
		)

	result = agent.run_turn(
		conversation,
		text,
		tools=tools(),
		model=model,
		run_tool=run_tool,
		limits=limits(),
		log=log,
		say=say,
	)
	if result.answer.handed_off:
		# The reason is on the thread's log too (the Comment says it to staff).
		log_tool(HAND_OFF_LOG, {"reason": result.reason}, None, "Hand-off", **where)
	_finish(thread, channel, result.answer, turns=result.turns_used, tool_calls=result.tool_calls_used)
	return result.answer


HAND_OFF_LOG = "hand_off"


def run_tool(tool: agent.Tool, customer: str, args: dict) -> dict:
	"""One tool for the conversation's customer; what it wrote is undone when it fails, and the
	messages a failing capability left for the screen are dropped (no one reads them here)."""
	method = frappe.get_attr(tool.method)
	messages = len(frappe.local.message_log or [])
	frappe.db.savepoint("gigafibre_agent_tool")
	try:
		return method(customer, **args)
	except Exception:
		frappe.db.rollback(save_point="gigafibre_agent_tool")
		frappe.local.message_log = (frappe.local.message_log or [])[:messages]
		raise


def _finish(thread, channel: str, answer: AgentAnswer, *, turns: int, tool_calls: int) -> None:
	values = {TURNS: turns, TOOL_CALLS: tool_calls, STATE: HANDED_OFF if answer.handed_off else ACTIVE}
	if answer.handed_off:
		values["status"] = "Open"
	elif thread.status == "Open":
		values["status"] = "Replied"
	frappe.db.set_value("Issue", thread.name, values)
	sent = record_reply(thread, channel, answer.text) if answer.text else True
	if answer.handed_off or not sent:
		summary = answer.summary or ""
		if not sent:
			summary = "\n".join(
				filter(None, [summary, _("The assistant's message could not be sent by SMS.", lang="fr")])
			)
			frappe.db.set_value("Issue", thread.name, {STATE: HANDED_OFF, "status": "Open"})
		hand_off_notice(thread.name, summary)


def record_reply(thread, channel: str, text: str) -> bool:
	"""The agent's message on the thread, marked as its own; on SMS, sent. False when the SMS
	could not leave (the message stays on the thread, with its delivery status Error)."""
	from gigafibre.messaging.conversations import add_message

	name = add_message(
		thread.name, text, "Sent", channel, delivery_status="Sending" if channel == "SMS" else None
	)
	frappe.db.set_value("Communication", name, {BY_AGENT: 1, "sender_full_name": SENDER_NAME})
	if channel != "SMS":
		return True
	from gigafibre.messaging.service import send_sms

	try:
		sent = send_sms(thread.gigafibre_contact, text)
	except ServiceError as err:
		frappe.log_error(
			title=_("Assistant SMS not sent"),
			message=_(err.message).format(*err.args_),
			reference_doctype="Issue",
			reference_name=thread.name,
		)
		frappe.db.set_value("Communication", name, "delivery_status", "Error")
		return False
	frappe.db.set_value("Communication", name, "message_id", sent.sid)
	return True


def hand_off_notice(issue: str, summary: str) -> None:
	doc = frappe.get_doc("Issue", issue)
	doc.add_comment("Comment", summary or _("Handed off to a person."))
	frappe.publish_realtime(
		HANDOFF_EVENT,
		{"issue": issue, "customer": doc.customer, "summary": summary},
		doctype="Issue",
		docname=issue,
		after_commit=True,
	)
	frappe.publish_realtime(HANDOFF_EVENT, {"issue": issue, "customer": doc.customer}, after_commit=True)


def enabled(channel: str) -> bool:
	setting = SETTING.get(channel)
	return bool(setting and frappe.db.get_single_value("Gigafibre Settings", setting))


def on_customer_message(issue: str, channel: str) -> bool:
	"""After a customer's message was stored on an SMS or portal thread: when the agent answers
	this channel, the customer is identified and no person has the thread, mark it Active (stored
	first) and enqueue the answer. Whether it was enqueued."""
	if not enabled(channel):
		return False
	thread = _thread(issue)
	if not thread.customer or thread.get(STATE) == HANDED_OFF or thread.status in ("Resolved", "Closed"):
		return False
	if thread.get(STATE) != ACTIVE:
		frappe.db.set_value("Issue", issue, STATE, ACTIVE, update_modified=False)
	jobs.enqueue("gigafibre.ai.agent_service.answer_pending", issue=issue)
	return True


def pending(issue: str) -> list[str]:
	"""The customer's messages since the thread's last sent message (staff's or the agent's). A
	locking read: it sees what another worker committed meanwhile (an answer it already sent), not
	this transaction's older snapshot, so two workers never answer the same message."""
	from gigafibre.messaging.conversations import as_text

	rows = frappe.db.sql(
		"""select sent_or_received, text_content, content from `tabCommunication`
		where reference_doctype = 'Issue' and reference_name = %s and communication_type = 'Communication'
		order by communication_date desc, creation desc
		limit %s
		for update""",
		(issue, HISTORY_MESSAGES),
		as_dict=True,
	)
	texts = []
	for row in rows:
		if row.sent_or_received != "Received":
			break
		texts.append(as_text(row.text_content, row.content))
	return [t for t in texts[::-1] if t.strip()]


def answer_pending(issue: str) -> AgentAnswer | None:
	"""Background job: answer what the customer wrote since the last answer, if the thread is still
	the agent's."""
	thread = _thread(issue, lock=True)
	channel = thread.gigafibre_channel
	if thread.get(STATE) != ACTIVE or channel not in SETTING or not enabled(channel):
		return None
	texts = pending(issue)
	if not texts:
		return None
	return answer(issue, "\n".join(texts), channel=channel)


def sweep(now=None) -> int:
	"""Answer Active SMS/portal threads whose customer's last message waits past the grace period."""
	channels = [c for c in SETTING if enabled(c)]
	if not channels:
		return 0
	before = add_to_date(now or now_datetime(), seconds=-GRACE.total_seconds())
	waiting = frappe.db.sql(
		f"""select i.name from `tabIssue` i
		where i.`{STATE}` = %(active)s and i.gigafibre_channel in %(channels)s
			and i.status not in ('Resolved', 'Closed')
			and exists (
				select 1 from `tabCommunication` c
				where c.reference_doctype = 'Issue' and c.reference_name = i.name
					and c.communication_type = 'Communication' and c.sent_or_received = 'Received'
					and c.creation < %(before)s
					and c.creation > coalesce((
						select max(s.creation) from `tabCommunication` s
						where s.reference_doctype = 'Issue' and s.reference_name = i.name
							and s.communication_type = 'Communication' and s.sent_or_received = 'Sent'
					), '2000-01-01')
			)
		limit 100""",
		{"active": ACTIVE, "channels": tuple(channels), "before": before},
		pluck=True,
	)
	for issue in waiting:
		jobs.enqueue(
			"gigafibre.ai.agent_service.answer_pending",
			job_id=f"gigafibre-agent-sweep-{issue}",
			deduplicate=True,
			issue=issue,
		)
	return len(waiting)


def staff_replied(issue: str) -> None:
	"""A person answered the thread: the agent leaves it to them."""
	if frappe.db.get_value("Issue", issue, STATE) == ACTIVE:
		frappe.db.set_value("Issue", issue, STATE, HANDED_OFF, update_modified=False)
