"""The rules upstream CI enforces, reproduced exactly: a file with no error here passes upstream.

Source: citizenlab/test-lists, `src/test_lists/lint_lists.py` (run by `.github/workflows/
check-all-lists.yml` through hatch) and its predecessor `scripts/lint-lists.py`. The URL regex, the
forbidden characters, the date test and the notes-JSON rule are upstream's own, character for
character. Upstream's bugs are deliberately not reproduced:

- it crashes (so CI fails) on an empty file, a header-only file, undecodable bytes, and an unknown
  category code on the first row; here those are reported, and a header-only list is valid;
- after an unknown category code it compares the description with the *previous* row's; here an
  unknown code is one error and the description is not compared;
- it stops checking a duplicate row after the duplicate error; here every field is still checked;
- it numbers lines by record (wrong after a multi-line quoted field) and puts header errors on line
  0; here lines are physical, 1-based.

One deliberate difference in reading: the newest lint source we could inspect parses with
`quotechar="'"`, but upstream's own files at commit 7f01e430 (2026-06-30) are `"`-quoted (27 rows of
kh.csv and global.csv only parse with `"`) and CI reports them clean, so upstream has gone back to
the csv module's default dialect. imap reads the default dialect.
"""

from __future__ import annotations

import datetime
import json
import os
import re
from urllib.parse import urlparse

from test_lists.csvfile import COLUMNS, HEADER, ListFile, Record
from test_lists.dates import ISO_FORM, why_not_a_date
from test_lists.findings import Finding
from test_lists.legend import Legend

VALID_URL = re.compile(
    r"^(?:http)s?://"  # http:// or https://
    r"(?:(?:[A-Z0-9](?:[A-Z0-9-]{0,61}[A-Z0-9])?\.)+(?:[A-Z]{2,6}\.?|[A-Z0-9-]{2,}\.?)|"  # domain...
    r"\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3})"  # ...or ip
    r"(?::\d+)?"  # optional port
    r"(?:/?|[/?]\S+)$",
    re.IGNORECASE,
)
BAD_CHARS = ("\r", "\n", "\t", "\\")
VALID_NOTES_JSON_KEYS = ("notes",)
GLOBAL_LIST_NAME = "global.csv"

NO_MATCH, BAD_URL_CHARS, EXTRA_SPACES, NO_SLASH = "No match", "Bad chars", "Extra spaces at ends", "No trailing slash"


def url_problem(url: str) -> str | None:
    """Upstream's ``check(url)``: the first reason the URL is rejected, in upstream's order."""
    if not VALID_URL.match(url):
        return NO_MATCH
    if any(c in url for c in BAD_CHARS):
        return BAD_URL_CHARS
    if url != url.strip():
        return EXTRA_SPACES
    try:
        path = urlparse(url).path
    except ValueError:  # upstream would crash here, which fails CI just the same
        return NO_MATCH
    return NO_SLASH if path == "" else None


def is_valid_date(value: str) -> bool:
    """Strictly YYYY-MM-DD and a real date (upstream: strptime, then isoformat round trip)."""
    try:
        return datetime.datetime.strptime(value, "%Y-%m-%d").date().isoformat() == value
    except (ValueError, TypeError, OverflowError):
        return False


def notes_problem(notes: str) -> str | None:
    """Notes starting with ``{`` must be a JSON object whose only key is ``notes``."""
    if not notes.startswith("{"):
        return None
    try:
        value = json.loads(notes)
    except (ValueError, RecursionError):
        return "notes start with '{' but are not valid JSON"
    keys = [key for key in value if key not in VALID_NOTES_JSON_KEYS] if isinstance(value, dict) else ["?"]
    return f"invalid notes key {keys[0]}" if keys else None


def global_urls(global_list: ListFile) -> set[str]:
    """URLs of global.csv as upstream collects them: every record after the first with six fields."""
    return {row.fields[0] for row in global_list.rows if len(row.fields) == COLUMNS}


def _url_hint(detail: str) -> str:
    return {
        NO_SLASH: "add '/' after the host (imap testlist fix does it)",
        EXTRA_SPACES: "remove the spaces around the URL (imap testlist fix does it)",
        BAD_URL_CHARS: "remove tabs, line breaks and backslashes from the URL",
        NO_MATCH: "http:// or https://, an ASCII host (punycode xn--... for international names) "
                  "or IPv4 address, optional :port, then the path",
    }[detail]


def _date_hint(value: str) -> str:
    reason = why_not_a_date(value)
    if reason is None:
        return "dates are YYYY-MM-DD"
    if ISO_FORM.fullmatch(value):
        return f"{value} is not a real date ({reason})"
    return f"{value.strip()} is not a real date ({reason}); dates are written YYYY-MM-DD"


def check_header(listfile: ListFile) -> list[Finding]:
    header = listfile.header
    if header is None or header.fields == HEADER:
        return []
    return [Finding(listfile.path, header.line, "invalid-header", "error", "Invalid Header", header.raw[:200],
                    "the first line must be exactly: " + ",".join(HEADER))]


def check_row(path: str, row: Record, legend: Legend, global_list_urls: set[str],
              seen: dict[str, int]) -> list[Finding]:
    """Upstream's per-row checks; ``seen`` maps URLs already in this file to their line."""
    line = row.line

    def error(rule: str, message: str, value: str, hint: str = "") -> Finding:
        return Finding(path, line, rule, "error", message, value, hint)

    found = []
    swallowed = row.unclosed_quote()
    if swallowed:
        # Upstream reports this record as one row (usually Invalid Column Number) and never sees the
        # rows the quote swallowed; say where the quote is, and which lines went missing.
        lines = f"line {swallowed[0]}" if len(swallowed) == 1 else f"lines {swallowed[0]}-{swallowed[-1]}"
        found.append(error("unclosed-quote", f"a quote opened on line {line} is not closed on that line, "
                           f"so {lines} {'was' if len(swallowed) == 1 else 'were'} read into one of its fields",
                           row.raw.split("\n", 1)[0][:200],
                           f'close the quote on line {line} (or remove it): a field quoted with " ends with " '
                           f"on the same line; the rows on {lines} are not checked until then"))
    elif len(row.fields) != COLUMNS and row.quote_never_closed():
        found.append(error("unclosed-quote", f"a quote opened on line {line} is never closed", row.raw[:200],
                           f'close the quote on line {line} (or remove it): a field quoted with " ends with " '
                           "on the same line; anything added after this row would be read into it"))
    if found and len(row.fields) != COLUMNS:
        return found
    if len(row.fields) != COLUMNS:
        return [error("invalid-column-number", "Invalid Column Number", str(len(row.fields)),
                      f"a row has {COLUMNS} comma-separated fields; quote a field that contains a comma")]
    url, code, description, date_added, source, notes = row.fields
    detail = url_problem(url)
    if detail:
        found.append(error("invalid-url", f"Invalid URL ({detail})", url, _url_hint(detail)))
    notes_issue = notes_problem(notes)
    if notes_issue:
        found.append(error("invalid-notes", f"Invalid Notes ({notes_issue})", notes,
                           'JSON notes may only have the key "notes"'))
    if os.path.basename(path) != GLOBAL_LIST_NAME and url in global_list_urls:
        found.append(error("duplicate-url-global", "Duplicate URL between Local List and Global List", url,
                           "global.csv is tested everywhere already; leave this URL out of the country list"))
    expected = legend.description(code)
    if expected is None:
        found.append(error("invalid-category-code", "Invalid Category Code", code,
                           "use a code from 00-LEGEND-new_category_codes.csv"))
    elif description != expected:
        found.append(error("invalid-category-description", "Invalid Category Description", description,
                           f"for {code} it must be exactly {expected!r} (imap testlist fix does it)"))
    if url in seen:
        found.append(error("duplicate-url", "Duplicate URL", url, f"already on line {seen[url]}"))
    else:
        seen[url] = line
    if not is_valid_date(date_added):
        found.append(error("invalid-date", "Invalid Date", date_added, _date_hint(date_added)))
    if any(c in notes for c in BAD_CHARS):
        found.append(error("invalid-notes", "Invalid Notes", notes,
                           "no tabs, line breaks or backslashes in notes"))
    if any(c in source for c in BAD_CHARS):
        found.append(error("invalid-source", "Invalid Source", source,
                           "no tabs, line breaks or backslashes in the source"))
    return found


def upstream_errors(listfile: ListFile, legend: Legend, global_list_urls: set[str]) -> list[Finding]:
    """Every upstream rule over one parsed file, plus what upstream would crash on."""
    found = list(listfile.problems) + check_header(listfile)
    seen: dict[str, int] = {}
    for row in listfile.rows:
        found.extend(check_row(listfile.path, row, legend, global_list_urls, seen))
    return found
