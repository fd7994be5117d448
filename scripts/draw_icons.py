"""Draw the app icons (PNG) from the same shapes as favicon.svg."""
from PIL import Image, ImageDraw
CORAL, CREAM, INK, LIME = "#e2461f", "#fff8ef", "#2a1a4a", "#d9f99d"
def draw(size, maskable=False):
    s = size / 64
    img = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    d = ImageDraw.Draw(img)
    if maskable:
        d.rectangle([0, 0, size, size], fill=CORAL); k = 0.72; off = size * (1 - k) / 2; s = s * k
    else:
        d.rounded_rectangle([0, 0, size - 1, size - 1], radius=16 * s, fill=CORAL); off = 0
    P = lambda x, y: (off + x * s, off + y * s)
    # cup body: rectangle top part and a rounded bottom
    d.rectangle([P(13, 26), P(43, 36)], fill=CREAM)
    d.rounded_rectangle([P(13, 23), P(43, 49)], radius=13 * s, fill=CREAM)
    d.rectangle([P(13, 26), P(43, 34)], fill=CREAM)
    d.arc([P(38, 29), P(52, 41)], start=-90, end=90, fill=CREAM, width=max(1, int(4 * s)))
    d.ellipse([P(21, 30), P(35, 44)], fill=INK)
    w = max(1, int(2 * s))
    d.line([P(28, 33), P(28, 37), P(31, 37)], fill=LIME, width=w, joint="curve")
    for x in (22, 30):
        d.line([P(x, 12), P(x + 2, 15), P(x, 18), P(x + 1, 20)], fill=LIME, width=max(1, int(3 * s)), joint="curve")
    return img
for n in (192, 512):
    draw(n).save(f"anticafe/static/icons/icon-{n}.png", optimize=True)
draw(512, maskable=True).save("anticafe/static/icons/icon-maskable-512.png", optimize=True)
