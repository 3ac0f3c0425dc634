"""`imap testlist fix`: the safe fixes, and nothing that could lose or damage a row.

Safe means the row still says what its author meant: a trailing slash on a bare host, trimmed
spaces, the legend's description for a valid code, a code for an unmistakable category name, an ISO
date for an unambiguous one, line breaks in notes turned into spaces, upper-case header names. The
only rows removed are exact copies of an earlier row (after fixing) and blank lines. Rows that
cannot be fixed (wrong column count, unknown category, ambiguous date, ...) are kept verbatim and
reported, and so is a record a stray quote ran on into the next lines (its lines are not joined:
they may be rows). Untouched rows are written back byte for byte, so the diff shows only the fixes.

A file that cannot be read completely (not UTF-8, or CSV the parser rejects) is never rewritten.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from test_lists import csvfile
from test_lists.csvfile import COLUMNS, HEADER, ListFile, Record
from test_lists.dates import read_date
from test_lists.findings import Finding
from test_lists.legend import Legend
from test_lists.rules import is_valid_date
from test_lists.urls import with_trailing_slash

_CONTROL = str.maketrans({"\r": " ", "\n": " ", "\t": " "})


@dataclass(frozen=True)
class Change:
    line: int
    what: str


@dataclass
class FixResult:
    path: str
    text: str | None  # the fixed file; None when the file must not be rewritten
    changed: bool = False
    changes: list[Change] = field(default_factory=list)
    refused: str = ""  # why the file was left alone

    def summary(self) -> str:
        if self.refused:
            return f"{self.path}: not rewritten: {self.refused}"
        return f"{self.path}: {len(self.changes)} fix(es)" if self.changed else f"{self.path}: nothing to fix"


def sort_key(fields: tuple[str, ...]) -> tuple[str, str]:
    """Upstream sorts by the URL without its scheme (``url.split('//')[1]``), which crashes on a URL
    without ``//``; here such URLs sort by their whole text."""
    url = fields[0] if fields else ""
    return (url.split("//", 1)[1] if "//" in url else url, url)


def _fix_fields(fields: tuple[str, ...], legend: Legend, day_first: bool) -> tuple[tuple[str, ...], list[str]]:
    url, code, description, date_added, source, notes = fields
    what = []
    new_url = with_trailing_slash(url.strip())
    if new_url != url:
        what.append(f"URL {url!r} -> {new_url!r}")
    new_code = code.strip()
    if legend.description(new_code) is None and legend.suggest(new_code):
        new_code = legend.suggest(new_code) or new_code
    if new_code != code:
        what.append(f"category code {code!r} -> {new_code!r}")
    expected = legend.description(new_code)
    new_description = expected if expected is not None else description
    if new_description != description:
        what.append(f"description {description!r} -> {new_description!r}")
    new_date = date_added.strip()
    if not is_valid_date(new_date):
        new_date = read_date(new_date, day_first=day_first).iso or new_date
    if new_date != date_added:
        what.append(f"date {date_added!r} -> {new_date!r}")
    new_source = source.translate(_CONTROL).strip()
    if new_source != source:
        what.append(f"source {source!r} -> {new_source!r}")
    new_notes = notes.translate(_CONTROL).strip()
    if new_notes != notes:
        what.append(f"notes {notes!r} -> {new_notes!r}")
    return (new_url, new_code, new_description, new_date, new_source, new_notes), what


def _fix_header(listfile: ListFile, changes: list[Change]) -> tuple[str, list[Record]]:
    """The header line to write and the records that follow it."""
    header, rows = listfile.header, list(listfile.rows)
    if header is None:
        changes.append(Change(1, "added the header row"))
        return ",".join(HEADER), rows
    if header.fields == HEADER:
        return header.raw, rows
    normalized = tuple(f.strip().lstrip("\ufeff").strip().lower() for f in header.fields)
    if normalized == HEADER:
        changes.append(Change(header.line, "normalized the header row"))
        return ",".join(HEADER), rows
    if header.fields and header.fields[0].strip().lower().startswith(("http://", "https://")):
        changes.append(Change(1, "added the missing header row"))
        return ",".join(HEADER), [header, *rows]
    return header.raw, rows  # an unrecognisable header is reported, not guessed at


def fix_listfile(listfile: ListFile, legend: Legend, *, sort: bool = False, day_first: bool = False,
                 original: bytes | None = None) -> FixResult:
    unreadable = [p for p in listfile.problems if p.rule in ("invalid-encoding", "unreadable-csv", "unreadable-file")]
    if unreadable:
        first = unreadable[0]
        return FixResult(listfile.path, None, refused=f"line {first.line}: {first.message}; fix that by hand first")
    changes: list[Change] = []
    header_text, records = _fix_header(listfile, changes)
    out: list[tuple[tuple[str, ...], str]] = []  # (fields, text to write)
    first_line_of: dict[tuple[str, ...], int] = {}
    for record in records:
        if record.is_blank:
            changes.append(Change(record.line, "removed a blank line"))
            continue
        fields = record.fields
        if record.unclosed_quote():  # joining its lines would turn the rows it swallowed into text
            out.append((fields, record.raw))
            continue
        if len(fields) > COLUMNS and not "".join(fields[COLUMNS:]).strip():
            changes.append(Change(record.line, f"removed {len(fields) - COLUMNS} empty trailing field(s)"))
            fields = fields[:COLUMNS]
        if len(fields) != COLUMNS:
            out.append((fields, record.raw))  # cannot tell which field is missing or extra: keep as is
            continue
        fixed, what = _fix_fields(fields, legend, day_first)
        changes += [Change(record.line, w) for w in what]
        if fixed in first_line_of:
            changes.append(Change(record.line, f"removed exact duplicate of line {first_line_of[fixed]}"))
            continue
        first_line_of[fixed] = record.line
        out.append((fixed, record.raw if fixed == record.fields else csvfile.format_row(fixed)))
    if sort:
        ordered = sorted(out, key=lambda item: sort_key(item[0]))
        if ordered != out:
            changes.append(Change(2, "sorted rows by URL without scheme"))
            out = ordered
    text = csvfile.render([header_text] + [line for _, line in out])
    if original is not None:
        if b"\r" in original:
            changes.append(Change(1, "line endings CR/CRLF -> LF"))
        if original and not original.endswith((b"\n", b"\r")):
            changes.append(Change(max(1, listfile.rows[-1].end_line if listfile.rows else 1), "added the final newline"))
        changed = text.encode("utf-8") != original
    else:
        changed = bool(changes)
    return FixResult(listfile.path, text, changed, changes if changed else [])


def fix_file(path: str, legend: Legend, *, sort: bool = False, day_first: bool = False) -> FixResult:
    """Fix one file in memory (the caller decides whether to write ``result.text``)."""
    listfile = csvfile.read(path)
    try:
        with open(path, "rb") as handle:
            original = handle.read()
    except OSError:
        original = None
    return fix_listfile(listfile, legend, sort=sort, day_first=day_first, original=original)


def remaining_errors(result: FixResult, lint: Callable[[ListFile], list[Finding]]) -> list[Finding]:
    """Errors left after fixing, from ``lint(listfile)``: the rows fix could not repair."""
    if result.text is None:
        return []
    return [f for f in lint(csvfile.parse(result.text.encode("utf-8"), result.path)) if f.severity == "error"]
