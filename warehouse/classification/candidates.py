"""Tier 2: fingerprint candidates and the volunteers' review loop.

1. ``discover_candidates`` fills `fingerprint_candidates` for a period (warehouse/sql/candidates_period.sql).
2. ``merge_review_file`` writes the candidates no fingerprint covers yet into the review CSV
   (warehouse/reference/fingerprint_review.csv by default), keeping every decision already made.
3. A volunteer sets ``status`` to confirmed, likely or false_positive, fills ``name`` and ``scope``
   (and ``fingerprint_pattern`` for page candidates: a distinctive text of the page, since a body
   hash is not a fingerprint), and commits the file.
4. ``apply_review`` moves decided rows into the reviewed local fingerprint file, which the next run
   loads with OONI's (step 2 of the method).
"""

from __future__ import annotations

import csv
import hashlib
import io
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import duckdb

from warehouse.classification import sql_support
from warehouse.classification.fingerprints import LOCAL_COLUMNS, LOCAL_FINGERPRINTS, read_local_file
from warehouse.db import read_sql
from warehouse.periods import Period
from warehouse.settings import ClassificationThresholds

REVIEW_FILE = Path(__file__).resolve().parents[1] / "reference" / "fingerprint_review.csv"
EXPLORER = "https://explorer.ooni.org/m/"
DECISIONS = ("confirmed", "likely", "false_positive")
REVIEW_COLUMNS = (
    "status", "name", "scope", "fingerprint_pattern", "notes",
    "kind", "location_found", "pattern", "domain_count", "asns", "measurements", "first_day", "last_day",
    "is_bogon", "in_probe_asn", "control_returned", "verified_tls", "domains", "example_links", "sample",
    "period",
)
EVIDENCE_COLUMNS = REVIEW_COLUMNS[5:]


class ReviewFileError(ValueError):
    """The review file is malformed or a decision is incomplete; the message names the line."""


def discover_candidates(
    con: duckdb.DuckDBPyConnection,
    period: Period,
    thresholds: ClassificationThresholds,
    country: str | None = None,
) -> int:
    """Replace the period's rows of `fingerprint_candidates`; returns how many there are."""
    sql_support.prepare(con)
    params = {
        "label": period.label, "first_day": period.start, "last_day": period.end, "country": country,
        "min_domains_dns": thresholds.candidate_min_domains_dns,
        "min_domains_http": thresholds.candidate_min_domains_http,
    }
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute("DELETE FROM fingerprint_candidates WHERE period_label = $label", {"label": period.label})
        con.execute("INSERT INTO fingerprint_candidates BY NAME " + read_sql("candidates_period.sql"), params)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return con.execute(
        "SELECT count(*) FROM fingerprint_candidates WHERE period_label = ?", [period.label]
    ).fetchone()[0]


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list | tuple):
        return " ".join(str(v) for v in value)
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def suggested_pattern(kind: str, pattern: str) -> str:
    if kind == "dns":
        return pattern
    if kind == "http_title":
        return f"<title>{pattern}</title>"
    return ""  # a body hash: the reviewer picks a distinctive text from the sample


def candidate_rows(con: duckdb.DuckDBPyConnection, period_label: str) -> list[dict[str, str]]:
    """Evidence rows of the period's candidates that no fingerprint covers yet."""
    cursor = con.execute(
        "SELECT * FROM fingerprint_candidates WHERE period_label = ? AND matched_fingerprint IS NULL "
        "ORDER BY domain_count DESC, measurements DESC, pattern",
        [period_label],
    )
    names = [d[0] for d in cursor.description]
    rows = []
    for values in cursor.fetchall():
        row = dict(zip(names, values, strict=True))
        evidence = {column: _text(row.get(column)) for column in EVIDENCE_COLUMNS}
        evidence["period"] = period_label
        evidence["example_links"] = " ".join(EXPLORER + uid for uid in row["example_measurement_uids"] or [])
        rows.append(evidence)
    return rows


def read_review_file(path: Path) -> list[dict[str, str]]:
    if not path.exists():
        return []
    with open(path, newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        if tuple(reader.fieldnames or ()) != REVIEW_COLUMNS:
            raise ReviewFileError(f"{path}:1: header must be {','.join(REVIEW_COLUMNS)}")
        rows = []
        for row in reader:
            if None in row or any(v is None for v in row.values()):
                raise ReviewFileError(f"{path}:{reader.line_num}: wrong number of fields")
            rows.append(row)
        return rows


def _write_csv_atomically(path: Path, columns: Iterable[str], rows: Iterable[dict[str, object]]) -> None:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(columns), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".part")
    partial.write_text(buffer.getvalue(), encoding="utf-8")
    os.replace(partial, path)


def _records_as_written(text: str) -> list[tuple[str, list[str]]]:
    """(text as written, fields) of each CSV record, header first: a record may span lines.

    A rewrite keeps the records it does not decide on as written: csv's writer quotes only where it
    must, so a round trip would re-quote hand-edited rows and give the committed file a noisy diff.
    """
    lines = io.StringIO(text, newline="").readlines()
    reader = csv.reader(iter(lines))
    records, start = [], 0
    for values in reader:
        records.append(("".join(lines[start:reader.line_num]), values))
        start = reader.line_num
    return records


def _appended(text: str, columns: Iterable[str], rows: Iterable[dict[str, object]]) -> str:
    """``text`` unchanged, then ``rows`` in its line ending (after one, should its last line lack it)."""
    first_line = io.StringIO(text, newline="").readline()
    ending = "\r\n" if first_line.endswith("\r\n") else "\n"
    if text and not text.endswith(("\n", "\r")):
        text += ending
    buffer = io.StringIO()
    csv.DictWriter(buffer, fieldnames=list(columns), lineterminator=ending).writerows(rows)
    return text + buffer.getvalue()


@dataclass
class MergeResult:
    added: int = 0
    updated: int = 0
    pending: int = 0
    decided: int = 0


def merge_review_file(path: Path, candidates: list[dict[str, str]]) -> MergeResult:
    """Add new candidates as `pending`, refresh the evidence of known ones, keep every decision."""
    rows = read_review_file(path)
    by_key = {(r["location_found"], r["pattern"]): r for r in rows}
    result = MergeResult()
    for candidate in candidates:
        key = (candidate["location_found"], candidate["pattern"])
        if key in by_key:
            by_key[key].update(candidate)
            result.updated += 1
        else:
            row = {"status": "pending", "name": "", "scope": "", "notes": "",
                   "fingerprint_pattern": suggested_pattern(candidate["kind"], candidate["pattern"]), **candidate}
            rows.append(row)
            by_key[key] = row
            result.added += 1
    result.pending = sum(r["status"] == "pending" for r in rows)
    result.decided = sum(r["status"] in DECISIONS for r in rows)
    _write_csv_atomically(path, REVIEW_COLUMNS, rows)
    return result


@dataclass
class ReviewResult:
    applied: list[dict[str, str]] = field(default_factory=list)
    pending: int = 0


NAME_RE = re.compile(r"[A-Za-z0-9_.-]+")


def _fingerprint_row(row: dict[str, str], where: str) -> dict[str, str]:
    status = row["status"]
    scope = row["scope"].strip() or ("fp" if status == "false_positive" else "")
    if not scope:
        raise ReviewFileError(f"{where}: status {status} needs a scope (nat, isp, prod, inst, fp, router)")
    name = row["name"].strip()
    if not name and status == "false_positive":
        # A known false positive needs no thought-out name: one derived from its pattern is unique.
        name = f"imap.fp_{row['kind']}_{hashlib.sha1(row['pattern'].encode('utf-8')).hexdigest()[:10]}"
    if not NAME_RE.fullmatch(name):
        raise ReviewFileError(f"{where}: status {status} needs a name of letters, digits, '.', '_' or '-'")
    pattern = row["fingerprint_pattern"]
    if not pattern.strip():
        raise ReviewFileError(f"{where}: fingerprint_pattern is empty (a body hash is not a fingerprint: "
                              "copy a distinctive text of the page from `sample`)")
    location = "dns" if row["kind"] == "dns" else "body"
    example = row["example_links"].split()[0] if row["example_links"].strip() else ""
    evidence = f"{row['domain_count']} domains, ASNs {row['asns']}, {row['first_day']}..{row['last_day']}"
    notes = "; ".join(part for part in (row["notes"].strip(), f"imap review: {evidence}") if part)
    return {
        "name": name, "scope": scope, "other_names": "", "location_found": location,
        "pattern_type": "full" if location == "dns" else "contains", "pattern": pattern,
        "confidence_no_fp": "5", "expected_countries": "", "source": "imap fingerprint review",
        "exp_url": example, "notes": notes, "review_status": status,
    }


def apply_review(
    review_path: Path, local_path: Path, con: duckdb.DuckDBPyConnection, *, dry_run: bool = False
) -> ReviewResult:
    """Move decided rows of the review file into the local fingerprint file (validated first)."""
    rows = read_review_file(review_path)
    result = ReviewResult()
    decided = []
    for number, row in enumerate(rows, start=2):
        if row["status"] in DECISIONS:
            result.applied.append(_fingerprint_row(row, f"{review_path}:{number}"))
            decided.append(True)
        else:
            if row["status"] != "pending":
                raise ReviewFileError(f"{review_path}:{number}: status {row['status']!r} is not pending, "
                                      f"{', '.join(DECISIONS)}")
            decided.append(False)
    result.pending = decided.count(False)
    if dry_run or not result.applied:
        return result
    # Both files are committed: every line not decided on stays byte for byte as it was.
    local_text = _read_text(local_path)
    staged = local_path.with_name(local_path.name + ".check")
    staged.write_text(_appended(local_text, LOCAL_COLUMNS, result.applied), encoding="utf-8", newline="")
    try:
        read_local_file(staged, con)  # refuse to write a local file the next run could not load
    except ValueError as exc:
        staged.unlink(missing_ok=True)
        raise ReviewFileError(str(exc).replace(str(staged), str(local_path))) from None
    os.replace(staged, local_path)
    _write_text_atomically(review_path, _without_decided(_read_text(review_path), decided))
    return result


def _read_text(path: Path) -> str:
    with open(path, newline="", encoding="utf-8") as handle:
        return handle.read()


def _write_text_atomically(path: Path, text: str) -> None:
    partial = path.with_name(path.name + ".part")
    partial.write_text(text, encoding="utf-8", newline="")
    os.replace(partial, path)


def _without_decided(text: str, decided: list[bool]) -> str:
    """The review file's text less the decided records (``decided``: one flag per data row, in order)."""
    records = _records_as_written(text)
    flags = iter(decided)
    # Blank lines are no rows to csv.DictReader (read_review_file): they get no flag and stay.
    kept = [raw for index, (raw, values) in enumerate(records) if index == 0 or not values or not next(flags)]
    return "".join(kept)


__all__ = [
    "LOCAL_FINGERPRINTS", "REVIEW_FILE", "ReviewFileError", "apply_review", "candidate_rows",
    "discover_candidates", "merge_review_file", "read_review_file",
]
