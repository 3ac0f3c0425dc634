"""Where a report came from: code version, source versions, data range, generation time."""

from __future__ import annotations

import subprocess
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from reports.data import ReportData


@dataclass(frozen=True)
class Provenance:
    code_version: str
    generated_at: datetime
    data_range: str
    first_measurement: str | None
    last_measurement: str | None
    test_list_refs: str
    fingerprint_refs: str

    @property
    def generated_at_iso(self) -> str:
        return self.generated_at.isoformat(timespec="seconds").replace("+00:00", "Z")

    def as_dict(self) -> dict[str, Any]:
        values = asdict(self)
        values["generated_at"] = self.generated_at_iso
        return values


def code_version(project_dir: Path) -> str:
    """The package version plus the git commit of the checkout (``+dirty`` with local changes)."""
    try:
        version = metadata.version("imap")
    except metadata.PackageNotFoundError:
        version = "unknown"
    try:
        commit = subprocess.run(
            ["git", "-C", str(project_dir), "rev-parse", "--short=12", "HEAD"],
            capture_output=True, text=True, timeout=10, check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(project_dir), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True, text=True, timeout=10, check=True,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return version
    return f"{version}+g{commit}{'.dirty' if dirty else ''}"


def _refs(frame_rows: list[dict[str, Any]], name_key: str, ref_key: str) -> str:
    parts = [f"{row[name_key]}@{row[ref_key]}" for row in frame_rows if row[ref_key]]
    return ", ".join(dict.fromkeys(parts))


def build_provenance(data: ReportData, project_dir: Path, generated_at: datetime | None = None) -> Provenance:
    first = data.overview.get("first_measurement")
    last = data.overview.get("last_measurement")
    first_text = first.isoformat(timespec="seconds") + "Z" if first else None
    last_text = last.isoformat(timespec="seconds") + "Z" if last else None
    fingerprints = data.fingerprint_sources.select("origin", "origin_ref").unique(maintain_order=True)
    return Provenance(
        code_version=code_version(project_dir),
        generated_at=generated_at or datetime.now(UTC),
        data_range=f"{first_text} – {last_text}" if first_text else "–",
        first_measurement=first_text,
        last_measurement=last_text,
        test_list_refs=_refs(data.test_list_sources.to_dicts(), "list", "upstream_ref"),
        fingerprint_refs=_refs(fingerprints.to_dicts(), "origin", "origin_ref"),
    )
