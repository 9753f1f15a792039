"""Render the site's cover art (assets/cover.png) from its title.

Apple Podcasts wants square RGB art, 1400–3000 px, JPEG or PNG. Run again after changing
the title: `python scripts/make_cover.py`.
"""

from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

SIZE = 1400
BACKGROUND = (150, 20, 24)
INK = (250, 246, 238)
LINES = [("1917", 420), ("In Defence", 120), ("of Marxism", 120), ("Talks & articles", 70)]


def render(path: Path) -> None:
    image = Image.new("RGB", (SIZE, SIZE), BACKGROUND)
    draw = ImageDraw.Draw(image)
    draw.rectangle((60, 60, SIZE - 60, SIZE - 60), outline=INK, width=12)
    y = 170
    for text, size in LINES:
        font = ImageFont.load_default(size=size)
        width = draw.textlength(text, font=font)
        draw.text(((SIZE - width) / 2, y), text, font=font, fill=INK)
        y += int(size * 1.25)
    image.save(path, optimize=True)


if __name__ == "__main__":
    render(Path(__file__).resolve().parent.parent / "assets" / "cover.png")
