#!/usr/bin/env python3
"""Makes the fonts Yiyin embeds in its PDF documents, and the list of GB 18030-2022 level-2 characters.

Both fonts are under the SIL Open Font License 1.1 (OFL.txt beside this script):

* NotoSerifCJKsc-Regular-subset.otf — the main font: Noto Serif CJK SC (Debian's fonts-noto-cjk), subset
  to what GB 18030-2022 implementation level 1 asks for (every character of the one- and two-byte areas,
  CJK Unified Ideographs U+4E00–U+9FEF, Extension A U+3400–U+4DBF, the vertical forms U+FE10–U+FE19, the
  radicals), the 196 ideographs of implementation level 2, every supplementary ideograph (Extension B
  and later) the font has — names use them, e.g. 𠮷 U+20BB7 — and every character of Yiyin's own sources.
* Unifont-subset.otf — the fallback: GNU Unifont (Debian's fonts-unifont; dual licence, OFL 1.1 or
  GPL-2+ with the font embedding exception), subset to the characters of that list Noto Serif CJK lacks
  (U+4DB6–U+4DBF and U+9FEB–U+9FEF, added in Unicode 11 and 13, and a few symbols such as ≒).
* gb18030-level2.txt — the 196 level-2 ideographs: the characters of the Table of General Standard
  Chinese Characters (通用规范汉字表, Unihan's kTGH, Debian's unicode-data) outside the BMP ideograph
  blocks, which is exactly what GB 18030-2022 adds at level 2. The tests read it.

The PDF renderer subsets again at render time (krilla), so a document carries only the glyphs it uses.
The output is committed, so building Yiyin needs none of this. Run as root from anywhere (it downloads
the Debian packages with apt-get into a temporary folder; needs `pip install fonttools`):

    python3 crates/yiyin-pdf/fonts/build.py
"""
import bz2
import pathlib
import subprocess
import tempfile
import unicodedata

from fontTools import subset
from fontTools.ttLib import TTCollection, TTFont

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parent.parent.parent
MAIN_OUT = HERE / "NotoSerifCJKsc-Regular-subset.otf"
FALLBACK_OUT = HERE / "Unifont-subset.otf"
LEVEL2_OUT = HERE / "gb18030-level2.txt"


def debian_packages(work: pathlib.Path) -> pathlib.Path:
    """Downloads and unpacks fonts-noto-cjk, fonts-unifont and unicode-data; returns the unpacked root."""
    root = work / "root"
    subprocess.run(
        ["apt-get", "download", "fonts-noto-cjk", "fonts-unifont", "unicode-data"],
        cwd=work,
        check=True,
    )
    for deb in sorted(work.glob("*.deb")):
        print(f"using {deb.name}")
        subprocess.run(["dpkg-deb", "-x", str(deb), str(root)], check=True)
    return root


def level2(root: pathlib.Path) -> list[int]:
    """The 196 GB 18030-2022 level-2 ideographs: kTGH characters outside U+3400–4DBF and U+4E00–9FFF."""
    text = bz2.open(root / "usr/share/unicode/Unihan_OtherMappings.txt.bz2", "rt", encoding="utf-8").read()
    chars = []
    for line in text.splitlines():
        parts = line.split("\t")
        if len(parts) >= 2 and parts[0].startswith("U+") and parts[1] == "kTGH":
            c = int(parts[0][2:], 16)
            if not (0x3400 <= c <= 0x4DBF or 0x4E00 <= c <= 0x9FFF):
                chars.append(c)
    assert len(chars) == 196, len(chars)
    return sorted(chars)


def level1() -> set[int]:
    """GB 18030-2022 implementation level 1, without the private use area."""
    chars = set(range(0x20, 0x7F))
    trail = list(range(0x40, 0x7F)) + list(range(0x80, 0xFF))
    for lead in range(0x81, 0xFF):
        for t in trail:
            try:
                c = ord(bytes([lead, t]).decode("gb18030"))
            except UnicodeDecodeError:
                continue
            if not 0xE000 <= c <= 0xF8FF:
                chars.add(c)
    chars.update(range(0x3400, 0x4DC0))  # Extension A, including the Unicode 13 additions
    chars.update(range(0x4E00, 0x9FF0))  # the URO, up to U+9FEF
    chars.update(range(0xFE10, 0xFE1A))  # vertical forms (PUA in GB 18030-2005)
    # The radicals supplement, the Kangxi radicals and the CJK strokes, where assigned.
    for c in [*range(0x2E80, 0x2FE0), *range(0x31C0, 0x31F0)]:
        if unicodedata.category(chr(c)) != "Cn":
            chars.add(c)
    return chars


def own_sources() -> set[int]:
    """Every non-ASCII character of Yiyin's sources (templates, demo data, code)."""
    chars = set()
    for path in ROOT.rglob("*"):
        if (
            path.suffix in {".rs", ".html", ".toml", ".md", ".json", ".txt"}
            and "target" not in path.parts
            and ".git" not in path.parts
            and path.is_file()
        ):
            chars.update(ord(ch) for ch in path.read_text(encoding="utf-8", errors="ignore") if ord(ch) > 0x7F)
    return chars


def subset_font(font: TTFont, chars: set[int], out: pathlib.Path) -> None:
    options = subset.Options()
    options.layout_features = ["kern", "palt", "halt"]
    options.hinting = False
    options.desubroutinize = False
    options.name_IDs = ["*"]
    options.notdef_outline = True
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=sorted(chars))
    subsetter.subset(font)
    font.save(out)
    print(f"{out.name}: {len(font.getBestCmap())} characters, {out.stat().st_size} bytes")


def top_level_font_matrix(path: pathlib.Path) -> None:
    """Moves a one-font-dict CID font's FontMatrix (Unifont's 1/64: 64 units per em) from its font dict
    to its top dict. Subsetters that rewrite CFF (krilla's, Yiyin's OFD writer's) otherwise write the
    top dict's default 1/1000 and the font dict's matrix times 1000, which FreeType (and so the PDF and
    OFD readers built on it) fails to draw ("raster overflow")."""
    font = TTFont(path)
    top = font["CFF "].cff.topDictIndex[0]
    fds = top.FDArray
    if len(fds) == 1 and getattr(fds[0], "FontMatrix", None) and "FontMatrix" not in top.rawDict:
        top.FontMatrix = fds[0].FontMatrix
        fds[0].FontMatrix = [1, 0, 0, 1, 0, 0]
        font.save(path)


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = debian_packages(pathlib.Path(tmp))
        l2 = level2(root)
        LEVEL2_OUT.write_text(
            "# GB 18030-2022 implementation level 2: the 196 ideographs it adds (made by build.py).\n"
            + "".join(chr(c) for c in l2)
            + "\n",
            encoding="utf-8",
        )
        noto = TTCollection(root / "usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc").fonts[2]
        assert noto["name"].getDebugName(4) == "Noto Serif CJK SC"
        noto_cmap = noto.getBestCmap()
        supplementary = {c for c in noto_cmap if 0x20000 <= c <= 0x3FFFF}
        wanted = level1() | set(l2) | supplementary | own_sources()
        # Only what is really meant to be printed: no controls, no private use area.
        wanted = {c for c in wanted if c >= 0x20 and not 0x7F <= c <= 0x9F and not 0xE000 <= c <= 0xF8FF}
        missing = set(l2) - set(noto_cmap)
        assert not missing, f"Noto Serif CJK SC lacks level-2 characters: {sorted(missing)}"
        subset_font(noto, wanted & set(noto_cmap), MAIN_OUT)

        unifont = TTFont(root / "usr/share/fonts/opentype/unifont/unifont.otf")
        rest = wanted - set(noto_cmap)
        lacking = rest - set(unifont.getBestCmap())
        print("in neither font:", " ".join(f"U+{c:04X}" for c in sorted(lacking)) or "none")
        subset_font(unifont, rest & set(unifont.getBestCmap()), FALLBACK_OUT)
        top_level_font_matrix(FALLBACK_OUT)


if __name__ == "__main__":
    main()
