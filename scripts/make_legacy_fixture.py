"""Regenerate tests/fixtures/legacy/letters.tsv: every Vietnamese vowel letter (and đ) in three legacy
encodings, as produced by tools independent of publish.

- TCVN3 and VISCII bytes come from GNU libc's iconv (``iconv -t TCVN5712-1`` / ``-t VISCII``).
- VNI-Windows spellings come from the npm package vietnamese-conversion 2.0.0 (MIT), run with Node.js:
  ``npm install vietnamese-conversion@2.0.0`` in a scratch folder, then pass it as NODE_PATH.
  That package spells ỷ/Ỷ as ë/Ë and ỹ/Ỹ as ì/Ì, codes VNI already gives to ặ's mark and to ì: two
  letters cannot share a code, and VNI's scheme (and xvnkb's vni.h table) write them yû/YÛ and yõ/YÕ,
  so those four are corrected below and marked in the file.

Usage: NODE_PATH=/tmp/scratch/node_modules python scripts/make_legacy_fixture.py
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from publish.text.legacy import VIETNAMESE_LETTERS

OUT = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "legacy" / "letters.tsv"


def iconv(letter: str, encoding: str) -> str:
    done = subprocess.run(["iconv", "-f", "UTF-8", "-t", encoding], input=letter.encode(), capture_output=True)
    return done.stdout.hex() if done.returncode == 0 else "-"


def vni(letters: list[str]) -> list[str]:
    script = ("const { toVNI } = require('vietnamese-conversion');"
              "const letters = JSON.parse(process.argv[1]);"
              "const hex = l => Buffer.from(toVNI(l, 'unicode'), 'latin1').toString('hex');"
              "console.log(JSON.stringify(letters.map(hex)));")
    done = subprocess.run(["node", "-e", script, json.dumps(letters)], capture_output=True, check=True, text=True)
    return list(json.loads(done.stdout))


# The package's four collisions (see the docstring), replaced by the spellings of VNI's own scheme.
VNI_CORRECTIONS = {"ỷ": "yû", "Ỷ": "YÛ", "ỹ": "yõ", "Ỹ": "YÕ"}


def main() -> None:
    letters = [ch for lower in VIETNAMESE_LETTERS for ch in (lower, lower.upper())]
    rows = ["# letter\ttcvn3 (glibc iconv TCVN5712-1)\tviscii (glibc iconv VISCII)"
            "\tvni-windows (npm vietnamese-conversion 2.0.0)"]
    for letter, vni_hex in zip(letters, vni(letters), strict=True):
        if letter in VNI_CORRECTIONS:
            vni_hex = VNI_CORRECTIONS[letter].encode("cp1252").hex() + " (corrected)"
        rows.append(f"{letter}\t{iconv(letter, 'TCVN5712-1')}\t{iconv(letter, 'VISCII')}\t{vni_hex}")
    OUT.write_text("\n".join(rows) + "\n", encoding="utf-8")
    print(f"wrote {len(letters)} letters to {OUT}")


if __name__ == "__main__":
    main()
