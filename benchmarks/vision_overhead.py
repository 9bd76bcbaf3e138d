"""Server-side cost of reading a 12-megapixel phone photo, the model's own time left out.

Two figures, median of --repeats runs each:
- prepare: sniff + size check + half-scale JPEG decode + EXIF turn + downscale + re-encode;
- full call minus model: the same, plus the google-genai request (base64, schema) and the
  answer's parsing and normalization, against a loopback Gemini that answers at once.

	python benchmarks/vision_overhead.py [--repeats 9]
"""

import argparse
import io
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from PIL import Image, ImageDraw

from gigafibre.tests.peers import LoopbackPeer, Reply
from gigafibre.vision.client import VisionClient
from gigafibre.vision.images import prepare


def phone_photo(width: int = 4032, height: int = 3024) -> bytes:
	"""A 12-MP JPEG with a photo's texture: gradients, printed labels, sensor noise."""
	photo = Image.linear_gradient("L").resize((width, height)).convert("RGB")
	draw = ImageDraw.Draw(photo)
	for i in range(40):
		x, y = i * 97 % width, i * 53 % height
		draw.rectangle([x, y, x + 400, y + 250], fill=(i * 6 % 255, 120, 200 - i * 4 % 200))
		draw.text(
			(i * 91 % width, i * 71 % height), "S/N ZTEG1A2B3C4D  MAC 00:11:22:33:44:55", fill=(0, 0, 0)
		)
	photo = Image.blend(photo, Image.effect_noise((width, height), 12).convert("RGB"), 0.15)
	out = io.BytesIO()
	photo.save(out, "JPEG", quality=92)
	return out.getvalue()


def timed(fn, repeats: int) -> float:
	samples = []
	for _ in range(repeats):
		start = time.perf_counter()
		fn()
		samples.append((time.perf_counter() - start) * 1000)
	return statistics.median(samples)


def main() -> None:
	parser = argparse.ArgumentParser()
	parser.add_argument("--repeats", type=int, default=9)
	args = parser.parse_args()
	data = phone_photo()
	answer = {"codes": [{"value": "ZTEG1A2B3C4D", "symbology": "Code 128", "kind": "gpon_serial"}]}
	reply = Reply(
		200, {"candidates": [{"content": {"parts": [{"text": json.dumps(answer)}]}, "finishReason": "STOP"}]}
	)
	with LoopbackPeer(lambda request: reply) as gemini:
		client = VisionClient("bench-key", base_url=gemini.url)
		client.barcodes(prepare(data))  # warm the SDK and the connection
		prepare_ms = timed(lambda: prepare(data), args.repeats)
		full_ms = timed(lambda: client.barcodes(prepare(data)), args.repeats)
	prepared = prepare(data)
	print(
		f"12-MP JPEG, {len(data) / 1e6:.1f} MB -> {prepared.width}x{prepared.height}, {len(prepared.data) / 1e6:.2f} MB sent"
	)
	print(f"prepare (downscale included): {prepare_ms:.1f} ms (median of {args.repeats})")
	print(
		f"whole call with a loopback model answering at once: {full_ms:.1f} ms (median of {args.repeats}); goal <= 50 ms"
	)


if __name__ == "__main__":
	main()
