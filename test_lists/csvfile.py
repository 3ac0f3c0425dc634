"""Reading and writing Citizen Lab list files without ever losing or mangling a record.

Reading never raises on bad content: undecodable bytes, CSV the parser rejects and missing headers
become findings, and every record keeps its raw text and physical line numbers so that rewriting a
file (fix, add, export) reproduces untouched records byte for byte and keeps diffs small.

Parsing follows upstream's lint: Python's csv module with its default dialect (`"` quoting) over
text read in universal-newlines mode (CRLF and CR count as LF).
"""

from __future__ import annotations

import csv
import io
import os
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from test_lists.findings import Finding

HEADER = ("url", "category_code", "category_description", "date_added", "source", "notes")
COLUMNS = len(HEADER)


@dataclass(frozen=True)
class Record:
    line: int  # first physical line of the record
    end_line: int  # last physical line (a quoted field may span lines)
    fields: tuple[str, ...]
    raw: str  # the record's text as it stood in the file, without the final newline

    @property
    def is_blank(self) -> bool:
        return not self.fields

    @property
    def url(self) -> str:
        return self.fields[0] if self.fields else ""

    def unclosed_quote(self) -> list[int]:
        """The lines a quote left open on this record's first line swallowed, or [] if none did.

        A record only goes on past its first line when a ``"`` opened there is still open at the end
        of it. That is how a note with a line break is stored, so it counts as a stray quote only
        when the record came out short of fields (the quote took in the commas), or when a swallowed
        line reads as a row of its own (six fields or more, starting with http): an entry that would
        vanish.
        """
        if self.end_line == self.line:
            return []
        swallowed = list(range(self.line + 1, self.end_line + 1))
        if len(self.fields) < COLUMNS or any(_looks_like_row(text) for text in self.raw.split("\n")[1:]):
            return swallowed
        return []

    def quote_never_closed(self) -> bool:
        """Whether a quote in this record is still open at its end (then it runs to the end of the file)."""
        try:
            list(csv.reader(io.StringIO(self.raw + "\n"), strict=True))
        except csv.Error:
            return True
        return False


@dataclass
class ListFile:
    path: str
    header: Record | None
    rows: list[Record]  # every record after the header, blank ones included
    problems: list[Finding] = field(default_factory=list)  # could not read cleanly
    decoded_cleanly: bool = True

    @property
    def has_canonical_header(self) -> bool:
        return self.header is not None and self.header.fields == HEADER

    def data_rows(self) -> list[Record]:
        """Records with exactly six fields: the rows the effective list can use."""
        return [row for row in self.rows if len(row.fields) == COLUMNS]


def decode(data: bytes, path: str) -> tuple[str, list[Finding]]:
    """UTF-8 text in universal-newlines form; undecodable bytes are replaced and reported by line."""
    problems: list[Finding] = []
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        problems.append(
            Finding(path, line, "invalid-encoding", "error", "not valid UTF-8 (upstream's lint crashes on it)",
                    data[exc.start:exc.start + 8].hex(" "), "save the file as UTF-8")
        )
        text = data.decode("utf-8", errors="replace")
    return text.replace("\r\n", "\n").replace("\r", "\n"), problems


def parse(data: bytes, path: str) -> ListFile:
    text, problems = decode(data, path)
    decoded_cleanly = not problems
    lines = text.split("\n")
    reader = csv.reader(io.StringIO(text))
    records: list[Record] = []
    start = 1
    while True:
        try:
            fields = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            problems.append(Finding(path, start, "unreadable-csv", "error", f"CSV parser failed: {exc}",
                                    _clip("\n".join(lines[start - 1:reader.line_num]))))
            start = reader.line_num + 1
            continue
        end = max(reader.line_num, start)
        records.append(Record(start, end, tuple(fields), "\n".join(lines[start - 1:end])))
        start = end + 1
    listfile = ListFile(path, records[0] if records else None, records[1:], problems, decoded_cleanly)
    if not records:
        listfile.problems.append(Finding(path, 1, "empty-file", "error",
                                         "empty file: a list needs at least the header row", "",
                                         "start the file with: " + ",".join(HEADER)))
    return listfile


def read(path: Path | str) -> ListFile:
    """Parse a list file; an unreadable path is a finding, not an exception."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        return ListFile(str(path), None, [], [Finding(str(path), 0, "unreadable-file", "error",
                                                      f"cannot read: {exc.strerror or exc}")],
                        decoded_cleanly=False)
    return parse(data, str(path))


def _looks_like_row(text: str) -> bool:
    try:
        fields = next(csv.reader([text]), [])
    except csv.Error:
        return False
    return len(fields) >= COLUMNS and fields[0].strip().lower().startswith(("http://", "https://"))


def _clip(text: str, limit: int = 120) -> str:
    return text if len(text) <= limit else text[:limit] + "..."


def format_row(fields: Sequence[str]) -> str:
    """One record as upstream writes it: minimal `"` quoting, no line terminator."""
    buffer = io.StringIO()
    csv.writer(buffer, quoting=csv.QUOTE_MINIMAL, lineterminator="\n").writerow(fields)
    return buffer.getvalue()[:-1]


def render(lines: Iterable[str]) -> str:
    """Records (raw or formatted) joined as upstream stores them: LF endings, final newline."""
    return "".join(line + "\n" for line in lines)


def write_atomic(path: Path | str, text: str) -> None:
    """Replace ``path`` with ``text`` in one step: readers see the old file or the new, never half."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as out:
            out.write(text)
        # mkstemp makes the file private; keep the old file's mode, or the usual rw-r--r--.
        os.chmod(tmp, path.stat().st_mode & 0o777 if path.exists() else 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
