"""Set English translations in locale/en/LC_MESSAGES/django.po and clear their fuzzy flags.

Usage: python scripts/po_set.py 'msgid=>msgstr' ...   (single-line msgids only)
"""

import re
import sys
from pathlib import Path

PO = Path(__file__).resolve().parents[1] / "locale" / "en" / "LC_MESSAGES" / "django.po"


def escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')


def main(pairs: list[str]) -> None:
    blocks = PO.read_text(encoding="utf-8").split("\n\n")
    wanted = dict(pair.split("=>", 1) for pair in pairs)
    done = set()
    for index, block in enumerate(blocks):
        match = re.search(r'^msgid "(.*)"$', block, re.M)
        if not match or match.group(1) not in {escape(k) for k in wanted}:
            continue
        key = next(k for k in wanted if escape(k) == match.group(1))
        lines = [line for line in block.split("\n") if not line.startswith("#|")]
        lines = [line.replace(", fuzzy", "") if line.startswith("#,") else line for line in lines]
        lines = [line for line in lines if line.strip() != "#,"]
        cut = next(i for i, line in enumerate(lines) if line.startswith("msgstr"))
        lines = lines[:cut] + [f'msgstr "{escape(wanted[key])}"']
        blocks[index] = "\n".join(lines)
        done.add(key)
    PO.write_text("\n\n".join(blocks), encoding="utf-8")
    missing = set(wanted) - done
    if missing:
        sys.exit(f"not found: {sorted(missing)}")


if __name__ == "__main__":
    main(sys.argv[1:])
