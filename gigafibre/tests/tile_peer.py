"""A loopback map tile server for the Dispatch map's browser checks: `/{z}/{x}/{y}.png` answers a
256x256 PNG (a light checker so tiles are visible in screenshots), anything else 404. Set Gigafibre
Settings → Map Tile URL to `<peer.url>/{z}/{x}/{y}.png`; stop it to see the map without tiles."""

import re
import struct
import zlib
from functools import cache

from gigafibre.tests.peers import LoopbackPeer, Reply, Request

TILE = re.compile(r"^/(\d+)/(\d+)/(\d+)\.png$")


def _chunk(kind: bytes, data: bytes) -> bytes:
	return (
		struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
	)


@cache
def tile_png(size: int = 256, cell: int = 32) -> bytes:
	"""An RGB PNG: light grey-green squares on a paler ground."""
	rows = []
	for y in range(size):
		row = bytearray([0])  # filter: none
		for x in range(size):
			dark = ((x // cell) + (y // cell)) % 2
			row += bytes((222, 230, 220) if dark else (240, 244, 238))
		rows.append(bytes(row))
	header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
	return (
		b"\x89PNG\r\n\x1a\n"
		+ _chunk(b"IHDR", header)
		+ _chunk(b"IDAT", zlib.compress(b"".join(rows), 9))
		+ _chunk(b"IEND", b"")
	)


def tiles(request: Request) -> Reply:
	if request.method == "GET" and TILE.match(request.path):
		return Reply(200, tile_png(), {"Content-Type": "image/png", "Cache-Control": "no-store"})
	return Reply(404, "not a tile")


def tile_server() -> LoopbackPeer:
	"""`with tile_server() as peer:` — the URL template is `peer.url + "/{z}/{x}/{y}.png"`."""
	return LoopbackPeer(tiles)
