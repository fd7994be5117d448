"""A fake camera: a Y4M video of one frame showing a QR code, for Chromium's fake capture device."""

import qrcode
from PIL import Image


def write_qr_y4m(path, text: str, width: int = 640, height: int = 480, fps: int = 10) -> None:
    """Write a one-frame Y4M file that shows `text` as a QR code in the middle of a white frame."""
    qr = qrcode.make(text, box_size=8, border=4).get_image()
    frame = Image.new("RGB", (width, height), "white")
    frame.paste(qr.convert("RGB"), ((width - qr.width) // 2, (height - qr.height) // 2))
    y, cb, cr = frame.convert("YCbCr").split()
    half = (width // 2, height // 2)
    with open(path, "wb") as f:
        f.write(f"YUV4MPEG2 W{width} H{height} F{fps}:1 Ip A1:1 C420jpeg\n".encode())
        f.write(b"FRAME\n" + y.tobytes() + cb.resize(half).tobytes() + cr.resize(half).tobytes())
