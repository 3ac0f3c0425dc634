"""The category legend (`00-LEGEND-new_category_codes.csv`): code -> description, and the mistakes
volunteers make writing a category (names instead of codes, old codes, lower case, typos)."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

from test_lists.csvfile import decode
from test_lists.findings import Finding

LEGEND_FILE = "00-LEGEND-new_category_codes.csv"

# Spellings seen in partner spreadsheets and the upstream web editor that are not in the legend.
KNOWN_MISSPELLINGS = {"miscelaneous content": "MISC", "miscellaneous": "MISC"}


@dataclass
class Legend:
    descriptions: dict[str, str]  # code -> description, exactly as upstream's lint loads them
    old_codes: dict[str, str] = field(default_factory=dict)  # replaced code -> current code
    problems: list[Finding] = field(default_factory=list)

    def description(self, code: str) -> str | None:
        return self.descriptions.get(code)

    def suggest(self, written: str) -> str | None:
        """The code a volunteer probably meant by ``written`` (not itself a valid code), or None."""
        text = " ".join(written.split())
        if text in self.descriptions:
            return text
        folded = text.casefold()
        for code, description in self.descriptions.items():
            if folded in (code.casefold(), description.casefold()):
                return code
        if folded in KNOWN_MISSPELLINGS and KNOWN_MISSPELLINGS[folded] in self.descriptions:
            return KNOWN_MISSPELLINGS[folded]
        return self.old_codes.get(text.upper())


def parse_legend(data: bytes, path: str) -> Legend:
    """Upstream skips the first row and maps column 2 (code) to column 1 (description)."""
    text, problems = decode(data, path)
    legend = Legend({}, problems=problems)
    try:
        rows = list(csv.reader(io.StringIO(text)))
    except csv.Error as exc:
        legend.problems.append(Finding(path, 0, "invalid-legend", "error", f"CSV parser failed: {exc}"))
        return legend
    for line, row in enumerate(rows[1:], start=2):
        if not row:
            continue
        if len(row) < 2:
            legend.problems.append(Finding(path, line, "invalid-legend", "error",
                                           "legend row without a code column", ",".join(row)))
            continue
        legend.descriptions[row[1]] = row[0]
        for old in row[2].split() if len(row) > 2 else ():
            if old != "N/A":
                legend.old_codes.setdefault(old.upper(), row[1])
    if not legend.descriptions:
        legend.problems.append(Finding(path, 1, "invalid-legend", "error", "the legend defines no category codes"))
    return legend


def load_legend(path: Path | str) -> Legend:
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        return Legend({}, problems=[Finding(str(path), 0, "unreadable-file", "error",
                                            f"cannot read the category legend: {exc.strerror or exc}")])
    return parse_legend(data, str(path))
