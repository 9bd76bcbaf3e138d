"""What the technician page ships to a phone, gzipped: script + stylesheet (+ the HTML shell).

python benchmarks/tech_page_weight.py          # goal: JS + CSS <= 150 KB gzipped
"""

import gzip
from pathlib import Path

APP = Path(__file__).resolve().parents[1] / "gigafibre"
FILES = [APP / "public" / "tech" / "tech.js", APP / "public" / "tech" / "tech.css", APP / "www" / "j.html"]


def main() -> None:
	total_assets = 0
	for path in FILES:
		raw = path.read_bytes()
		packed = len(gzip.compress(raw, compresslevel=6))
		if path.suffix in (".js", ".css"):
			total_assets += packed
		print(f"{path.relative_to(APP)}: {len(raw) / 1024:.1f} KB raw, {packed / 1024:.1f} KB gzipped")
	print(f"JS + CSS shipped: {total_assets / 1024:.1f} KB gzipped (goal <= 150 KB)")


if __name__ == "__main__":
	main()
