"""InfluxDB 1.x over its HTTP API: the database and its retention policy, writes in line protocol,
InfluxQL queries returning plain rows. A plain client configured by its arguments (Debian's
`influxdb` package is 1.x; 2.x's Flux API is not used).

Transport is `JsonHttp` (timeouts everywhere; bounded retries with backoff: connection failures
for every call, 502/503/504 for the GET queries). Every failure is a `ServiceError` saying what to
check (URL, credentials, database, retention) — never the password.

Line protocol (docs.influxdata.com/influxdb/v1/write_protocols/line_protocol_reference/):
`measurement,tag=value field=value timestamp`. Measurements escape commas and spaces; tag keys,
tag values and field keys escape commas, equals signs and spaces; string field values are in
double quotes with `"` and `\\` escaped. What 1.x cannot carry is refused or dropped by `line`,
never sent to fail the whole batch: empty tag values are left out (InfluxDB has no empty tag), a
NaN or infinite float is left out, a newline in a name or tag becomes a space (a line ends at a
newline) and so does a backslash that ends a name or stands before a character the protocol
escapes (1.x's parser would read it as an escape); `time` as a key, an empty measurement or one
starting with `#` (a comment line) and a point without fields are refused (`InvalidValue`).
"""

import math
import re
from collections.abc import Iterable, Mapping
from datetime import datetime, timezone

from gigafibre.errors import InvalidValue, ServiceError
from gigafibre.i18n import _
from gigafibre.network.http import JsonHttp

SERVICE = "InfluxDB"
DEFAULT_POLICY = "gigafibre"
INT64 = 2**63

_AMBIGUOUS_BACKSLASH = re.compile(r"\\+(?=[, =]|$)")
_NEWLINES = re.compile(r"[\r\n]+")
_DURATION = re.compile(r"^\s*(\d+)\s*([hdw])\s*$", re.IGNORECASE)
_SHOWN_DURATION = re.compile(r"(\d+)([hms])")
UNIT_SECONDS = {"h": 3600, "d": 86400, "w": 7 * 86400}


# ------------------------------------------------------------------ line protocol (pure)


def _name(text: str, specials: str) -> str:
	text = _NEWLINES.sub(" ", str(text))
	text = _AMBIGUOUS_BACKSLASH.sub(lambda m: " " * len(m.group()), text)
	for char in specials:
		text = text.replace(char, "\\" + char)
	return text


def escape_measurement(name: str) -> str:
	return _name(name, ", ")


def escape_key(name: str) -> str:
	"""A tag key, tag value or field key."""
	return _name(name, ",= ")


def _field_value(value) -> str | None:
	if isinstance(value, bool):
		return "true" if value else "false"
	if isinstance(value, int):
		if not -INT64 <= value < INT64:
			raise InvalidValue(_("InfluxDB integer field out of range: {0}"), value)
		return f"{value}i"
	if isinstance(value, float):
		if not math.isfinite(value):
			return None
		return repr(value)
	text = str(value).replace("\\", "\\\\").replace('"', '\\"')
	return f'"{text}"'


def timestamp_ns(ts: datetime | int | float) -> int:
	"""Nanoseconds since the epoch: a datetime (naive = UTC) or epoch seconds."""
	if isinstance(ts, datetime):
		if ts.tzinfo is None:
			ts = ts.replace(tzinfo=timezone.utc)
		delta = ts - datetime(1970, 1, 1, tzinfo=timezone.utc)
		return (delta.days * 86400 + delta.seconds) * 10**9 + delta.microseconds * 1000
	if isinstance(ts, float):
		return int(round(ts * 1_000_000)) * 1000
	return int(ts) * 10**9


def line(
	measurement: str,
	tags: Mapping[str, object] | None,
	fields: Mapping[str, object],
	ts: datetime | int | float | None = None,
) -> str:
	"""One point in line protocol (tags sorted by key, as InfluxDB prefers; timestamp in ns)."""
	if not measurement or str(measurement).startswith("#"):
		raise InvalidValue(_("InfluxDB measurement name not allowed: {0}"), measurement)
	head = escape_measurement(measurement)
	for key in sorted(tags or {}, key=str):
		value = (tags or {})[key]
		if value is None or str(value) == "":
			continue
		_check_key(key)
		head += f",{escape_key(key)}={escape_key(value)}"
	parts = []
	for key, value in (fields or {}).items():
		if value is None:
			continue
		_check_key(key)
		encoded = _field_value(value)
		if encoded is not None:
			parts.append(f"{escape_key(key)}={encoded}")
	if not parts:
		raise InvalidValue(_("InfluxDB point {0} has no field to write."), measurement)
	text = f"{head} {','.join(parts)}"
	if ts is not None:
		text += f" {timestamp_ns(ts)}"
	return text


def _check_key(key) -> None:
	if not key or str(key) == "time":
		raise InvalidValue(_("InfluxDB key not allowed: {0}"), key)


# ------------------------------------------------------------------ InfluxQL quoting (pure)


def ident(name: str) -> str:
	"""An identifier (database, policy, measurement, tag or field key) in double quotes."""
	return '"' + str(name).replace("\\", "\\\\").replace('"', '\\"') + '"'


def literal(value) -> str:
	"""A string literal in single quotes (tag values in WHERE clauses)."""
	return "'" + str(value).replace("\\", "\\\\").replace("'", "\\'") + "'"


def time_literal(at: datetime) -> str:
	"""An RFC 3339 time literal (naive = UTC)."""
	if at.tzinfo is not None:
		at = at.astimezone(timezone.utc).replace(tzinfo=None)
	return "'" + at.strftime("%Y-%m-%dT%H:%M:%SZ") + "'"


# ------------------------------------------------------------------ retention (pure)


def retention_seconds(duration: str | None) -> int:
	"""The setting (`90d`, `52w`, `12h`, `INF`) in seconds, 0 for INF (keep forever). Refuses
	anything else and less than an hour (InfluxDB's minimum)."""
	text = (duration or "").strip()
	if text.upper() in ("INF", "0", "0S"):
		return 0
	match = _DURATION.match(text)
	if not match or int(match.group(1)) == 0:
		raise InvalidValue(
			_("InfluxDB retention {0} is not a duration: use hours, days or weeks (12h, 90d, 52w) or INF."),
			duration,
		)
	return int(match.group(1)) * UNIT_SECONDS[match.group(2).lower()]


def shown_seconds(shown: str) -> int:
	"""InfluxDB's own form of a duration (`2160h0m0s`, `0s` for INF) in seconds."""
	return sum(int(n) * {"h": 3600, "m": 60, "s": 1}[u] for n, u in _SHOWN_DURATION.findall(shown or ""))


def influx_duration(seconds: int) -> str:
	if seconds == 0:
		return "INF"
	return f"{seconds // 3600}h" if seconds % 86400 else f"{seconds // 86400}d"


def rows_of(result: Mapping) -> list[dict]:
	"""One statement's result as rows: each series' tags merged into each of its value rows."""
	rows = []
	for series in result.get("series") or ():
		columns = series.get("columns") or []
		tags = series.get("tags") or {}
		for values in series.get("values") or ():
			row = dict(tags)
			row.update(zip(columns, values, strict=False))
			if "name" not in row and series.get("name") is not None:
				row["_measurement"] = series["name"]
			rows.append(row)
	return rows


# ------------------------------------------------------------------ the client


class InfluxClient:
	def __init__(
		self,
		url: str,
		database: str,
		username: str | None = None,
		password: str | None = None,
		timeout: float = 5.0,
		retries: int = 2,
		backoff: float = 0.3,
	):
		if not (url or "").strip():
			raise ServiceError(_("InfluxDB is not configured: set its URL in Gigafibre Settings."))
		if not (database or "").strip():
			raise ServiceError(_("InfluxDB is not configured: set its database in Gigafibre Settings."))
		self.url = url.strip().rstrip("/")
		self.database = database.strip()
		self.http = JsonHttp(
			SERVICE,
			self.url,
			timeout=timeout,
			retries=retries,
			backoff=backoff,
			auth=(username, password or "") if username else None,
		)

	# -- plumbing

	def _call(self, method: str, path: str, **kw):
		try:
			return self.http.request(method, path, **kw)
		except ServiceError as err:
			status = getattr(err, "status", None)
			if status in (401, 403):
				raise ServiceError(
					_(
						"InfluxDB refused the credentials: check the InfluxDB username and password in Gigafibre Settings."
					)
				) from err
			raise

	def statement(self, q: str, *, write: bool = False, database: bool = True) -> dict:
		"""One InfluxQL statement's result (`{"series": [...]}`); ServiceError on its error."""
		params = {"q": q}
		if database:
			params["db"] = self.database
		if write:
			response = self._call("POST", "/query", data=params, expect=(200, 400))
		else:
			response = self._call("GET", "/query", params=params, expect=(200, 400))
		try:
			body = response.json()
		except ValueError as err:
			raise ServiceError(_("InfluxDB sent an answer that is not JSON.")) from err
		error = body.get("error")
		results = body.get("results") or [{}]
		error = error or results[0].get("error")
		if error:
			if "database not found" in error:
				raise ServiceError(
					_("InfluxDB has no database {0}: it is made by the OLT poll once InfluxDB is set up."),
					self.database,
				)
			raise ServiceError(_("InfluxDB refused the query: {0}"), error)
		return results[0]

	# -- the API

	def ping(self) -> None:
		self._call("GET", "/ping", expect=(200, 204))

	def query(self, q: str) -> list[dict]:
		"""The rows of one InfluxQL SELECT/SHOW statement (times as RFC 3339 text)."""
		return rows_of(self.statement(q))

	def ensure(self, retention: str, policy: str = DEFAULT_POLICY) -> str:
		"""Make the database and its default retention policy `policy` of `retention` (ALTER when
		the duration changed or another policy is the default). Returns what was done."""
		seconds = retention_seconds(retention)
		duration = influx_duration(seconds)
		self.statement(f"CREATE DATABASE {ident(self.database)}", write=True, database=False)
		current = {
			row["name"]: row
			for row in self.query(f"SHOW RETENTION POLICIES ON {ident(self.database)}")
			if row.get("name")
		}
		found = current.get(policy)
		on = f"{ident(policy)} ON {ident(self.database)}"
		if found is None:
			self.statement(
				f"CREATE RETENTION POLICY {on} DURATION {duration} REPLICATION 1 DEFAULT", write=True
			)
			return "created"
		if shown_seconds(found.get("duration")) != seconds or not found.get("default"):
			self.statement(f"ALTER RETENTION POLICY {on} DURATION {duration} DEFAULT", write=True)
			return "altered"
		return "unchanged"

	def write(self, lines: Iterable[str], policy: str | None = DEFAULT_POLICY, batch: int = 5000) -> int:
		"""Write points (line protocol) in batches; returns how many were sent."""
		lines = [text for text in lines if text]
		params = {"db": self.database, "precision": "ns"}
		if policy:
			params["rp"] = policy
		for start in range(0, len(lines), batch):
			body = "\n".join(lines[start : start + batch]).encode()
			try:
				self._call("POST", "/write", params=params, data=body, expect=(204,))
			except ServiceError as err:
				status = getattr(err, "status", None)
				text = str(err.args_[-1]) if err.args_ else ""
				if status == 404 or "not found" in text:
					raise ServiceError(
						_("InfluxDB has no database {0} or retention policy {1}: {2}"),
						self.database,
						policy or "",
						text,
					) from err
				if status == 400:
					raise ServiceError(_("InfluxDB refused some points: {0}"), text) from err
				raise
		return len(lines)

	def close(self) -> None:
		self.http.close()
