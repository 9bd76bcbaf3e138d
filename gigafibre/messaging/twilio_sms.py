"""Outbound SMS through Twilio's Messages API, with the official SDK.

A plain class configured by its arguments: the shell reads Gigafibre Settings and builds it.
One attempt per call, bounded by `timeout`; retrying is the caller's decision (the outbox,
`messaging/outbox.py`, retries from its sweep).

A timeout is not a failure: once the request may have reached Twilio (no answer in time, the
connection dropped after sending, a 5xx) `send` raises `OutcomeUnknown`, and the next attempt
passes `sent_since` so that `find_sent` looks the message up in Twilio's list (same recipient,
sender and text, created since the first attempt) before sending it again. Only a request that
never left (connection refused, connect timeout) or that Twilio refused is a plain `ServiceError`.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import requests
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client
from urllib3.exceptions import ConnectTimeoutError, NewConnectionError

from gigafibre.errors import ServiceError
from gigafibre.i18n import _
from gigafibre.messaging.phone import to_e164

# Twilio caps a message at 1 600 characters (10 segments).
MAX_BODY = 1600
# Seconds for one request. Short: a send runs in a background job, and an unanswered one is looked
# up later, not waited for.
DEFAULT_TIMEOUT = 5.0
# Twilio's clock and ours: a message created this long before our first attempt still counts.
CLOCK_SKEW = timedelta(minutes=2)
# Messages read back when looking one up (the newest first).
LOOKUP_LIMIT = 50


@dataclass(frozen=True)
class SentSms:
	sid: str
	status: str
	to: str


class OutcomeUnknown(ServiceError):
	"""The request may have reached Twilio but no answer came: look the message up (`find_sent`)
	before sending it again."""

	def __init__(self, message: str, *args: object):
		super().__init__(message, *args, retryable=True)


def never_left(err: Exception) -> bool:
	"""Whether a transport error happened before the request could reach Twilio."""
	if isinstance(err, requests.exceptions.ConnectTimeout | requests.exceptions.SSLError):
		return True
	if isinstance(err, requests.exceptions.ConnectionError):
		reason = err.args[0] if err.args else None
		reason = getattr(reason, "reason", reason)  # urllib3's MaxRetryError wraps the cause
		return isinstance(reason, NewConnectionError | ConnectTimeoutError | ConnectionRefusedError)
	return False


def checked_sms(to: str, body: str) -> tuple[str, str]:
	"""(E.164 number, text) as they will be sent; ServiceError (InvalidValue for a bad number)
	when they cannot be, before any request."""
	recipient = to_e164(to)
	if not recipient:
		raise ServiceError(_("No phone number to send the SMS to."))
	body = (body or "").strip()
	if not body:
		raise ServiceError(_("The SMS has no text."))
	if len(body) > MAX_BODY:
		raise ServiceError(_("The SMS is too long ({0} characters, {1} at most)."), len(body), MAX_BODY)
	return recipient, body


class TwilioSms:
	def __init__(
		self,
		account_sid: str,
		auth_token: str,
		sender: str,
		api_base: str | None = None,
		timeout: float = DEFAULT_TIMEOUT,
		status_callback: str | None = None,
	):
		if not (account_sid and auth_token and sender):
			raise ServiceError(
				_("Twilio is not configured: set the account SID, auth token and sender number.")
			)
		self.account_sid = account_sid
		self.sender = to_e164(sender)
		self.status_callback = status_callback or None
		self._client = Client(account_sid, auth_token, http_client=TwilioHttpClient(timeout=timeout))
		if api_base:
			self._client.api.base_url = api_base.rstrip("/")

	def send(self, to: str, body: str, sent_since: datetime | None = None) -> SentSms:
		"""Send one SMS. `sent_since` (the first attempt's time, when an earlier attempt's outcome is
		unknown): look the message up first, and answer the one found instead of sending it again."""
		recipient, body = self._checked(to, body)
		if sent_since is not None:
			found = self.find_sent(recipient, body, sent_since)
			if found:
				return found
		try:
			extra = {"status_callback": self.status_callback} if self.status_callback else {}
			message = self._client.messages.create(to=recipient, from_=self.sender, body=body, **extra)
		except TwilioRestException as err:
			if err.status >= 500:
				raise OutcomeUnknown(
					_("Twilio failed while taking the SMS to {0} ({1}): it may have been sent."),
					recipient,
					err.status,
				) from err
			raise ServiceError(
				_("Twilio refused the SMS to {0}: {1}"),
				recipient,
				err.msg or err.status,
				retryable=err.status == 429,
			) from err
		except TwilioException as err:
			raise ServiceError(_("Twilio could not be reached: {0}"), err, retryable=True) from err
		except OSError as err:  # requests' errors: timeouts, refused or dropped connections
			if never_left(err):
				raise ServiceError(_("Twilio could not be reached: {0}"), err, retryable=True) from err
			raise OutcomeUnknown(
				_("Twilio did not answer about the SMS to {0}: it may have been sent ({1})."), recipient, err
			) from err
		return SentSms(sid=message.sid, status=message.status, to=recipient)

	def find_sent(self, to: str, body: str, since: datetime) -> SentSms | None:
		"""The message Twilio already has from our number to `to` with this exact text, created
		since `since` (UTC when naive), or None. Read from the account's message list filtered by
		To and From (GET …/Messages.json?To=…&From=…, newest first). Not by DateSent: a message
		Twilio still queues has no DateSent yet, and is exactly the one not to send twice."""
		recipient, body = self._checked(to, body)
		since = (since if since.tzinfo else since.replace(tzinfo=timezone.utc)) - CLOCK_SKEW
		try:
			messages = self._client.messages.list(
				to=recipient, from_=self.sender, limit=LOOKUP_LIMIT, page_size=LOOKUP_LIMIT
			)
		except TwilioRestException as err:
			raise ServiceError(
				_("Twilio refused to list the messages to {0}: {1}"),
				recipient,
				err.msg or err.status,
				retryable=err.status == 429 or err.status >= 500,
			) from err
		except (TwilioException, OSError) as err:
			raise ServiceError(_("Twilio could not be reached: {0}"), err, retryable=True) from err
		for message in messages:
			created = message.date_created
			if (message.body or "").strip() == body and (created is None or created >= since):
				return SentSms(sid=message.sid, status=message.status, to=recipient)
		return None

	def _checked(self, to: str, body: str) -> tuple[str, str]:
		return checked_sms(to, body)

	def check(self) -> None:
		"""One cheap authenticated call (the account itself): ServiceError when Twilio refuses the
		credentials or cannot be reached."""
		try:
			self._client.api.v2010.accounts(self.account_sid).fetch()
		except TwilioRestException as err:
			raise ServiceError(_("Twilio refused the account: {0}"), err.msg or err.status) from err
		except (TwilioException, OSError) as err:
			raise ServiceError(_("Twilio could not be reached: {0}"), err, retryable=True) from err
