"""The modem bridge drives real Chromium against a loopback fake XX230v UI whose own JavaScript
encrypts every request (WebCrypto RSA-OAEP + AES-CBC); the bridge never sees the crypto."""

import asyncio
import os
import shutil
import time

import pytest

from gigafibre.errors import InvalidValue, ServiceError
from gigafibre.network.modem_bridge import AccessDenied, ModemBridge, read_modem
from tests.network.fake_modem import TR181, FakeModem

CHROMIUM = os.environ.get("CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(
	not CHROMIUM, reason="chromium is not installed (apt-get install -y chromium)"
)

TOKEN = "bridge-token-0123456789abcdef"
PATHS = [
	"Device.Optical.Interface.1.OpticalSignalLevel",
	"Device.Optical.Interface.1.TransmitOpticalLevel",
	"Device.WiFi.SSID.1.SSID",
	"Device.PPP.Interface.1.Username",
	"Device.Nothing.Here",
]


def _bridge(**kw) -> ModemBridge:
	kw.setdefault("timeout", 20)
	kw.setdefault("step_timeout", 8)
	return ModemBridge(TOKEN, executable_path=CHROMIUM, **kw)


def test_reads_decrypted_values_through_the_pages_javascript():
	async def run(modem):
		async with _bridge() as bridge:
			return await bridge.read(TOKEN, modem.url, "admin", "modem-pass", PATHS)

	with FakeModem() as modem:
		values = asyncio.run(run(modem))
	assert values == {p: TR181[p] for p in PATHS[:4]}
	# what crossed the wire was ciphertext only: the values exist in clear only inside the page
	assert modem.logins == 1 and len(modem.wire) >= 4
	for body in modem.wire:
		assert b"Device." not in body and b"modem-pass" not in body and b"-21450" not in body


def test_wrong_token_is_refused_before_any_browser_or_request():
	with FakeModem() as modem:
		bridge = _bridge()
		for token in (None, "", "bridge-token-0123456789abcdeX"):
			with pytest.raises(AccessDenied):
				asyncio.run(bridge.read(token, modem.url, "admin", "modem-pass", PATHS))
	assert bridge.launches == 0 and modem.wire == []


def test_wrong_password_is_a_clear_error():
	async def run(modem):
		async with _bridge() as bridge:
			return await bridge.read(TOKEN, modem.url, "admin", "not-it", PATHS)

	with (
		FakeModem() as modem,
		pytest.raises(ServiceError, match="refused the login: The password is incorrect"),
	):
		asyncio.run(run(modem))


def test_pool_bounds_concurrent_sessions_and_reuses_one_browser():
	async def run(modem):
		async with _bridge(pool_size=2) as bridge:
			results = await asyncio.gather(
				*(bridge.read(TOKEN, modem.url, "admin", "modem-pass", PATHS[:1]) for _ in range(5))
			)
			return bridge, results

	with FakeModem() as modem:
		bridge, results = asyncio.run(run(modem))
	assert all(r == {PATHS[0]: "-21450"} for r in results)
	assert bridge.peak == 2 and bridge.launches == 1 and modem.logins == 5


def test_unresponsive_modem_times_out_within_the_bound():
	async def run(modem):
		async with _bridge(timeout=3, step_timeout=1.5) as bridge:
			return await bridge.read(TOKEN, modem.url, "admin", "modem-pass", PATHS)

	with FakeModem(hang_paths=("/",)) as modem:
		started = time.monotonic()
		with pytest.raises(ServiceError) as err:
			asyncio.run(run(modem))
	assert err.value.retryable and time.monotonic() - started < 8


def test_unreachable_modem_is_retryable():
	async def run():
		async with _bridge() as bridge:
			return await bridge.read(TOKEN, "http://127.0.0.1:9/", "admin", "x", PATHS)

	with pytest.raises(ServiceError, match="could not be read") as err:
		asyncio.run(run())
	assert err.value.retryable


def test_bad_input_refused():
	bridge = _bridge()
	for url, paths in (
		("ftp://127.0.0.1/", PATHS),
		("http://127.0.0.1/", []),
		("http://127.0.0.1/", ["x'); alert(1)//"]),
	):
		with pytest.raises(InvalidValue):
			asyncio.run(bridge.read(TOKEN, url, "admin", "x", paths))
	with pytest.raises(ServiceError, match="not configured"):
		ModemBridge("short")


def test_blocking_one_shot_entry():
	with FakeModem() as modem:
		values = read_modem(
			TOKEN,
			TOKEN,
			modem.url,
			"admin",
			"modem-pass",
			["Device.DeviceInfo.SerialNumber"],
			executable_path=CHROMIUM,
		)
	assert values == {"Device.DeviceInfo.SerialNumber": "2237A8M000123"}
