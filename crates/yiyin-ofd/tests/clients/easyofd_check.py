"""Reads an OFD file with easyofd (PyPI), an OFD parser independent of Yiyin, and prints what it
found as JSON: the pages, the text of every text object in order, the fonts and the images.

It also draws every character of every text object with the embedded font easyofd extracted, the
way a reader does, and lists under "unrendered" each one that would not show: its code missing
from the font's character map (fontTools), mapped to another glyph than the text object's
ofd:CGTransform names, or drawn blank (Pillow's FreeType rasteriser, which finds the glyph through
the character map). easyofd's own page renderer cannot serve for this check: it draws every text
object with the system font 宋体 (simsun.ttc) and skips the text where that is missing, whatever
the OFD embeds.

Usage: python3 easyofd_check.py FILE.ofd
"""
import base64
import io
import json
import sys
import warnings

warnings.filterwarnings("ignore")
from loguru import logger  # noqa: E402  (easyofd logs through loguru; keep stdout for the JSON)

logger.remove()
from easyofd.parser_ofd import OFDParser  # noqa: E402
from fontTools.ttLib import TTFont  # noqa: E402
from PIL import Image, ImageDraw, ImageFont  # noqa: E402


def drawn(font, char):
    """The number of dark pixels of `char` drawn at 48 pixels in `font` (Pillow, FreeType), or why
    FreeType could not draw it."""
    image = Image.new("L", (96, 96), 255)
    try:
        ImageDraw.Draw(image).text((24, 16), char, font=font, fill=0)
    except OSError as e:
        return f"FreeType cannot draw it ({e})"
    return sum(1 for p in image.tobytes() if p < 128)


def unrendered(doc):
    """Every character (but spaces) that the embedded fonts would not show, with the reason."""
    fonts = {}
    for font_id, v in doc["fonts"].items():
        data = base64.b64decode(v["font_b64"])
        tt = TTFont(io.BytesIO(data))
        fonts[font_id] = (tt.getBestCmap() or {}, tt.getGlyphOrder(), ImageFont.truetype(io.BytesIO(data), 48))
    problems, seen = [], {}
    for page in sorted(doc["page_info"]):
        for t in doc["page_info"][page]["text_list"]:
            cmap, order, font = fonts[t["font"]]
            glyphs = (t.get("Glyphs_d") or {}).get("Glyphs") or ""
            glyphs = [int(g) for g in glyphs.split()]
            for i, char in enumerate(t["text"]):
                if char.isspace():
                    continue
                name = cmap.get(ord(char))
                where = f"U+{ord(char):04X} {char}"
                if name is None:
                    problems.append(f"{where}: not in the font's character map")
                    continue
                if i < len(glyphs) and glyphs[i] != order.index(name):
                    problems.append(f"{where}: glyph {glyphs[i]} in CGTransform, {order.index(name)} in the cmap")
                key = (t["font"], char)
                if key not in seen:
                    seen[key] = drawn(font, char)
                if seen[key] == 0:
                    problems.append(f"{where}: drawn blank")
                elif isinstance(seen[key], str):
                    problems.append(f"{where}: {seen[key]}")
    return problems

data = open(sys.argv[1], "rb").read()
docs = OFDParser(base64.b64encode(data).decode())()
doc = docs[0]
texts = []
for page in sorted(doc["page_info"]):
    for t in doc["page_info"][page]["text_list"]:
        texts.append(t["text"])
print(
    json.dumps(
        {
            "pages": len(doc["page_info"]),
            "page_size": doc["default_page_size"],
            "text": "".join(texts),
            "fonts": sorted(v.get("FontNameORI") for v in doc["fonts"].values()),
            "fonts_embedded": all(v.get("font_b64") for v in doc["fonts"].values()),
            "images": sorted(
                [v.get("format"), bool(v.get("imgb64"))] for v in doc["images"].values()
            ),
            "unrendered": unrendered(doc),
        },
        ensure_ascii=False,
    )
)
