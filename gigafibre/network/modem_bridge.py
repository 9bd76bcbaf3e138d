"""Modem bridge: read TR-181 values from a CPE web UI whose JavaScript encrypts every request.

Some CPEs (TP-Link XX230v and its family) expose parameters only through their web UI, whose
JavaScript negotiates a session key at login (RSA-wrapped AES key) and encrypts every request and
answer. Rather than re-implementing each vendor's crypto, the bridge drives headless Chromium
(Playwright): it opens the UI, logs in through the form, and calls the page's own read function
with `page.evaluate` — the page's JavaScript encrypts the request and decrypts the answer.

- Entry point `ModemBridge.read(token, url, username, password, paths)`: the token is checked
  (constant-time) before anything else; wrong token → `AccessDenied`.
- Bounded pool: one Chromium process, at most `pool_size` sessions at a time (each in its own
  browser context: no cookie or session shared between modems); the browser is started on first
  use and started again if it died.
- Timeouts: every Playwright step (`step_timeout`) and the whole read (`timeout`).
- A `ModemProfile` describes a UI: login selectors, the selector that proves the login worked,
  the one that shows a refusal, and the JavaScript that reads paths (gets a list of paths,
  returns `{path: value}`). `TPLINK_XX230V` follows the vendor's login form ids
  (`#pc-login-password`, `#pc-login-btn`); its read script calls the page's read function
  (`window.$modem.read`) as the fake UI in tests/network/fake_modem reproduces it — check it on a
  real unit's firmware before relying on it.

The long-lived HTTP service around it is bridge_server.py (`bench gigafibre-modem-bridge`); the
device summary calls it through bridge_client.py (see bridge_summary.py for what is read and merged).
"""

import asyncio
import hmac
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

from playwright.async_api import Browser, Playwright, async_playwright
from playwright.async_api import Error as PlaywrightError
from playwright.async_api import TimeoutError as PlaywrightTimeout

from gigafibre.errors import GigafibreError, InvalidValue, ServiceError
from gigafibre.i18n import _

CHROMIUM_ARGS = ("--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--no-first-run")
MAX_PATHS = 200


class AccessDenied(GigafibreError, PermissionError):
	"""The caller did not present the bridge's token."""


class ModemTimeout(ServiceError):
	"""The modem (or Chromium) did not answer in time: the HTTP service answers 504, not 502."""


@dataclass(frozen=True)
class ModemProfile:
	name: str
	password_selector: str
	login_button: str
	ready_selector: str
	error_selector: str
	read_script: str
	username_selector: str | None = None


TPLINK_XX230V = ModemProfile(
	name="tplink-xx230v",
	username_selector="#pc-login-user",
	password_selector="#pc-login-password",
	login_button="#pc-login-btn",
	ready_selector="#main-status",
	error_selector="#login-error",
	read_script="paths => window.$modem.read(paths)",
)


class ModemBridge:
	def __init__(
		self,
		token: str,
		pool_size: int = 2,
		timeout: float = 30.0,
		step_timeout: float = 10.0,
		executable_path: str | None = None,
		launch_args: Iterable[str] = CHROMIUM_ARGS,
		profile: ModemProfile = TPLINK_XX230V,
	):
		if not token or len(token) < 16:
			raise ServiceError(_("The modem bridge is not configured: set a token of 16 characters or more."))
		self._token = token.encode()
		self.pool_size = max(1, int(pool_size))
		self.timeout = timeout
		self.step_timeout_ms = step_timeout * 1000
		self.executable_path = executable_path
		self.launch_args = list(launch_args)
		self.profile = profile
		self._slots = asyncio.Semaphore(self.pool_size)
		self._lock = asyncio.Lock()
		self._playwright: Playwright | None = None
		self._browser: Browser | None = None
		self.active = 0
		self.peak = 0
		self.launches = 0

	def check_token(self, token: str | None) -> None:
		if not token or not hmac.compare_digest(token.encode(), self._token):
			raise AccessDenied(_("The modem bridge token is not valid."))

	async def read(
		self,
		token: str | None,
		url: str,
		username: str,
		password: str,
		paths: Iterable[str],
		profile: ModemProfile | None = None,
	) -> dict[str, str]:
		"""The values of `paths` as the modem's UI decrypts them ({path: value}; unknown paths absent)."""
		self.check_token(token)
		paths = _valid_paths(paths)
		parts = urlsplit(url or "")
		if parts.scheme not in ("http", "https") or not parts.hostname:
			raise InvalidValue(_("Modem address {0} is not valid (http:// or https:// expected)."), url)
		try:
			return await asyncio.wait_for(
				self._read(url, username, password, paths, profile or self.profile), self.timeout
			)
		except asyncio.TimeoutError:
			raise ModemTimeout(
				_("The modem at {0} did not answer within {1} s."),
				parts.hostname,
				self.timeout,
				retryable=True,
			) from None

	async def _read(self, url, username, password, paths, profile: ModemProfile) -> dict[str, str]:
		host = urlsplit(url).hostname
		async with self._slots:
			self.active += 1
			self.peak = max(self.peak, self.active)
			context = None
			try:
				browser = await self._ensure_browser()
				context = await browser.new_context(ignore_https_errors=True)  # modems use self-signed certs
				page = await context.new_page()
				page.set_default_timeout(self.step_timeout_ms)
				await page.goto(url, wait_until="domcontentloaded")
				if profile.username_selector and username:
					await page.fill(profile.username_selector, username)
				await page.fill(profile.password_selector, password or "")
				await page.click(profile.login_button)
				outcome = await page.wait_for_selector(
					f"{profile.ready_selector}:visible, {profile.error_selector}:visible"
				)
				if await outcome.evaluate("(el, sel) => el.matches(sel)", profile.error_selector):
					reason = (await outcome.inner_text()).strip()
					raise ServiceError(_("The modem at {0} refused the login: {1}"), host, reason or "?")
				values = await page.evaluate(profile.read_script, paths)
			except PlaywrightTimeout as err:
				raise ModemTimeout(
					_("The modem at {0} did not answer in time: {1}"), host, _first_line(err), retryable=True
				) from err
			except PlaywrightError as err:
				raise ServiceError(
					_("The modem at {0} could not be read: {1}"), host, _first_line(err), retryable=True
				) from err
			finally:
				self.active -= 1
				if context is not None:
					try:
						await context.close()
					except PlaywrightError:
						pass
		if not isinstance(values, dict):
			raise ServiceError(_("The modem at {0} sent an unexpected answer."), host)
		return {str(k): "" if v is None else str(v) for k, v in values.items()}

	async def _ensure_browser(self) -> Browser:
		async with self._lock:
			if self._browser is None or not self._browser.is_connected():
				if self._playwright is None:
					self._playwright = await async_playwright().start()
				try:
					self._browser = await self._playwright.chromium.launch(
						executable_path=self.executable_path,
						args=self.launch_args,
						headless=True,
						timeout=self.step_timeout_ms * 3,
					)
				except PlaywrightError as err:
					raise ServiceError(_("Chromium could not be started: {0}"), _first_line(err)) from err
				self.launches += 1
			return self._browser

	async def close(self) -> None:
		if self._browser is not None:
			try:
				await self._browser.close()
			except PlaywrightError:
				pass
			self._browser = None
		if self._playwright is not None:
			await self._playwright.stop()
			self._playwright = None

	async def __aenter__(self) -> "ModemBridge":
		return self

	async def __aexit__(self, *exc) -> None:
		await self.close()


def read_modem(
	bridge_token: str, token: str, url: str, username: str, password: str, paths: Iterable[str], **options
) -> dict[str, str]:
	"""Blocking one-shot read (for an RQ job): a bridge configured with `bridge_token` and `options`
	reads for a caller presenting `token`, then closes."""

	async def run():
		async with ModemBridge(bridge_token, **options) as bridge:
			return await bridge.read(token, url, username, password, paths)

	return asyncio.run(run())


def _valid_paths(paths: Iterable[str]) -> list[str]:
	clean = [p.strip() for p in (paths or []) if isinstance(p, str) and p.strip()]
	if not clean:
		raise InvalidValue(_("No parameter to read."))
	if len(clean) > MAX_PATHS:
		raise InvalidValue(
			_("Too many parameters to read at once ({0}, {1} at most)."), len(clean), MAX_PATHS
		)
	for path in clean:
		if not path.startswith("Device.") or any(c in path for c in "\"'`<>\\ "):
			raise InvalidValue(
				_("Parameter path {0} is not valid (a TR-181 path starting with Device.)."), path
			)
	return clean


def _first_line(err: Exception) -> str:
	return (str(err).strip().splitlines() or [err.__class__.__name__])[0][:200]
