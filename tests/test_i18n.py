"""The French catalogue is complete: every user-facing string of the code and templates has a
French translation (none missing, none fuzzy), and the catalogue compiles."""

import os
import re
import shutil
import subprocess
import sys

import pytest

from tests.conftest import ROOT

PO = ROOT / "locale" / "fr" / "LC_MESSAGES" / "django.po"
IGNORE = [".venv", "node_modules", "tests", "bench", "media", "var", "staticfiles"]


def _entries(text):
    """``[(flags, msgid, msgstrs)]`` of a .po text (header excluded)."""
    entries = []
    for block in text.split("\n\n"):
        lines = block.strip().splitlines()
        flags = " ".join(line for line in lines if line.startswith("#,"))
        msgid, msgstrs, current = [], [], None
        for line in lines:
            if line.startswith("msgid "):
                current = msgid
            elif line.startswith("msgid_plural"):
                current = None
            elif line.startswith("msgstr"):
                msgstrs.append([])
                current = msgstrs[-1]
            if current is not None and '"' in line and not line.startswith("#"):
                current.append(line[line.index('"') + 1 : line.rindex('"')])
        msgid_text = "".join(msgid)
        if lines and msgid_text:
            entries.append((flags, msgid_text, ["".join(s) for s in msgstrs]))
    return entries


def _problems(text):
    return [
        msgid
        for flags, msgid, msgstrs in _entries(text)
        if "fuzzy" in flags or not msgstrs or any(not s for s in msgstrs)
    ]


def test_committed_french_catalogue_has_no_missing_or_fuzzy_translation():
    problems = _problems(PO.read_text(encoding="utf-8"))
    assert problems == [], f"{len(problems)} untranslated or fuzzy msgids, e.g. {problems[:5]}"


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="gettext tools (xgettext) not installed")
def test_catalogue_covers_every_string_of_the_code(tmp_path):
    """Re-extract the strings into a copy of the catalogue: nothing new may appear untranslated."""
    # makemessages writes into every locale folder it finds, so it runs on a copy of the sources.
    src = tmp_path / "src"
    shutil.copytree(ROOT, src, ignore=shutil.ignore_patterns(*IGNORE, ".git", "__pycache__", "*.sqlite3"))
    env = {
        **os.environ,
        "DJANGO_LOCALE_PATHS": str(src / "locale"),
        "DJANGO_SETTINGS_MODULE": "cso_recruit.settings",
    }
    env.pop("DATABASE_URL", None)
    args = [sys.executable, "manage.py", "makemessages", "-l", "fr", "--no-obsolete", "-v", "0"]
    subprocess.run(args, cwd=src, env=env, check=True, timeout=120)
    extracted = (src / "locale" / "fr" / "LC_MESSAGES" / "django.po").read_text(encoding="utf-8")
    problems = _problems(extracted)
    assert problems == [], f"strings missing from the French catalogue: {problems[:10]}"


@pytest.mark.skipif(shutil.which("msgfmt") is None, reason="gettext tools (msgfmt) not installed")
def test_catalogue_compiles_with_matching_placeholders():
    result = subprocess.run(["msgfmt", "--check", "-o", os.devnull, str(PO)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_french_typography_uses_curly_apostrophes():
    straight = [
        msgid
        for _flags, msgid, msgstrs in _entries(PO.read_text(encoding="utf-8"))
        if any(re.search(r"[A-Za-zÀ-ÿ]'[A-Za-zÀ-ÿ]", s) for s in msgstrs)
    ]
    assert straight == []
