"""Warnings for what upstream's CI lets through but volunteers trip over. Never errors: a warning
explains, `--strict` is the only way it fails a run.

Near-duplicates are looked for inside the file and against reference lists (upstream kh.csv and
global.csv when linting the project's own list), because a variant of an entry someone else already
maintains is the most common wasted addition.
"""

from __future__ import annotations

import datetime
import os
from dataclasses import dataclass, field

from test_lists.csvfile import COLUMNS, ListFile
from test_lists.dates import read_date
from test_lists.findings import Finding
from test_lists.legend import Legend
from test_lists.rules import GLOBAL_LIST_NAME, VALID_URL, is_valid_date
from test_lists.urls import (
    hostname_of,
    is_placeholder_host,
    is_root,
    variant_difference,
    variant_key,
    without_www,
)


@dataclass(frozen=True)
class Location:
    url: str
    label: str  # file name as shown to the volunteer
    line: int

    def describe(self) -> str:
        return f"{self.url} ({self.label} line {self.line})"


@dataclass
class UrlIndex:
    """Where each URL, near-duplicate key, site root and host of one list lives."""

    label: str
    exact: dict[str, Location] = field(default_factory=dict)
    variants: dict[str, list[Location]] = field(default_factory=dict)
    roots: dict[str, Location] = field(default_factory=dict)  # host without www -> root URL entry
    hosts: dict[str, Location] = field(default_factory=dict)  # host without www -> first entry

    @classmethod
    def of(cls, listfile: ListFile, label: str | None = None) -> UrlIndex:
        index = cls(label or os.path.basename(listfile.path))
        for row in listfile.rows:
            if len(row.fields) == COLUMNS:
                index.add(row.fields[0], row.line)
        return index

    def add(self, url: str, line: int) -> None:
        where = Location(url, self.label, line)
        self.exact.setdefault(url, where)
        key = variant_key(url)
        host = hostname_of(url)
        if key is None or host is None:
            return
        self.variants.setdefault(key, []).append(where)
        self.hosts.setdefault(without_www(host), where)
        if is_root(url):
            self.roots.setdefault(without_www(host), where)


@dataclass
class References:
    """Lists the checked file is compared with: each an index, plus which one is global.csv."""

    indexes: list[UrlIndex] = field(default_factory=list)
    global_index: UrlIndex | None = None


def _near_duplicates(url: str, line: int, own: UrlIndex, refs: References) -> list[Location]:
    key = variant_key(url)
    if key is None:
        return []
    matches = [loc for loc in own.variants.get(key, []) if loc.url != url and loc.line < line]
    for index in refs.indexes:
        matches += [loc for loc in index.variants.get(key, []) if loc.url != url]
    return matches


def row_warnings(listfile: ListFile, legend: Legend, refs: References,
                 today: datetime.date | None = None) -> list[Finding]:
    today = today or datetime.date.today()
    own = UrlIndex.of(listfile)
    is_global = os.path.basename(listfile.path) == GLOBAL_LIST_NAME
    found: list[Finding] = []
    for row in listfile.rows:
        if len(row.fields) != COLUMNS:
            continue
        url, code, description, date_added, source, notes = row.fields

        def warn(rule: str, message: str, value: str, hint: str = "", line: int = row.line) -> None:
            found.append(Finding(listfile.path, line, rule, "warning", message, value, hint))

        host = hostname_of(url)
        for other in _near_duplicates(url, row.line, own, refs)[:1]:
            warn("near-duplicate", f"near-duplicate of {other.describe()}", url,
                 f"it differs only in {variant_difference(url, other.url)}: "
                 "keep one unless both are meant to be tested")
        root = None
        if host and not is_root(url):
            site = without_www(host)
            root = own.roots.get(site) or next((i.roots[site] for i in refs.indexes if site in i.roots), None)
            if root is not None and root.url != url:
                hint = ("over HTTPS a censor sees only the host name, so a page of a listed site rarely adds a test"
                        if url.lower().startswith("https:") else
                        "worth keeping only if this page is blocked on its own (plain-HTTP URL filtering)")
                warn("path-under-listed-host", f"the site is already listed as {root.describe()}", url, hint)
        # (not when the site's root entry was just named: that may well be the global one)
        if host and root is None and not is_global and refs.global_index is not None \
                and url not in refs.global_index.exact:
            on_global = refs.global_index.hosts.get(without_www(host))
            if on_global is not None:
                warn("host-in-global", f"the host is already tested through global.csv: {on_global.describe()}", url)
        if host and is_placeholder_host(host):
            warn("test-url", "placeholder or local host (committed by mistake?)", url)
        if VALID_URL.match(url) and host and not urlhost_ascii(url):
            warn("non-ascii-host", "host has non-ASCII letters that upstream's regex lets through", url,
                 f"write it as punycode: {host}")
        if not source.strip():
            warn("empty-source", "empty source: say who proposed the entry (person, organisation or project)", source)
        if notes and not notes.strip():
            warn("whitespace-notes", "notes contain only whitespace", notes, "leave notes empty instead")
        for name, value in (("category_code", code), ("category_description", description),
                            ("date_added", date_added), ("source", source), ("notes", notes)):
            if value.strip() and value != value.strip():
                warn("whitespace", f"spaces around {name}", value, "imap testlist fix trims them")
        if legend.description(code) is None:
            suggestion = legend.suggest(code)
            if suggestion:
                warn("category-name", f"category written as {code!r}, meaning the code {suggestion}", code,
                     f"use {suggestion} (imap testlist fix does it)")
        if not is_valid_date(date_added):
            reading = read_date(date_added)
            if reading.iso:
                warn("non-iso-date", f"date in {reading.form} form", date_added,
                     f"write {reading.iso} (imap testlist fix does it)")
            elif reading.form == "ambiguous":
                warn("non-iso-date", "date could be d/m/Y or m/d/Y", date_added,
                     "write YYYY-MM-DD, or run imap testlist fix --day-first if the file is d/m/Y")
        elif datetime.date.fromisoformat(date_added) > today + datetime.timedelta(days=1):
            warn("future-date", "date_added is in the future", date_added)
    return found


def urlhost_ascii(url: str) -> bool:
    """Whether the host part of the URL as written (not converted) is plain ASCII."""
    rest = url.split("://", 1)[-1]
    host = rest.split("/", 1)[0].split("?", 1)[0]
    return host.isascii()


def dead_warnings(listfile: ListFile, unreachable: dict[str, tuple[int, datetime.date, str]]) -> list[Finding]:
    """`possibly-dead` warnings from the warehouse (see test_lists.coverage.unreachable_domains)."""
    found = []
    for row in listfile.data_rows():
        host = hostname_of(row.fields[0])
        if host in unreachable:
            count, last, failure = unreachable[host]
            found.append(Finding(
                listfile.path, row.line, "possibly-dead", "warning",
                f"OONI's control could not reach {host} in any of {count} measurements up to {last} ({failure})",
                row.fields[0], "keep it unless the domain is gone for good: upstream keeps dead domains "
                               "on country lists, since a domain can stay blocked after its site is gone"))
    return found
