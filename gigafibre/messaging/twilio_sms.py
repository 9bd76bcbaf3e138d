"""Outbound SMS through Twilio's Messages API, with the official SDK.

A plain class configured by its arguments: the shell reads Gigafibre Settings and builds it.
One attempt per call, bounded by `timeout`; retrying is the caller's decision (the flow
runtime retries with backoff).
"""

from dataclasses import dataclass

from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from gigafibre.errors import ServiceError
from gigafibre.i18n import _
from gigafibre.messaging.phone import to_e164

# Twilio caps a message at 1 600 characters (10 segments).
MAX_BODY = 1600


@dataclass(frozen=True)
class SentSms:
	sid: str
	status: str
	to: str


class TwilioSms:
	def __init__(
		self,
		account_sid: str,
		auth_token: str,
		sender: str,
		api_base: str | None = None,
		timeout: float = 10.0,
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

	def send(self, to: str, body: str) -> SentSms:
		recipient = to_e164(to)
		if not recipient:
			raise ServiceError(_("No phone number to send the SMS to."))
		body = (body or "").strip()
		if not body:
			raise ServiceError(_("The SMS has no text."))
		if len(body) > MAX_BODY:
			raise ServiceError(_("The SMS is too long ({0} characters, {1} at most)."), len(body), MAX_BODY)
		try:
			extra = {"status_callback": self.status_callback} if self.status_callback else {}
			message = self._client.messages.create(to=recipient, from_=self.sender, body=body, **extra)
		except TwilioRestException as err:
			retryable = err.status == 429 or err.status >= 500
			raise ServiceError(
				_("Twilio refused the SMS to {0}: {1}"), recipient, err.msg or err.status, retryable=retryable
			) from err
		except TwilioException as err:
			raise ServiceError(_("Twilio could not be reached: {0}"), err, retryable=True) from err
		except OSError as err:  # timeouts and refused connections from requests
			raise ServiceError(_("Twilio could not be reached: {0}"), err, retryable=True) from err
		return SentSms(sid=message.sid, status=message.status, to=recipient)

	def check(self) -> None:
		"""One cheap authenticated call (the account itself): ServiceError when Twilio refuses the
		credentials or cannot be reached."""
		try:
			self._client.api.v2010.accounts(self.account_sid).fetch()
		except TwilioRestException as err:
			raise ServiceError(_("Twilio refused the account: {0}"), err.msg or err.status) from err
		except (TwilioException, OSError) as err:
			raise ServiceError(_("Twilio could not be reached: {0}"), err, retryable=True) from err
