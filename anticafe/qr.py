"""QR images (PNG and SVG) made with `qrcode`, answered with a strong ETag so phones cache them."""

import hashlib
import io

import qrcode
import qrcode.image.svg
from flask import Response, request


def png_bytes(text: str, box_size: int = 10) -> bytes:
    """Return a PNG of `text` as a QR code (quiet zone included)."""
    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=box_size, border=4)
    qr.add_data(text)
    qr.make(fit=True)
    buffer = io.BytesIO()
    qr.make_image(fill_color="black", back_color="white").save(buffer, format="PNG")
    return buffer.getvalue()


def svg_bytes(text: str) -> bytes:
    """Return an SVG of `text` as a QR code (scales without blur; good for printing)."""
    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=4,
                       image_factory=qrcode.image.svg.SvgPathImage)
    qr.add_data(text)
    qr.make(fit=True)
    buffer = io.BytesIO()
    qr.make_image().save(buffer)
    return buffer.getvalue()


def qr_response(text: str, fmt: str = "png") -> Response:
    """Answer a QR image of `text` (png or svg), or 304 when the client has this one already.

    The ETag is derived from the text, so a revoked or regenerated code gets a new image.
    """
    etag = hashlib.sha256(f"{fmt}:{text}".encode()).hexdigest()[:32]
    if request.if_none_match.contains(etag):
        response = Response(status=304)
    elif fmt == "svg":
        response = Response(svg_bytes(text), mimetype="image/svg+xml")
    else:
        response = Response(png_bytes(text), mimetype="image/png")
    response.set_etag(etag)
    # The image carries a personal code: no shared cache keeps it, nor the browser (a shared door phone).
    response.headers["Cache-Control"] = "private, no-store"
    return response
