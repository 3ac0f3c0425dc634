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
    # The same, one entry per list or fingerprint set ({"name", "ref"}), for the page to label each.
    test_list_versions: tuple[dict[str, str], ...] = ()
    fingerprint_versions: tuple[dict[str, str], ...] = ()

    @property
    def test_lists_share_a_copy(self) -> bool:
        """Several lists with one version: they came from one copy of the test-lists repository."""
        refs = [entry["ref"] for entry in self.test_list_versions]
        return len(refs) > 1 and len(set(refs)) == 1

    @property
    def generated_at_iso(self) -> str:
        return self.generated_at.isoformat(timespec="seconds").replace("+00:00", "Z")

    def as_dict(self) -> dict[str, Any]:
        values = asdict(self)
        values["generated_at"] = self.generated_at_iso
        values["test_list_versions"] = list(self.test_list_versions)
        values["fingerprint_versions"] = list(self.fingerprint_versions)
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


def _versions(frame_rows: list[dict[str, Any]], name_key: str, ref_key: str) -> tuple[dict[str, str], ...]:
    seen = dict.fromkeys((row[name_key], row[ref_key]) for row in frame_rows if row[ref_key])
    return tuple({"name": name, "ref": ref} for name, ref in seen)


def _refs(versions: tuple[dict[str, str], ...]) -> str:
    # "name: ref", not "name@ref": a ref may itself read "local@sha256:...".
    return "; ".join(f"{entry['name']}: {entry['ref']}" for entry in versions)


def build_provenance(data: ReportData, project_dir: Path, generated_at: datetime | None = None) -> Provenance:
    first = data.overview.get("first_measurement")
    last = data.overview.get("last_measurement")
    first_text = first.isoformat(timespec="seconds") + "Z" if first else None
    last_text = last.isoformat(timespec="seconds") + "Z" if last else None
    fingerprints = data.fingerprint_sources.select("origin", "origin_ref").unique(maintain_order=True)
    test_lists = _versions(data.test_list_sources.to_dicts(), "list", "upstream_ref")
    fingerprint_sets = _versions(fingerprints.to_dicts(), "origin", "origin_ref")
    return Provenance(
        code_version=code_version(project_dir),
        generated_at=generated_at or datetime.now(UTC),
        data_range=f"{first_text} – {last_text}" if first_text else "–",
        first_measurement=first_text,
        last_measurement=last_text,
        test_list_refs=_refs(test_lists),
        fingerprint_refs=_refs(fingerprint_sets),
        test_list_versions=test_lists,
        fingerprint_versions=fingerprint_sets,
    )
