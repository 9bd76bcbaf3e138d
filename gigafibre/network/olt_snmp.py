"""OLT SNMP poller: ONU status and optical levels, on pysnmp 7's asyncio API (SNMPv2c GETBULK walks).

One poll of an OLT walks three columns of the vendor's ONU tables (status, ONU rx power, ONU tx
power) with `bulk_walk_cmd(..., lookupMib=False, lexicographicMode=False)` — no MIB is loaded (the
OIDs below are numeric; a MIB lookup costs ~3.7x the CPU), and each walk stops at the end of its
column. The three columns of one OLT are walked concurrently; OLTs are polled concurrently,
bounded by an `asyncio.Semaphore`. An OLT that fails (timeout, SNMP error) gives an `OltPoll` with
its error and no ONUs; the others are not affected.

Vendor tables (numeric OIDs; names from the vendors' MIBs as published in MIB browsers —
oid-base.com, mibs.observium.org — and widely used in open-source OLT pollers; values and units
below are the ones those MIBs document. Check them on a real OLT before trusting a new firmware.)

Huawei MA5600T / MA5800 — HUAWEI-XPON-MIB, index `<ifIndex>.<ontId>`
	status  hwGponDeviceOntControlRunStatus   1.3.6.1.4.1.2011.6.128.1.1.2.46.1.15   1 online, 2 offline
	rx      hwGponOntOpticalDdmRxPower         1.3.6.1.4.1.2011.6.128.1.1.2.51.1.4    0.01 dBm (signed)
	tx      hwGponOntOpticalDdmTxPower         1.3.6.1.4.1.2011.6.128.1.1.2.51.1.3    0.01 dBm (signed)
	2147483647 means "no reading" (ONT offline). GPON port ifIndex = 0xFA000000 (4194304000)
	+ frame·65536 + slot·8192 + port·256 → port name "frame/slot/port" (e.g. 4194312448 = 0/1/1).

ZTE C300 / C320 (ZXA10, firmware V1.x / V2.x) — ZXGPON-SERVICE-MIB / ZXAN-PON-MIB
	status  zxGponOntPhaseState              1.3.6.1.4.1.3902.1012.3.28.2.1.4    index `<ifIndex>.<onuId>`
	        1 logging, 2 los, 3 syncMib, 4 working (online), 5 dyingGasp, 6 authFailed, 7 offline
	rx      zxAnGponOnuRxOpticalPower (ONU-side rx)  1.3.6.1.4.1.3902.1012.3.50.12.1.1.10
	tx      zxAnGponOnuTxOpticalPower (ONU-side tx)  1.3.6.1.4.1.3902.1012.3.50.12.1.1.14
	        index `<ifIndex>.<onuId>.<ONU PON port, 1>`; raw unsigned 16-bit, dBm = raw·0.002 - 30
	        (raw > 32767 is negative two's complement: (raw - 65535)·0.002 - 30); 0 and 65535 = no reading.
	GPON port ifIndex = 0x10000000 + slot·65536 + (port - 1)·256, shelf 1 → "1/slot/port"
	(268566528 = gpon-olt_1/2/1). The C600 (TITAN, MIB branch 1.3.6.1.4.1.3902.1082.500) uses other
	tables and is not covered here yet.

The snapshot is keyed by (OLT, PON port, ONU id) — the network placement a Service Location holds.
`optical_alarms` turns snapshots into alarm events (rx below -27 dBm by default: the class B+
GPON budget ends at -28 dBm, so -27 leaves a margin; rx above -8 dBm overloads the receiver).
"""

import asyncio
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from pysnmp.hlapi.v3arch.asyncio import (
	CommunityData,
	ContextData,
	ObjectIdentity,
	ObjectType,
	SnmpEngine,
	UdpTransportTarget,
	bulk_walk_cmd,
)
from pysnmp.proto.rfc1902 import ObjectName

from gigafibre.errors import InvalidValue, ServiceError
from gigafibre.i18n import _

ONLINE = "online"
OFFLINE = "offline"
LOS = "los"
DYING_GASP = "dying_gasp"
UNKNOWN = "unknown"

RX_LOW_DBM = -27.0
RX_HIGH_DBM = -8.0


@dataclass(frozen=True)
class VendorProfile:
	name: str
	status_oid: str
	rx_oid: str
	tx_oid: str
	port_name: Callable[[int], str]  # PON port ifIndex -> "frame/slot/port"
	status: Callable[[int], str]
	level: Callable[[int], float | None]  # raw rx/tx -> dBm


def _huawei_port(if_index: int) -> str:
	offset = if_index - 0xFA000000
	if offset < 0:
		return str(if_index)
	return f"{offset // 65536}/{(offset % 65536) // 8192}/{(offset % 8192) // 256}"


def _huawei_level(raw: int) -> float | None:
	if raw in (2147483647, -2147483648):
		return None
	return round(raw / 100, 2)


def _zte_port(if_index: int) -> str:
	if if_index >> 28 != 1:
		return str(if_index)
	return f"1/{(if_index >> 16) & 0xFF}/{((if_index >> 8) & 0xFF) + 1}"


def _zte_level(raw: int) -> float | None:
	if raw in (0, 65535) or raw < 0 or raw > 65535:
		return None
	if raw > 32767:
		raw -= 65535
	return round(raw * 0.002 - 30, 2)


HUAWEI = VendorProfile(
	name="huawei",
	status_oid="1.3.6.1.4.1.2011.6.128.1.1.2.46.1.15",
	rx_oid="1.3.6.1.4.1.2011.6.128.1.1.2.51.1.4",
	tx_oid="1.3.6.1.4.1.2011.6.128.1.1.2.51.1.3",
	port_name=_huawei_port,
	status=lambda raw: {1: ONLINE, 2: OFFLINE}.get(raw, UNKNOWN),
	level=_huawei_level,
)

ZTE = VendorProfile(
	name="zte",
	status_oid="1.3.6.1.4.1.3902.1012.3.28.2.1.4",
	rx_oid="1.3.6.1.4.1.3902.1012.3.50.12.1.1.10",
	tx_oid="1.3.6.1.4.1.3902.1012.3.50.12.1.1.14",
	port_name=_zte_port,
	status=lambda raw: {4: ONLINE, 2: LOS, 5: DYING_GASP, 7: OFFLINE, 1: OFFLINE, 3: OFFLINE, 6: OFFLINE}.get(
		raw, UNKNOWN
	),
	level=_zte_level,
)

VENDORS = {p.name: p for p in (HUAWEI, ZTE)}


@dataclass(frozen=True)
class OltTarget:
	name: str
	host: str
	vendor: str
	community: str = "public"
	port: int = 161
	timeout: float = 2.0
	retries: int = 1

	@property
	def profile(self) -> VendorProfile:
		try:
			return VENDORS[self.vendor.lower()]
		except KeyError:
			raise InvalidValue(
				_("OLT {0}: vendor {1} is not supported (one of: {2})."),
				self.name,
				self.vendor,
				", ".join(VENDORS),
			) from None


@dataclass(frozen=True)
class OnuSnapshot:
	olt: str
	pon_port: str
	onu_id: int
	status: str
	rx_dbm: float | None = None
	tx_dbm: float | None = None

	@property
	def key(self) -> tuple[str, str, int]:
		return (self.olt, self.pon_port, self.onu_id)


@dataclass
class OltPoll:
	olt: str
	onus: list[OnuSnapshot] = field(default_factory=list)
	error: ServiceError | None = None
	seconds: float = 0.0
	varbinds: int = 0

	@property
	def ok(self) -> bool:
		return self.error is None


@dataclass(frozen=True)
class OnuAlarm:
	event: str  # "onu_rx_low" | "onu_rx_high"
	olt: str
	pon_port: str
	onu_id: int
	rx_dbm: float
	threshold_dbm: float


# Walking


async def walk_column(
	engine: SnmpEngine,
	auth: CommunityData,
	target: UdpTransportTarget,
	oid: str,
	max_repetitions: int,
	olt: str,
) -> list[tuple[tuple[int, ...], int]]:
	"""(index suffix, integer value) of every row of one column, in OID order."""
	prefix = ObjectName(oid)
	head = prefix.asTuple()
	cut = len(head)
	rows: list[tuple[tuple[int, ...], int]] = []
	async for error_indication, error_status, _error_index, var_binds in bulk_walk_cmd(
		engine,
		auth,
		target,
		ContextData(),
		0,
		max_repetitions,
		ObjectType(ObjectIdentity(prefix)),
		lookupMib=False,
		lexicographicMode=False,
	):
		if error_indication:
			raise ServiceError(
				_("OLT {0} did not answer the SNMP walk of {1}: {2}"),
				olt,
				oid,
				error_indication,
				retryable=True,
			)
		if error_status:
			raise ServiceError(
				_("OLT {0} refused the SNMP walk of {1}: {2}"), olt, oid, error_status.prettyPrint()
			)
		for name, value in var_binds:
			parts = name.asTuple()  # the raw tuple: iterating a pyasn1 OID costs ~10x more
			if parts[:cut] != head:
				continue
			try:
				rows.append((parts[cut:], int(value)))
			except (TypeError, ValueError):
				continue  # noSuchInstance / non-integer: not a reading
	return rows


def build_snapshots(
	olt: str,
	profile: VendorProfile,
	status_rows: Iterable[tuple[tuple[int, ...], int]],
	rx_rows: Iterable[tuple[tuple[int, ...], int]],
	tx_rows: Iterable[tuple[tuple[int, ...], int]],
) -> list[OnuSnapshot]:
	"""Join the three columns on (port ifIndex, ONU id); pure, so it is tested without an agent."""
	rx = {suffix[:2]: raw for suffix, raw in rx_rows if len(suffix) >= 2}
	tx = {suffix[:2]: raw for suffix, raw in tx_rows if len(suffix) >= 2}
	snapshots = []
	for suffix, raw_status in status_rows:
		if len(suffix) < 2:
			continue
		key = suffix[:2]
		status = profile.status(raw_status)
		rx_dbm = profile.level(rx[key]) if key in rx else None
		tx_dbm = profile.level(tx[key]) if key in tx else None
		if status != ONLINE:
			rx_dbm = tx_dbm = None  # the OLT keeps the last reading of an offline ONU; it means nothing
		snapshots.append(
			OnuSnapshot(
				olt=olt,
				pon_port=profile.port_name(key[0]),
				onu_id=key[1],
				status=status,
				rx_dbm=rx_dbm,
				tx_dbm=tx_dbm,
			)
		)
	return snapshots


async def poll_olt(target: OltTarget, engine: SnmpEngine | None = None, max_repetitions: int = 50) -> OltPoll:
	profile = target.profile
	engine = engine or SnmpEngine()
	started = time.perf_counter()
	poll = OltPoll(olt=target.name)
	try:
		transport = await UdpTransportTarget.create(
			(target.host, target.port), timeout=target.timeout, retries=target.retries
		)
		auth = CommunityData(target.community, mpModel=1)
		status_rows, rx_rows, tx_rows = await asyncio.gather(
			*(
				walk_column(engine, auth, transport, oid, max_repetitions, target.name)
				for oid in (profile.status_oid, profile.rx_oid, profile.tx_oid)
			)
		)
		poll.varbinds = len(status_rows) + len(rx_rows) + len(tx_rows)
		poll.onus = build_snapshots(target.name, profile, status_rows, rx_rows, tx_rows)
	except ServiceError as err:
		poll.error = err
	except Exception as err:  # resolver failures, socket errors: one OLT must not stop the round
		poll.error = ServiceError(_("OLT {0} could not be polled: {1}"), target.name, err, retryable=True)
	poll.seconds = time.perf_counter() - started
	return poll


async def poll_olts(
	targets: Iterable[OltTarget],
	concurrency: int = 8,
	max_repetitions: int = 50,
	engine: SnmpEngine | None = None,
) -> list[OltPoll]:
	"""Every OLT, at most `concurrency` at a time, results in the order of `targets`.

	A long-lived caller (a worker polling every few minutes in one event loop) passes its own
	`engine` and keeps it; otherwise one is made for this round and closed after it.
	"""
	targets = list(targets)
	for target in targets:
		target.profile  # refuse an unknown vendor before any traffic
	semaphore = asyncio.Semaphore(max(1, concurrency))
	own_engine = engine is None
	engine = engine or SnmpEngine()

	async def one(target: OltTarget) -> OltPoll:
		async with semaphore:
			return await poll_olt(target, engine, max_repetitions)

	try:
		return list(await asyncio.gather(*(one(t) for t in targets)))
	finally:
		if own_engine:
			engine.close_dispatcher()


def poll_olts_blocking(
	targets: Iterable[OltTarget], concurrency: int = 8, max_repetitions: int = 50
) -> list[OltPoll]:
	"""For the scheduler (an RQ worker has no running event loop)."""
	return asyncio.run(poll_olts(targets, concurrency, max_repetitions))


# Thresholds


def optical_alarms(
	snapshots: Iterable[OnuSnapshot], rx_low: float = RX_LOW_DBM, rx_high: float = RX_HIGH_DBM
) -> list[OnuAlarm]:
	"""An alarm per online ONU whose rx level is below `rx_low` or above `rx_high` dBm."""
	alarms = []
	for onu in snapshots:
		if onu.status != ONLINE or onu.rx_dbm is None:
			continue
		if onu.rx_dbm < rx_low:
			alarms.append(OnuAlarm("onu_rx_low", onu.olt, onu.pon_port, onu.onu_id, onu.rx_dbm, rx_low))
		elif onu.rx_dbm > rx_high:
			alarms.append(OnuAlarm("onu_rx_high", onu.olt, onu.pon_port, onu.onu_id, onu.rx_dbm, rx_high))
	return alarms
