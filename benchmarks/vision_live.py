"""Live check against the real Gemini API: skipped unless GEMINI_API_KEY is set.

Renders equipment labels with real Code 128 barcodes (python-barcode + Pillow), sends them
through the app's own client, and reports what came back next to what was printed.

	GEMINI_API_KEY=... python benchmarks/vision_live.py [--model gemini-2.5-flash]
"""

import argparse
import io
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from PIL import Image, ImageDraw

from gigafibre.errors import ServiceError
from gigafibre.vision.client import VisionClient
from gigafibre.vision.images import prepare

LABELS = [
	{"brand": "ZTE", "model": "F601", "serial": "ZTEG1A2B3C4D", "mac": "00:19:C6:12:34:56"},
	{"brand": "TP-Link", "model": "Deco XX230v", "serial": "22B3C0A91F77", "mac": "A8:42:A1:0B:9C:3E"},
	{"brand": "Nokia", "model": "G-010G-Q", "serial": "ALCLB2C3D4E5", "mac": "F8:8E:85:00:AB:CD"},
]


def render_label(label: dict) -> bytes:
	from barcode import Code128
	from barcode.writer import ImageWriter

	canvas = Image.new("RGB", (1200, 800), "white")
	draw = ImageDraw.Draw(canvas)
	draw.text((40, 30), f"{label['brand']}  {label['model']}", fill="black")
	for row, (caption, value) in enumerate(
		(("S/N", label["serial"]), ("MAC", label["mac"].replace(":", "")))
	):
		code = io.BytesIO()
		Code128(value, writer=ImageWriter()).write(code, options={"module_height": 12, "font_size": 8})
		canvas.paste(Image.open(code).convert("RGB"), (40, 80 + row * 340))
		draw.text((40, 60 + row * 340), caption, fill="black")
	out = io.BytesIO()
	canvas.save(out, "JPEG", quality=90)
	return out.getvalue()


def main() -> None:
	parser = argparse.ArgumentParser()
	parser.add_argument("--model", default="gemini-2.5-flash")
	args = parser.parse_args()
	key = os.environ.get("GEMINI_API_KEY")
	if not key:
		print("vision live check: skipped (GEMINI_API_KEY is not set)")
		return
	client = VisionClient(key, model=args.model, timeout=60)
	for label in LABELS:
		image = prepare(render_label(label))
		for task in ("barcodes", "equipment"):
			start = time.perf_counter()
			try:
				result = getattr(client, task)(image)
			except ServiceError as err:
				result = f"error: {err}"
			print(f"{label['serial']} {task} ({(time.perf_counter() - start) * 1000:.0f} ms): {result}")


if __name__ == "__main__":
	main()
