"""Reads an OFD file with easyofd (PyPI), an OFD parser independent of Yiyin, and prints what it
found as JSON: the pages, the text of every text object in order, the fonts and the images.

Usage: python3 easyofd_check.py FILE.ofd
"""
import base64
import json
import sys
import warnings

warnings.filterwarnings("ignore")
from loguru import logger  # noqa: E402  (easyofd logs through loguru; keep stdout for the JSON)

logger.remove()
from easyofd.parser_ofd import OFDParser  # noqa: E402

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
        },
        ensure_ascii=False,
    )
)
