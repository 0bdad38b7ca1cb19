"""Every msgid in every English catalogue has a translation (and none is fuzzy): the apps' catalogues
(``src/fangkong/<app>/locale/en/LC_MESSAGES/django.po``) and the project's (``src/fangkong/locale``, for
core, the API and the shared templates). Run ``make messages`` after adding strings, then translate."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

import fangkong

ROOT = Path(fangkong.__file__).parent
CATALOGUES = sorted(ROOT.glob("**/locale/en/LC_MESSAGES/django.po"))


def entries(po: Path) -> list[dict[str, object]]:
    """The entries of a .po file: msgid, msgid_plural, msgstr / msgstr[n], fuzzy flag, source line."""
    found: list[dict[str, object]] = []
    entry: dict[str, object] = {}
    key = ""
    for number, line in enumerate(po.read_text(encoding="utf-8").splitlines(), 1):
        line = line.strip()
        if not line:
            if entry:
                found.append(entry)
            entry, key = {}, ""
            continue
        if line.startswith("#,"):
            entry["fuzzy"] = "fuzzy" in line
            continue
        if line.startswith("#"):
            continue
        match = re.match(r'^(msgctxt|msgid_plural|msgid|msgstr(?:\[\d+\])?)\s+(".*")$', line)
        if match:
            key = match.group(1)
            entry.setdefault("line", number)
            entry[key] = ast.literal_eval(match.group(2))
        elif line.startswith('"') and key:
            entry[key] = str(entry[key]) + ast.literal_eval(line)
    if entry:
        found.append(entry)
    return [e for e in found if e.get("msgid")]  # the header has an empty msgid


def test_every_catalogue_is_found():
    apps = {p.relative_to(ROOT).parts[0] for p in CATALOGUES}
    assert {"locale", "masks", "pairing", "registry", "returnees"} <= apps


@pytest.mark.parametrize("po", CATALOGUES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_msgid_has_an_english_translation(po):
    missing = []
    for e in entries(po):
        strings = [v for k, v in e.items() if str(k).startswith("msgstr")]
        if e.get("fuzzy") or not strings or not all(strings):
            missing.append(f"{po.name}:{e['line']} {e['msgid']!r}")
    assert not missing, f"{len(missing)} untranslated in {po.relative_to(ROOT)}:\n" + "\n".join(missing[:50])
