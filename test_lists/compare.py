"""`imap testlist diff` and `imap testlist export`: the project's list against upstream kh.csv.

The export is upstream's kh.csv with the project's entries applied: an entry for a URL already on
kh.csv replaces that row where it stands, a new URL is appended at the end (where upstream's web
editor puts new rows; `--sort` sorts instead), and every other upstream row is written back byte for
byte, so the pull request's diff shows exactly the project's changes. URLs already on global.csv
cannot go on a country list (upstream rule) and are left out, with a note. The export refuses when
the project's file has any other error upstream's lint would report (a short row, a URL twice...),
and the result is linted with upstream's rules before it is written: it refuses rather than produce
a file CI would reject, or one that silently lacks some of the project's rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from test_lists import csvfile
from test_lists.advice import UrlIndex
from test_lists.csvfile import COLUMNS, HEADER, ListFile
from test_lists.findings import Finding
from test_lists.fix import sort_key
from test_lists.legend import Legend
from test_lists.rules import global_urls, upstream_errors
from test_lists.urls import variant_key


@dataclass(frozen=True)
class DiffEntry:
    kind: str  # added, changed, unchanged, on-global, unusable
    url: str
    local_line: int
    upstream_line: int | None = None
    changes: tuple[tuple[str, str, str], ...] = ()  # (column, upstream value, local value)
    note: str = ""

    def describe(self) -> str:
        head = f"{self.kind:9} {self.url}  (local line {self.local_line}"
        head += f", kh.csv line {self.upstream_line})" if self.upstream_line else ")"
        lines = [head] + [f"            {col}: {old!r} -> {new!r}" for col, old, new in self.changes]
        if self.note:
            lines.append(f"            note: {self.note}")
        return "\n".join(lines)


def diff(local: ListFile, kh: ListFile, global_list: ListFile | None) -> list[DiffEntry]:
    kh_rows = {row.fields[0]: row for row in reversed(kh.data_rows())}  # first occurrence wins
    kh_index = UrlIndex.of(kh, "kh.csv")
    on_global = global_urls(global_list) if global_list is not None else set()
    entries = []
    for row in local.rows:
        if row.is_blank:
            continue
        if len(row.fields) != COLUMNS:
            entries.append(DiffEntry("unusable", row.url, row.line,
                                     note=f"{len(row.fields)} columns instead of {COLUMNS}; run imap testlist lint"))
            continue
        url = row.fields[0]
        if url in on_global:
            entries.append(DiffEntry("on-global", url, row.line,
                                     note="already on global.csv; upstream does not allow it on kh.csv"))
            continue
        upstream = kh_rows.get(url)
        if upstream is None:
            near = [loc for loc in kh_index.variants.get(variant_key(url) or "", []) if loc.url != url]
            note = f"near-duplicate of {near[0].describe()}" if near else ""
            entries.append(DiffEntry("added", url, row.line, note=note))
            continue
        changes = tuple((name, old, new) for name, old, new in zip(HEADER, upstream.fields, row.fields, strict=True)
                        if old != new)
        entries.append(DiffEntry("changed" if changes else "unchanged", url, row.line, upstream.line, changes,
                                 "" if changes else "identical to upstream; the local entry can be removed"))
    return entries


# Errors in the project's file that do not stop an export: the entry is left out of it instead
# (a URL on global.csv) or there is nothing to export yet (an empty file).
LEFT_OUT_RULES = ("duplicate-url-global", "empty-file")


@dataclass
class Export:
    text: str | None  # the upstream-ready kh.csv, None when refused
    entries: list[DiffEntry]
    errors: list[Finding] = field(default_factory=list)  # in rows the project wrote: export refused
    upstream_errors: list[Finding] = field(default_factory=list)  # already in upstream's own rows


def export(local: ListFile, kh: ListFile, global_list: ListFile | None, legend: Legend,
           *, sort: bool = False) -> Export:
    entries = diff(local, kh, global_list)
    local_rows = {row.fields[0]: row for row in reversed(local.data_rows())}
    wanted = {e.url: local_rows[e.url] for e in entries if e.kind in ("added", "changed")}
    header = kh.header.raw if kh.header is not None else ",".join(HEADER)
    out: list[tuple[tuple[str, ...], str]] = []  # (fields, text)
    replaced = set()
    for row in kh.rows:
        mine = wanted.get(row.url) if len(row.fields) == COLUMNS else None
        if mine is not None and row.url not in replaced:
            replaced.add(row.url)
            out.append((mine.fields, csvfile.format_row(mine.fields)))
        else:
            out.append((row.fields, row.raw))
    for url, mine in sorted(wanted.items(), key=lambda item: item[1].line):
        if url not in replaced:
            out.append((mine.fields, csvfile.format_row(mine.fields)))
    if sort:
        out.sort(key=lambda item: sort_key(item[0]))
    text = csvfile.render([header] + [line for _, line in out])

    exported = csvfile.parse(text.encode("utf-8"), "kh.csv")
    # An error belongs to the project when it is on a row the project wrote (matched by URL, which
    # survives sorting); everything else was already in upstream's file.
    written = {mine.fields[0]: mine.line for mine in wanted.values()}
    ours_by_line = {record.line: written[record.url] for record in exported.rows
                    if record.url in written and len(record.fields) == COLUMNS and record.fields == local_rows[record.url].fields}
    on_global = global_urls(global_list) if global_list is not None else set()
    found = upstream_errors(exported, legend, on_global)
    # Every error in the project's own file counts, not only those on rows that reach the export: a
    # short row or a second entry for a URL would otherwise vanish from the pull request unnoticed.
    # URLs on global.csv are the one exception: they are left out on purpose, and said so.
    mine_errors = [f for f in upstream_errors(local, legend, on_global)
                   if f.rule not in LEFT_OUT_RULES and f.severity == "error"]
    for f in found:
        if f.line in ours_by_line:
            mapped = Finding(local.path, ours_by_line[f.line], f.rule, f.severity, f.message, f.value, f.hint)
            if mapped not in mine_errors:
                mine_errors.append(mapped)
    mine_errors.sort(key=lambda f: f.line)
    theirs = [f for f in found if f.line not in ours_by_line]
    return Export(None if mine_errors else text, entries, mine_errors, theirs)
