#!/usr/bin/env python3
"""Fill empty msgstr entries of a .po file from a JSON glossary {chinese: english}.

usage: bin/fill_po.py GLOSSARY.json FILE.po [FILE.po ...]
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

ENTRY = re.compile(r'(msgid "(?P<id>(?:[^"\\]|\\.)*)"\n)(msgstr "")\n', re.M)


def fill(po: Path, glossary: dict[str, str]) -> int:
    text = po.read_text(encoding="utf-8")
    count = 0

    def repl(match: re.Match[str]) -> str:
        nonlocal count
        source = match.group("id")
        if source and source in glossary:
            count += 1
            english = glossary[source].replace('"', '\\"')
            return f'{match.group(1)}msgstr "{english}"\n'
        return match.group(0)

    text = ENTRY.sub(repl, text)
    text = text.replace("#, fuzzy\n", "", 1) if text.startswith("# SOME DESCRIPTIVE") else text
    po.write_text(text, encoding="utf-8")
    return count


def main() -> None:
    glossary = json.loads(Path(sys.argv[1]).read_text(encoding="utf-8"))
    for name in sys.argv[2:]:
        print(name, fill(Path(name), glossary))


if __name__ == "__main__":
    main()
