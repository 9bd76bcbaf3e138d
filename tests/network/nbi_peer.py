"""A loopback GenieACS NBI: the device store answers `GET /devices/?query=&projection=` the way
GenieACS 1.2 does (a query on a parameter path compares its `_value`; `_tags` matches one element;
projection keeps the listed subtrees plus `_id`), and records tasks, tags and presets."""

import copy
import json
import threading
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from gigafibre.tests.peers import LoopbackPeer, Reply

FIXTURES = Path(__file__).parent / "fixtures"


def load(name: str) -> dict:
	return json.loads((FIXTURES / name).read_text())


def _lookup(device: dict, path: str):
	current = device
	for part in path.split("."):
		if not isinstance(current, dict) or part not in current:
			return None
		current = current[part]
	if isinstance(current, dict) and "_value" in current:
		return current["_value"]
	return current


def _match_value(actual, expected) -> bool:
	if isinstance(expected, dict):
		for op, arg in expected.items():
			if op == "$in":
				if not any(_match_value(actual, a) for a in arg):
					return False
			elif op == "$ne":
				if _match_value(actual, arg):
					return False
			elif op == "$exists":
				if (actual is not None) != bool(arg):
					return False
			else:
				raise ValueError(f"operator {op} not supported by the test peer")
		return True
	if isinstance(actual, list):
		return expected in actual
	return actual == expected


def matches(device: dict, query: dict) -> bool:
	for key, expected in query.items():
		if key == "$or":
			if not any(matches(device, q) for q in expected):
				return False
		elif key == "$and":
			if not all(matches(device, q) for q in expected):
				return False
		elif not _match_value(_lookup(device, key), expected):
			return False
	return True


def project(device: dict, projection: list[str]) -> dict:
	out: dict = {"_id": device["_id"]}
	for path in projection:
		parts = path.split(".")
		src, dst = device, out
		for i, part in enumerate(parts):
			if not isinstance(src, dict) or part not in src:
				break
			if i == len(parts) - 1:
				dst[part] = copy.deepcopy(src[part])
			else:
				src = src[part]
				dst = dst.setdefault(part, {k: v for k, v in src.items() if k.startswith("_")})
	return out


class NbiPeer(LoopbackPeer):
	def __init__(self, devices: list[dict], online: set[str] | None = None):
		self.devices = {d["_id"]: copy.deepcopy(d) for d in devices}
		self.online = online if online is not None else set(self.devices)
		self.tasks: list[dict] = []
		self.presets: dict[str, dict] = {}
		self.deleted_tasks: set[str] = set()  # DELETE /tasks/<id>
		self.fail_next: list[int] = []  # statuses to answer before behaving
		super().__init__(self._handle)
		# GenieACS tests flag presence (`?connection_request`); keep the raw query to see blank flags.
		self._raw: dict[int, str] = {}
		base, peer = self.server.RequestHandlerClass, self

		class _KeepRawQuery(base):
			def _serve(self):
				peer._raw[threading.get_ident()] = urlsplit(self.path).query
				super()._serve()

			do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve

		self.server.RequestHandlerClass = _KeepRawQuery

	def flags(self) -> dict:
		return parse_qs(self._raw.get(threading.get_ident(), ""), keep_blank_values=True)

	def _handle(self, request) -> Reply:
		if self.fail_next:
			return Reply(self.fail_next.pop(0), "upstream unavailable")
		parts = [unquote(p) for p in request.path.strip("/").split("/")]
		if request.method == "GET" and parts == ["devices"]:
			query = json.loads(request.query.get("query", ["{}"])[0])
			projection = request.query.get("projection", [""])[0]
			limit = int(request.query.get("limit", ["0"])[0])
			found = [d for d in self.devices.values() if matches(d, query)]
			if projection:
				found = [project(d, projection.split(",")) for d in found]
			return Reply(200, found[:limit] if limit else found)
		if parts[0] == "devices" and len(parts) >= 3 and parts[1] not in self.devices:
			return Reply(404, "No such device")
		if request.method == "POST" and parts[0] == "devices" and parts[2] == "tasks":
			task = dict(request.json(), _id=f"6745{len(self.tasks):020x}", device=parts[1])
			task["timestamp"] = "2026-11-25T21:00:00.000Z"
			self.tasks.append(task)
			request.query = self.flags()
			if "connection_request" in request.query and parts[1] in self.online:
				return Reply(200, task)
			return Reply(202, task, headers={"Content-Type": "application/json"})
		if parts[0] == "devices" and len(parts) == 4 and parts[2] == "tags":
			tags = self.devices[parts[1]].setdefault("_tags", [])
			if request.method == "POST" and parts[3] not in tags:
				tags.append(parts[3])
			elif request.method == "DELETE" and parts[3] in tags:
				tags.remove(parts[3])
			return Reply(200, b"")
		if parts[0] == "tasks" and len(parts) == 2 and request.method == "DELETE":
			queued = [t for t in self.tasks if t["_id"] == parts[1]]
			if not queued or parts[1] in self.deleted_tasks:
				return Reply(404, "Task not found")
			self.deleted_tasks.add(parts[1])
			return Reply(200, b"")
		if parts[0] == "presets" and len(parts) == 2:
			if request.method == "PUT":
				self.presets[parts[1]] = request.json()
				return Reply(200, b"")
			if request.method == "DELETE":
				self.presets.pop(parts[1], None)
				return Reply(200, b"")
		return Reply(405, "Method not allowed")
