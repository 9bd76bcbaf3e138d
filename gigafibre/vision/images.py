"""Photos from a phone, made fit to send: type sniffed from the bytes, size bounded, downscaled.

A 12-megapixel JPEG is decoded straight at half scale (JPEG's DCT scaling, Pillow's `draft`),
which keeps the server's share of a scan in tens of milliseconds.
"""

import io
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

from gigafibre.errors import InvalidValue
from gigafibre.i18n import _

MAX_UPLOAD_BYTES = 15 * 1024 * 1024
# Long side sent to the model: enough for a serial printed in 6-point type on a label photo.
MAX_SIDE = 2048
JPEG_QUALITY = 85

# HEIC cannot be decoded here without a native library; it goes to the model as it came.
_EXIF_ORIENTATION = 0x0112
_HEIC_BRANDS = (b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1")


class TooLarge(InvalidValue):
	pass


@dataclass(frozen=True)
class PreparedImage:
	data: bytes
	mime_type: str
	width: int | None
	height: int | None
	downscaled: bool


def sniff(data: bytes) -> str | None:
	"""The image type from the first bytes, whatever the file name or the browser claimed."""
	if data.startswith(b"\xff\xd8\xff"):
		return "image/jpeg"
	if data.startswith(b"\x89PNG\r\n\x1a\n"):
		return "image/png"
	if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
		return "image/webp"
	if data[4:8] == b"ftyp" and data[8:12] in _HEIC_BRANDS:
		return "image/heic"
	return None


def prepare(data: bytes, max_bytes: int = MAX_UPLOAD_BYTES, max_side: int = MAX_SIDE) -> PreparedImage:
	if not data:
		raise InvalidValue(_("No photo was received."))
	if len(data) > max_bytes:
		raise TooLarge(
			_("The photo is too large ({0} MB, {1} MB at most)."),
			round(len(data) / 1048576, 1),
			round(max_bytes / 1048576),
		)
	mime_type = sniff(data)
	if mime_type is None:
		raise InvalidValue(_("This file is not a photo (JPEG, PNG, WebP or HEIC expected)."))
	if mime_type == "image/heic":
		return PreparedImage(data, mime_type, None, None, downscaled=False)
	try:
		image = Image.open(io.BytesIO(data))
		original_side = max(image.size)
		orientation = image.getexif().get(_EXIF_ORIENTATION, 1)
		if original_side <= max_side and orientation == 1:
			image.verify()  # a truncated or corrupt photo is refused here, not by the model
			return PreparedImage(data, mime_type, image.width, image.height, downscaled=False)
		if mime_type == "image/jpeg":
			# Decode at 1/2, 1/4 or 1/8 scale, the smallest that keeps the long side over max_side/2.
			image.draft("RGB", (max_side // 2, max_side // 2))
		image.load()
	except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError):
		raise InvalidValue(_("The photo could not be read; take it again.")) from None
	# Phones store portrait photos sideways with an EXIF note; the model reads them upright.
	image = ImageOps.exif_transpose(image)
	image.thumbnail((max_side, max_side), Image.Resampling.BILINEAR)
	if image.mode not in ("RGB", "L"):
		image = image.convert("RGB")
	out = io.BytesIO()
	image.save(out, "JPEG", quality=JPEG_QUALITY)
	return PreparedImage(out.getvalue(), "image/jpeg", image.width, image.height, downscaled=True)
