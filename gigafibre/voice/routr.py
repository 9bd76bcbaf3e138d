"""Routr (SIP proxy) client: SIP agents (extensions) and numbers, through Routr's REST API v1beta1.

Wire format, from Routr's published API docs (fonoster/routr docs/api: overview, credentials,
agents, numbers):
- Base `{url}/api/v1beta1`. A token from `GET /credentials` with HTTP basic auth (a Routr User);
  the answer is the JWT as a JSON string. Every other call carries it as the `token` query
  parameter.
- `POST /agents` {"apiVersion": "v1beta1", "kind": "Agent", "metadata": {"name"},
  "spec": {"credentials": {"username", "secret"}, "domains": [...]}} → 201
  {"status": "201", "message": "Created"} (no reference: it is read back with `GET /agents`,
  `filter` a JsonPath, answer {"status", "message", "meta", "data": [{... "metadata": {"ref"}}]}).
- `POST /numbers` {"apiVersion", "kind": "Number", "metadata": {"gwRef", "geoInfo"},
  "spec": {"location": {"telUrl": "tel:...", "aorLink": "sip:ext@domain"}}} → 201 {"data": "<ref>"}.
- `DELETE /agents/{ref}`, `DELETE /numbers/{ref}` → 200. Errors: {"status", "message"} with
  400, 401, 404, 409 (exists), 4091 (unfulfilled dependency: no such gateway/domain).

Configured by arguments only (the shell reads Gigafibre Settings). Timeouts on every call; a
401 refreshes the token once.
"""

import requests

from gigafibre.errors import ServiceError
from gigafibre.i18n import _

API_VERSION = "v1beta1"
TIMEOUT = 10


class RoutrClient:
	def __init__(self, base_url: str, username: str, password: str, timeout: float = TIMEOUT):
		if not (base_url and username and password):
			raise ServiceError(_("Routr is not configured: set its API URL, user and password."))
		self.base = base_url.rstrip("/") + f"/api/{API_VERSION}"
		self.auth = (username, password)
		self.timeout = timeout
		self._token: str | None = None
		self.session = requests.Session()

	def token(self) -> str:
		if self._token is None:
			response = self._send("GET", "/credentials", auth=self.auth)
			if response.status_code != 200:
				raise ServiceError(_("Routr refused our credentials (HTTP {0})."), response.status_code)
			try:
				body = response.json()
			except ValueError:
				body = response.text.strip()
			self._token = body if isinstance(body, str) else (body or {}).get("data")
			if not self._token:
				raise ServiceError(_("Routr gave no token."))
		return self._token

	def _send(self, method: str, path: str, **kw) -> requests.Response:
		try:
			return self.session.request(method, self.base + path, timeout=self.timeout, **kw)
		except requests.RequestException as err:
			raise ServiceError(
				_("Routr cannot be reached: {0}"), type(err).__name__, retryable=True
			) from None

	def _call(self, method: str, path: str, json=None, params=None, ok=(200, 201)) -> dict:
		for attempt in (1, 2):
			response = self._send(method, path, json=json, params={**(params or {}), "token": self.token()})
			if response.status_code == 401 and attempt == 1:
				self._token = None
				continue
			break
		try:
			body = response.json()
		except ValueError:
			body = {}
		if response.status_code not in ok:
			message = (body or {}).get("message") if isinstance(body, dict) else None
			raise ServiceError(
				_("Routr answered HTTP {0}: {1}"),
				response.status_code,
				message or response.reason,
				retryable=response.status_code >= 500,
			)
		return body if isinstance(body, dict) else {"data": body}

	# Agents (SIP extensions)

	def create_agent(self, name: str, username: str, secret: str, domains: list[str]) -> str:
		"""The new agent's reference."""
		self._call(
			"POST",
			"/agents",
			json={
				"apiVersion": API_VERSION,
				"kind": "Agent",
				"metadata": {"name": name},
				"spec": {"credentials": {"username": username, "secret": secret}, "domains": list(domains)},
			},
		)
		ref = self.find_agent(username)
		if not ref:
			raise ServiceError(_("Routr created agent {0} but does not list it."), username)
		return ref

	def find_agent(self, username: str) -> str | None:
		body = self._call("GET", "/agents", params={"filter": f"@.spec.credentials.username=='{username}'"})
		for item in body.get("data") or []:
			if ((item.get("spec") or {}).get("credentials") or {}).get("username") == username:
				return (item.get("metadata") or {}).get("ref")
		return None

	def delete_agent(self, ref: str) -> None:
		self._call("DELETE", f"/agents/{ref}", ok=(200, 404))

	# Numbers (DIDs)

	def create_number(
		self, e164: str, aor_link: str, gateway_ref: str, city: str = "", country: str = "CA"
	) -> str:
		body = self._call(
			"POST",
			"/numbers",
			json={
				"apiVersion": API_VERSION,
				"kind": "Number",
				"metadata": {
					"gwRef": gateway_ref,
					"geoInfo": {"city": city, "country": country, "countryISOCode": country},
				},
				"spec": {"location": {"telUrl": f"tel:{e164}", "aorLink": aor_link}},
			},
		)
		ref = body.get("data")
		if not isinstance(ref, str) or not ref:
			raise ServiceError(_("Routr created number {0} without a reference."), e164)
		return ref

	def delete_number(self, ref: str) -> None:
		self._call("DELETE", f"/numbers/{ref}", ok=(200, 404))
