"""A loopback Twilio that keeps the messages it accepted, for pytest and bench tests (no Frappe).

It speaks the Messages resource of the 2010-04-01 API as Twilio documents it: `POST
/2010-04-01/Accounts/{sid}/Messages.json` creates a message (201 with the resource) and `GET` on
the same path lists them, newest first, filtered by `To` and `From`, in Twilio's page envelope.
`late` makes the next POSTs answer after `late_delay` seconds: the message is stored at once, as
when Twilio takes a request and the answer never reaches the caller in time.
"""

import itertools
import threading
from datetime import datetime, timezone
from email.utils import format_datetime

from gigafibre.tests.peers import Reply, Request


class TwilioMessages:
	def __init__(self, account_sid: str, late: int = 0, late_delay: float = 1.0):
		self.account_sid = account_sid
		self.messages: list[dict] = []  # every message accepted, oldest first
		self.late = late
		self.late_delay = late_delay
		self._ids = itertools.count(1)
		self._lock = threading.Lock()

	@property
	def path(self) -> str:
		return f"/2010-04-01/Accounts/{self.account_sid}/Messages.json"

	def __call__(self, request: Request) -> Reply:
		if request.path != self.path:
			return Reply(
				404, {"code": 20404, "message": "The requested resource was not found", "status": 404}
			)
		if request.method == "GET":
			return self._list(request)
		form = request.form()
		with self._lock:
			message = self._resource(form)
			self.messages.append(message)
			delay = 0.0
			if self.late:
				self.late -= 1
				delay = self.late_delay
		return Reply(201, message, delay=delay)

	def sent_to(self, to: str) -> list[dict]:
		return [m for m in self.messages if m["to"] == to]

	def _resource(self, form: dict) -> dict:
		sid = f"SM{next(self._ids):032x}"
		return {
			"account_sid": self.account_sid,
			"api_version": "2010-04-01",
			"body": form["Body"],
			"date_created": format_datetime(datetime.now(timezone.utc)),
			"date_sent": None,
			"date_updated": format_datetime(datetime.now(timezone.utc)),
			"direction": "outbound-api",
			"error_code": None,
			"error_message": None,
			"from": form["From"],
			"num_segments": "1",
			"sid": sid,
			"status": "queued",
			"to": form["To"],
			"uri": f"/2010-04-01/Accounts/{self.account_sid}/Messages/{sid}.json",
		}

	def _list(self, request: Request) -> Reply:
		to = (request.query.get("To") or [None])[0]
		sender = (request.query.get("From") or [None])[0]
		size = int((request.query.get("PageSize") or ["50"])[0])
		with self._lock:
			found = [
				m
				for m in reversed(self.messages)
				if (to is None or m["to"] == to) and (sender is None or m["from"] == sender)
			][:size]
		return Reply(
			200,
			{
				"messages": found,
				"end": max(len(found) - 1, 0),
				"first_page_uri": f"{self.path}?PageSize={size}&Page=0",
				"next_page_uri": None,
				"page": 0,
				"page_size": size,
				"previous_page_uri": None,
				"start": 0,
				"uri": f"{self.path}?PageSize={size}&Page=0",
			},
		)
