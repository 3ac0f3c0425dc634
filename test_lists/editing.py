"""`imap testlist add`: one validated entry appended to the project's list.

The entry is normalized the way upstream wants it (trailing slash, punycode host, the legend's
description, today's date), checked with the same rules as the lint, and refused with a message
naming the existing entry when the URL, or a variant of it, is already listed somewhere OONI tests.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from test_lists import csvfile
from test_lists.advice import References, UrlIndex, row_warnings
from test_lists.csvfile import HEADER, ListFile
from test_lists.dates import ISO_FORM, read_date, why_not_a_date
from test_lists.findings import Finding
from test_lists.legend import Legend
from test_lists.rules import BAD_CHARS, check_row, global_urls, notes_problem, url_problem
from test_lists.urls import normalize_new_url, variant_difference, variant_key


class AddRefused(ValueError):
    """The entry was not added; the message says why and what to do."""


@dataclass
class Addition:
    fields: tuple[str, ...]
    line: int  # where it landed in the local file
    text: str  # the new content of the local file
    overrides: str = ""  # upstream entry this one overrides, if any
    notes: list[str] = field(default_factory=list)  # normalizations applied, for the volunteer
    warnings: list[Finding] = field(default_factory=list)


def _clean_text(value: str, what: str) -> str:
    value = " ".join(value.split())  # line breaks and tabs in a note become spaces
    if any(c in value for c in BAD_CHARS):
        raise AddRefused(f"{what} may not contain a backslash (upstream rejects it): {value!r}")
    return value


def _category(legend: Legend, category: str, notes: list[str]) -> str:
    if legend.description(category) is not None:
        return category
    suggestion = legend.suggest(category)
    if suggestion:
        notes.append(f"category {category!r} read as {suggestion} ({legend.description(suggestion)})")
        return suggestion
    codes = ", ".join(sorted(legend.descriptions))
    raise AddRefused(f"unknown category {category!r}; use one of: {codes}")


def _date(value: str | None, today: datetime.date, notes: list[str]) -> str:
    if not value:
        return today.isoformat()
    reading = read_date(value)
    reason = why_not_a_date(value)
    if reason:
        form = "" if ISO_FORM.fullmatch(value) else "; write YYYY-MM-DD"
        raise AddRefused(f"date {value!r} is not a real date ({reason}){form}")
    if reading.iso is None:
        raise AddRefused(f"date {value!r} is not a date imap can read for certain; write YYYY-MM-DD")
    if reading.iso != value:
        notes.append(f"date {value!r} read as {reading.iso}")
    return reading.iso


def _refuse_duplicates(url: str, local: ListFile, kh: ListFile | None, global_list: ListFile | None,
                       *, override: bool, force: bool) -> str:
    """Raise for a URL already listed; return the upstream line overridden (``--override``)."""
    indexes = [UrlIndex.of(f) for f in (local, kh, global_list) if f is not None]
    local_index = indexes[0]
    if url in local_index.exact:
        raise AddRefused(f"{url} is already in the project's list: {local_index.exact[url].describe()}; "
                         "edit that line instead")
    if global_list is not None and url in global_urls(global_list):
        where = UrlIndex.of(global_list).exact[url]
        raise AddRefused(f"{url} is already on the global list, which OONI tests in every country: "
                         f"{where.describe()}; upstream rejects it on a country list")
    overridden = ""
    if kh is not None:
        kh_index = UrlIndex.of(kh, "kh.csv")
        if url in kh_index.exact:
            if not override:
                raise AddRefused(f"{url} is already on the upstream Cambodia list: {kh_index.exact[url].describe()}; "
                                 "to change its category or notes in this project, add it with --override")
            overridden = kh_index.exact[url].describe()
    key = variant_key(url)
    near = [loc for index in indexes for loc in index.variants.get(key or "", []) if loc.url != url]
    if near and not force:
        raise AddRefused(f"{url} is a near-duplicate of {near[0].describe()} (differs only in "
                         f"{variant_difference(url, near[0].url)}); add it with --force if both should be tested")
    return overridden


def add_entry(local: ListFile, legend: Legend, url: str, category: str, *, notes: str | None = None,
              source: str | None = None,
              date: str | None = None, kh: ListFile | None = None, global_list: ListFile | None = None,
              override: bool = False, force: bool = False, today: datetime.date | None = None) -> Addition:
    today = today or datetime.date.today()
    unreadable = [p for p in local.problems if p.rule != "empty-file"]
    if unreadable:
        raise AddRefused(f"{local.path} line {unreadable[0].line}: {unreadable[0].message}; fix the file first")
    for row in local.rows:
        swallowed = row.unclosed_quote()
        if swallowed:  # the new row could end up inside that quote too
            raise AddRefused(f"{local.path} line {row.line}: a quote opened there is not closed on that line, so "
                             f"lines {swallowed[0]}-{swallowed[-1]} were read into the same record; close the quote "
                             f"first (imap testlist lint {local.path} shows it)")
    applied: list[str] = []
    new_url = normalize_new_url(url)
    if new_url != url:
        applied.append(f"URL written as {new_url}")
    problem = url_problem(new_url)
    if problem:
        raise AddRefused(f"upstream would reject the URL {new_url!r}: Invalid URL ({problem})")
    code = _category(legend, category.strip(), applied)
    overridden = _refuse_duplicates(new_url, local, kh, global_list, override=override, force=force)
    if overridden and kh is not None:
        # An override changes what the project disagrees with (usually the category); the rest of the
        # upstream entry (when and by whom it was added, its notes) carries over unless given.
        upstream_row = next(row for row in kh.data_rows() if row.fields[0] == new_url)
        date = date or upstream_row.fields[3]
        source = upstream_row.fields[4] if source is None else source
        notes = upstream_row.fields[5] if notes is None else notes
    fields = (new_url, code, legend.description(code) or "", _date(date, today, applied),
              _clean_text(source or "", "source"), _clean_text(notes or "", "notes"))
    issue = notes_problem(fields[5])
    if issue:
        raise AddRefused(f"upstream would reject the notes: {issue}")

    header = local.header.raw if local.header is not None else ",".join(HEADER)
    lines = [header] + [row.raw for row in local.rows if not row.is_blank] + [csvfile.format_row(fields)]
    text = csvfile.render(lines)
    updated = csvfile.parse(text.encode("utf-8"), local.path)
    new_row = updated.rows[-1]
    if new_row.raw != lines[-1]:  # an unclosed quote before it took the new row in
        raise AddRefused(f"{local.path} line {new_row.line}: a quote opened there is never closed, so the new entry "
                         "would be read into that row; close the quote first "
                         f"(imap testlist lint {local.path} shows it)")
    errors = check_row(local.path, new_row, legend, global_urls(global_list) if global_list else set(), {})
    if errors:  # the checks above should make this impossible; never write a row upstream rejects
        raise AddRefused(f"{local.path} line {new_row.line}: the new row would read back as "
                         + "; ".join(f"{e.message}: {e.value!r}" for e in errors)
                         + f" (run imap testlist lint {local.path})")
    refs = References()
    if global_list is not None:
        refs.global_index = UrlIndex.of(global_list)
        refs.indexes.append(refs.global_index)
    if kh is not None:
        refs.indexes.append(UrlIndex.of(kh, "kh.csv"))
    warnings = [w for w in row_warnings(updated, legend, refs, today) if w.line == new_row.line]
    return Addition(fields, new_row.line, text, overridden, applied, warnings)
