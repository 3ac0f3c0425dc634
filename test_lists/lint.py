"""Linting list files: upstream's rules (errors) plus the volunteers' warnings.

`lint_paths` accepts files and directories; a directory is linted the way upstream's CI lints
`lists/`: every `*.csv` not starting with `00-`, against that directory's legend and global.csv.
"""

from __future__ import annotations

import datetime
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from test_lists import csvfile
from test_lists.advice import References, UrlIndex, row_warnings
from test_lists.csvfile import ListFile
from test_lists.findings import Finding, count
from test_lists.legend import LEGEND_FILE, Legend, load_legend
from test_lists.rules import GLOBAL_LIST_NAME, global_urls, upstream_errors


@dataclass
class LintContext:
    legend: Legend
    global_list: ListFile | None = None  # upstream global.csv, for rule 7 and host-in-global
    references: list[ListFile] = field(default_factory=list)  # other lists to find near-duplicates in
    today: datetime.date | None = None


@dataclass
class LintResult:
    files: list[str] = field(default_factory=list)
    rows: int = 0
    findings: list[Finding] = field(default_factory=list)

    @property
    def errors(self) -> int:
        return count(self.findings, "error")

    @property
    def warnings(self) -> int:
        return count(self.findings, "warning")

    def extend(self, other: LintResult) -> None:
        self.files += other.files
        self.rows += other.rows
        self.findings += other.findings


def _same_file(a: str, b: str) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return os.path.abspath(a) == os.path.abspath(b)


def lint_listfile(listfile: ListFile, context: LintContext, *, warnings: bool = True) -> list[Finding]:
    is_global = os.path.basename(listfile.path) == GLOBAL_LIST_NAME
    global_list = context.global_list
    if is_global or global_list is None:
        global_url_set: set[str] = set()
    else:
        global_url_set = global_urls(global_list)
    findings = upstream_errors(listfile, context.legend, global_url_set)
    if warnings:
        refs = References()
        if global_list is not None and not _same_file(global_list.path, listfile.path):
            refs.global_index = UrlIndex.of(global_list)
            refs.indexes.append(refs.global_index)
        for reference in context.references:
            if not _same_file(reference.path, listfile.path):
                refs.indexes.append(UrlIndex.of(reference))
        findings += row_warnings(listfile, context.legend, refs, context.today)
    return sorted(findings, key=lambda f: (f.line, f.severity != "error"))


def lint_file(path: Path | str, context: LintContext, *, warnings: bool = True) -> LintResult:
    listfile = csvfile.read(path)
    return LintResult([str(path)], len(listfile.data_rows()), lint_listfile(listfile, context, warnings=warnings))


def list_directory(directory: Path) -> list[Path]:
    """The list files upstream's CI would lint in ``directory``."""
    return sorted(p for p in directory.glob("*.csv") if not p.name.startswith("00-") and p.is_file())


def lint_directory(directory: Path, *, warnings: bool = True, today: datetime.date | None = None) -> LintResult:
    legend = load_legend(directory / LEGEND_FILE)
    result = LintResult(findings=list(legend.problems))
    global_path = directory / GLOBAL_LIST_NAME
    global_list = csvfile.read(global_path) if global_path.is_file() else None
    context = LintContext(legend, global_list, today=today)
    for path in list_directory(directory):
        result.extend(lint_file(path, context, warnings=warnings))
    return result


def lint_paths(paths: Sequence[Path], context: LintContext | None, *, warnings: bool = True) -> LintResult:
    """Lint files (with ``context``) and directories (each with its own legend and global.csv)."""
    result = LintResult()
    for path in paths:
        if path.is_dir():
            result.extend(lint_directory(path, warnings=warnings, today=context.today if context else None))
        elif context is not None:
            result.extend(lint_file(path, context, warnings=warnings))
        else:
            raise ValueError("linting a single file needs a legend (LintContext)")
    return result
