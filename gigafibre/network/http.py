"""A JSON-over-HTTP session for the network REST clients (GenieACS NBI, Oktopus).

Every call has a timeout. Retries are bounded and done by urllib3's `Retry` (exponential backoff):
connection failures are retried for every method (the request never reached the peer); 502/503/504
answers only for idempotent methods (GET, PUT, DELETE, HEAD) — a POST that creates a task is never
sent twice. Failures become a `ServiceError` naming the service, with `retryable` set for timeouts,
unreachable peers, 429 and 5xx.
"""

from collections.abc import Mapping
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from gigafibre.errors import ServiceError
from gigafibre.i18n import _

IDEMPOTENT = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS"})


class JsonHttp:
	def __init__(
		self,
		service: str,
		base_url: str,
		timeout: float = 10.0,
		retries: int = 2,
		backoff: float = 0.3,
		auth: tuple[str, str] | None = None,
		headers: Mapping[str, str] | None = None,
	):
		if not base_url:
			raise ServiceError(_("{0} is not configured: set its URL."), service)
		self.service = service
		self.base_url = base_url.rstrip("/")
		self.timeout = timeout
		retry = Retry(
			total=retries,
			connect=retries,
			read=False,  # a read timeout surfaces as such; the request may have been processed
			status=retries,
			other=0,
			backoff_factor=backoff,
			backoff_max=5.0,
			status_forcelist=(502, 503, 504),
			allowed_methods=IDEMPOTENT,
			raise_on_status=False,
			respect_retry_after_header=False,
		)
		self.session = requests.Session()
		adapter = HTTPAdapter(max_retries=retry, pool_maxsize=8)
		self.session.mount("http://", adapter)
		self.session.mount("https://", adapter)
		if auth:
			self.session.auth = auth
		if headers:
			self.session.headers.update(headers)

	def request(
		self,
		method: str,
		path: str,
		params: Mapping[str, Any] | list[tuple[str, Any]] | None = None,
		json: Any = None,
		expect: tuple[int, ...] = (200,),
		data: Mapping[str, Any] | None = None,
		timeout: float | None = None,
		headers: Mapping[str, str] | None = None,
	) -> requests.Response:
		"""The response when its status is in `expect`; a `ServiceError` otherwise. `data`: a form body."""
		url = f"{self.base_url}/{path.lstrip('/')}"
		try:
			response = self.session.request(
				method,
				url,
				params=params,
				json=json,
				data=data,
				headers=headers,
				timeout=timeout or self.timeout,
			)
		except requests.Timeout as err:
			raise ServiceError(
				_("{0} did not answer within {1} s."), self.service, timeout or self.timeout, retryable=True
			) from err
		except requests.RequestException as err:
			raise ServiceError(
				_("{0} could not be reached: {1}"), self.service, _reason(err), retryable=True
			) from err
		if response.status_code not in expect:
			status = response.status_code
			error = ServiceError(
				_("{0} refused the request ({1} {2}): HTTP {3} {4}"),
				self.service,
				method,
				path.split("?")[0],
				status,
				_error_text(response),
				retryable=status == 429 or status >= 500,
			)
			error.status = status
			raise error
		return response

	def json(self, method: str, path: str, **kw) -> Any:
		response = self.request(method, path, **kw)
		if not response.content:
			return None
		try:
			return response.json()
		except ValueError as err:
			raise ServiceError(
				_("{0} sent an answer that is not JSON ({1} {2})."), self.service, method, path
			) from err

	def close(self) -> None:
		self.session.close()


def _reason(err: Exception) -> str:
	# urllib3 wraps the root cause several levels deep; the innermost one is what a person can act on.
	cause: BaseException = err
	while cause.__context__ is not None and cause.__context__ is not cause:
		cause = cause.__context__
	return str(cause) or err.__class__.__name__


def _error_text(response: requests.Response) -> str:
	text = (response.text or "").strip()
	try:
		body = response.json()
	except ValueError:
		body = None
	if isinstance(body, dict):
		text = str(body.get("error") or body.get("message") or body.get("detail") or text)
	return (text or response.reason or "")[:300]
