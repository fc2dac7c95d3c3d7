#!/usr/bin/env python3
"""Makes the CJK font Yiyin embeds in its PDF documents: Noto Serif CJK SC (SIL Open Font License 1.1),
subset to GB 2312 (6,763 characters), ASCII, CJK punctuation and every character used in Yiyin's own
sources (templates, demo data, code). Run from the repository root; needs fontTools and Debian's
fonts-noto-cjk. The output is committed, so building Yiyin needs neither.

    python3 scripts/make-font-subset.py
"""
import pathlib
from fontTools import subset
from fontTools.ttLib import TTCollection

ROOT = pathlib.Path(__file__).resolve().parent.parent
SOURCE = "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc"
OUT = ROOT / "crates/yiyin-pdf/fonts/NotoSerifCJKsc-Regular-subset.otf"

chars = set(chr(c) for c in range(0x20, 0x7F))
# GB 2312: rows 0xA1-0xF7, columns 0xA1-0xFE.
for hi in range(0xA1, 0xF8):
    for lo in range(0xA1, 0xFF):
        try:
            chars.add(bytes([hi, lo]).decode("gb2312"))
        except UnicodeDecodeError:
            pass
chars.update("〔〕【】《》「」『』（）：；，。、？！…—·“”‘’％＋－＝×÷①②③④⑤⑥⑦⑧⑨⑩")
for path in ROOT.rglob("*"):
    if path.suffix in {".rs", ".html", ".toml", ".md", ".json"} and "target" not in path.parts and path.is_file():
        chars.update(ch for ch in path.read_text(encoding="utf-8", errors="ignore") if ord(ch) > 0x2E7F)

font = TTCollection(SOURCE).fonts[2]  # Noto Serif CJK SC
options = subset.Options()
options.layout_features = ["kern", "palt", "halt"]
options.hinting = False
options.desubroutinize = False
options.name_IDs = ["*"]
options.notdef_outline = True
subsetter = subset.Subsetter(options)
subsetter.populate(text="".join(sorted(chars)))
subsetter.subset(font)
font.save(OUT)
print(f"{OUT}: {len(chars)} characters, {OUT.stat().st_size} bytes")
