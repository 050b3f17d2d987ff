"""The zh-Hans catalogue is complete and current, so every feature ships in both languages.

Three guards: every message is translated and none is fuzzy; the translations keep the placeholders of
their originals; and the catalogue holds exactly the messages the code and templates use now (a fresh
`makemessages` run in a temporary copy of the source finds nothing new and nothing gone). When the last
one fails, run `make messages`, translate what it added, and commit the catalogue.
"""

from __future__ import annotations

import ast
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

CATALOGUE = Path(settings.BASE_DIR) / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
# What `make messages` leaves out of the extraction (keep the two lists in step), plus what is no source.
NOT_EXTRACTED = {".venv", "var", "bench", "tests", "locale", "test-artifacts", "node_modules"}
PLACEHOLDER = re.compile(r"%\((\w+)\)[#0 +-]*\d*(?:\.\d+)?[sdfir]|\{(\w*)\}")


@dataclass
class Entry:
    msgid: str = ""
    msgctxt: str | None = None
    msgid_plural: str | None = None
    msgstr: list[str] = field(default_factory=list)
    flags: set[str] = field(default_factory=set)
    line: int = 0

    @property
    def key(self) -> tuple[str | None, str, str | None]:
        return (self.msgctxt, self.msgid, self.msgid_plural)

    def __str__(self) -> str:
        if not self.msgid:
            return f"line {self.line}: the header"
        context = f" [{self.msgctxt}]" if self.msgctxt else ""
        return f"line {self.line}: {self.msgid!r}{context}"


def read_catalogue(path: Path) -> list[Entry]:
    """Every live entry of a .po/.pot file, the header included (its msgid is ""); obsolete ones left out."""
    entries: list[Entry] = []
    entry = Entry()
    target: tuple[str, int | None] | None = None

    def finish() -> None:
        nonlocal entry, target
        if target is not None:
            entries.append(entry)
        entry, target = Entry(), None

    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line:
            finish()
        elif line.startswith("#~"):
            continue  # obsolete: makemessages keeps them for reference only
        elif line.startswith("#,"):
            entry.flags.update(flag.strip() for flag in line[2:].split(","))
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            assert target is not None, f"{path}:{number}: a string continues nothing"
            _append(entry, target, _unquote(line))
        else:
            keyword, _space, rest = line.partition(" ")
            if keyword == "msgid" and target is not None and target[0] != "msgctxt":
                finish()
            entry.line = entry.line or number
            index = None
            if keyword.startswith("msgstr["):
                index = int(keyword[7:-1])
                keyword = "msgstr"
            target = (keyword, index)
            if keyword == "msgstr":
                entry.msgstr.append("")
            _append(entry, target, _unquote(rest))
    finish()
    return entries


def _unquote(text: str) -> str:
    value = ast.literal_eval(text)
    assert isinstance(value, str)
    return value


def _append(entry: Entry, target: tuple[str, int | None], text: str) -> None:
    keyword, _index = target
    if keyword == "msgstr":
        entry.msgstr[-1] += text
    elif keyword == "msgctxt":
        entry.msgctxt = (entry.msgctxt or "") + text
    elif keyword == "msgid_plural":
        entry.msgid_plural = (entry.msgid_plural or "") + text
    else:
        entry.msgid += text


def messages(entries: list[Entry]) -> list[Entry]:
    return [entry for entry in entries if entry.msgid]


def header(entries: list[Entry]) -> Entry:
    return next(entry for entry in entries if not entry.msgid)


def report(problem: str, entries: list[Entry], where: str = "") -> str:
    where = where or str(CATALOGUE.relative_to(settings.BASE_DIR))
    shown = "\n".join(f"  {entry}" for entry in entries[:25])
    more = f"\n  … and {len(entries) - 25} more" if len(entries) > 25 else ""
    return f"{len(entries)} {problem} ({where}):\n{shown}{more}"


@pytest.fixture(scope="module")
def catalogue() -> list[Entry]:
    return read_catalogue(CATALOGUE)


def test_every_message_is_translated(catalogue: list[Entry]) -> None:
    untranslated = [entry for entry in messages(catalogue) if not all(entry.msgstr)]

    assert not untranslated, report("untranslated messages", untranslated)


def test_no_entry_is_fuzzy(catalogue: list[Entry]) -> None:
    # The header counts too: a fuzzy header is how a catalogue looks before anyone has reviewed it.
    fuzzy = [entry for entry in catalogue if "fuzzy" in entry.flags]

    assert not fuzzy, report("fuzzy entries (check them, then remove the flag)", fuzzy)


def test_the_header_declares_chinese_plural_rules(catalogue: list[Entry]) -> None:
    text = header(catalogue).msgstr[0]

    assert "Plural-Forms: nplurals=1; plural=0;" in text
    assert "Content-Type: text/plain; charset=UTF-8" in text


def test_translations_keep_every_placeholder(catalogue: list[Entry]) -> None:
    broken = []
    for entry in messages(catalogue):
        if "python-format" not in entry.flags and "python-brace-format" not in entry.flags:
            continue
        wanted = {match.group(0) for match in PLACEHOLDER.finditer(entry.msgid)}
        if entry.msgid_plural:
            wanted |= {match.group(0) for match in PLACEHOLDER.finditer(entry.msgid_plural)}
        for translation in filter(None, entry.msgstr):
            found = {match.group(0) for match in PLACEHOLDER.finditer(translation)}
            # A plural's singular may leave out the count ("one vector"), but nothing may be invented.
            if found - wanted or (not entry.msgid_plural and found != wanted):
                broken.append(entry)
                break

    assert not broken, report("translations whose placeholders differ from the original", broken)


def extract_messages(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[Entry]:
    """Runs makemessages the way `make messages` does, on a copy of the source, and reads the result."""
    source = Path(settings.BASE_DIR)
    copy = tmp_path / "source"
    copy.mkdir()
    for item in source.iterdir():
        if item.name in NOT_EXTRACTED or item.name.startswith("."):
            continue
        if item.is_dir():
            shutil.copytree(item, copy / item.name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            shutil.copy2(item, copy / item.name)
    (copy / "locale").mkdir()
    monkeypatch.chdir(copy)
    monkeypatch.setattr(settings, "LOCALE_PATHS", [copy / "locale"])
    call_command("makemessages", locale=["zh_Hans"], keep_pot=True, verbosity=0)
    return read_catalogue(copy / "locale" / "django.pot")


def test_catalogue_holds_exactly_the_messages_in_the_code(
    catalogue: list[Entry], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    extracted = {entry.key: entry for entry in messages(extract_messages(tmp_path, monkeypatch))}
    committed = {entry.key: entry for entry in messages(catalogue)}

    missing = [entry for key, entry in extracted.items() if key not in committed]
    gone = [entry for key, entry in committed.items() if key not in extracted]

    problems = []
    if missing:
        problems.append(report("messages in the code but not in the catalogue", missing, "fresh extraction"))
    if gone:
        problems.append(report("messages in the catalogue that the code no longer uses", gone))
    assert not problems, "Run `make messages` and translate.\n" + "\n".join(problems)


def test_the_suite_reads_a_compiled_catalogue_as_new_as_its_source() -> None:
    # tests/conftest.py compiles it at the start of the session (the .mo files are not committed).
    compiled = CATALOGUE.with_suffix(".mo")

    assert compiled.exists()
    assert compiled.stat().st_mtime >= CATALOGUE.stat().st_mtime
