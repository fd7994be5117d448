"""Cover pictures: check an upload by its content, shrink it and re-encode it. No Flask, no database.

Re-encoding drops whatever else the file carried (metadata, trailing data, a disguised script), and
the stored name is random, so nothing a visitor uploads is ever served as it came.
"""

import io
import secrets

from PIL import Image, ImageOps, UnidentifiedImageError

#: Largest upload accepted.
MAX_BYTES = 5 * 1024 * 1024
#: Covers are shrunk to this width (never enlarged).
TARGET_WIDTH = 1200
#: Refuse images with more pixels than this before decoding them (decompression bombs).
MAX_PIXELS = 40_000_000
#: Formats recognized from the file's content (not its name or the browser's content type).
ACCEPTED_FORMATS = {"JPEG", "PNG", "WEBP", "GIF"}
JPEG_QUALITY = 85


class CoverRejected(ValueError):
    """The upload is not a picture we accept; `code` says why."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


def read_limited(stream, limit: int = MAX_BYTES) -> bytes:
    """Read at most `limit` bytes from a file-like object; raise CoverRejected("too_big") beyond."""
    data = stream.read(limit + 1)
    if len(data) > limit:
        raise CoverRejected("too_big")
    if not data:
        raise CoverRejected("empty")
    return data


def process_cover(data: bytes) -> bytes:
    """Return the picture as a JPEG at most TARGET_WIDTH wide; raise CoverRejected if it is not one."""
    if len(data) > MAX_BYTES:
        raise CoverRejected("too_big")
    try:
        with Image.open(io.BytesIO(data)) as probe:
            if probe.format not in ACCEPTED_FORMATS:
                raise CoverRejected("not_an_image")
            if probe.width * probe.height > MAX_PIXELS:
                raise CoverRejected("too_many_pixels")
            probe.verify()
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            picture = ImageOps.exif_transpose(image)
    except CoverRejected:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise CoverRejected("not_an_image") from None
    if picture.mode in ("RGBA", "LA", "P"):
        picture = picture.convert("RGBA")
        background = Image.new("RGB", picture.size, "white")
        background.paste(picture, mask=picture.getchannel("A"))
        picture = background
    else:
        picture = picture.convert("RGB")
    if picture.width > TARGET_WIDTH:
        height = max(1, round(picture.height * TARGET_WIDTH / picture.width))
        picture = picture.resize((TARGET_WIDTH, height), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    picture.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True, progressive=True)
    return out.getvalue()


def new_cover_name() -> str:
    """Return a random file name for a stored cover."""
    return secrets.token_urlsafe(18) + ".jpg"
