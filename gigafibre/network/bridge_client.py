"""Client of the modem bridge HTTP service (gigafibre/network/bridge_server.py): POST /read.

No retry on an answer: a read that timed out already held a browser session for the whole bound,
and a person is waiting on the summary. Connection failures are retried once (nothing reached the
bridge). The bridge's error templates come back as a `ServiceError` with the same template and
arguments, so the shell translates them like any local error.
"""

from gigafibre.errors import ServiceError
from gigafibre.i18n import _
from gigafibre.network.http import JsonHttp

SERVICE = "Modem bridge"
ANSWERED = (200, 400, 401, 413, 502, 503, 504)


class BridgeClient:
	def __init__(self, base_url: str, token: str, timeout: float = 40.0, retries: int = 1):
		if not token:
			raise ServiceError(_("The modem bridge is not configured: set its URL and token."))
		self.http = JsonHttp(
			SERVICE, base_url, timeout=timeout, retries=retries, headers={"Authorization": f"Bearer {token}"}
		)

	def read(self, url: str, username: str, password: str, paths: list[str]) -> dict[str, str]:
		"""{path: value} as the modem's web UI gives them (paths it does not know are absent)."""
		response = self.http.request(
			"POST",
			"/read",
			json={"url": url, "username": username, "password": password, "paths": list(paths)},
			expect=ANSWERED,
		)
		try:
			body = response.json()
		except ValueError:
			body = None
		status = response.status_code
		if status == 200:
			values = body.get("values") if isinstance(body, dict) else None
			if not isinstance(values, dict):
				raise ServiceError(_("{0} sent an unexpected answer."), SERVICE)
			return {str(k): "" if v is None else str(v) for k, v in values.items()}
		if status == 401:
			raise ServiceError(
				_("The modem bridge refused our token: check the modem bridge token in settings.")
			)
		raise _error(status, body)

	def check(self) -> None:
		"""Whether the bridge answers and takes our token, without touching a modem: an empty read
		is refused as a bad request (400) once the token is accepted, 401 before."""
		response = self.http.request("POST", "/read", json={}, expect=ANSWERED)
		if response.status_code == 401:
			raise ServiceError(
				_("The modem bridge refused our token: check the modem bridge token in settings.")
			)
		if response.status_code != 400:
			raise _error(response.status_code, _json(response))

	def close(self) -> None:
		self.http.close()


def _error(status: int, body) -> ServiceError:
	body = body if isinstance(body, dict) else {}
	retryable = bool(body.get("retryable")) or status in (503, 504)
	template, args = body.get("message"), body.get("args")
	if isinstance(template, str) and template and isinstance(args, list):
		try:
			return ServiceError(template, *args, retryable=retryable)
		except (IndexError, KeyError, ValueError):
			pass  # a template that does not fit its arguments: fall back to the plain text
	text = str(body.get("error") or "")[:300]
	return ServiceError(
		_("{0} refused the request: HTTP {1} {2}"), SERVICE, status, text, retryable=retryable
	)


def _json(response):
	try:
		return response.json()
	except ValueError:
		return None
