"""The cache of upstream lists: immutable snapshots plus a pointer to the current one.

Layout under ``<cache_dir>/test-lists/``::

    <ref>/<snapshot id>/kh.csv, global.csv, 00-LEGEND-new_category_codes.csv, manifest.json
    current.json        -> {"directory": "<ref>/<snapshot id>"}

A snapshot directory is complete before it gets its final name (it is assembled under a temporary
name and renamed), and ``current.json`` is replaced in one step, so a failed or interrupted sync
leaves the previous snapshot in use and nothing half-written.
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from test_lists.csvfile import write_atomic
from test_lists.legend import LEGEND_FILE

COUNTRY_LIST = "kh.csv"
GLOBAL_LIST = "global.csv"
UPSTREAM_FILES = (COUNTRY_LIST, GLOBAL_LIST, LEGEND_FILE)
MANIFEST = "manifest.json"
POINTER = "current.json"
KEEP_SNAPSHOTS = 5  # per ref; older ones are pruned after a successful sync


@dataclass(frozen=True)
class Snapshot:
    directory: Path
    ref: str  # what was asked for: a branch, a commit, or "local" for a copy on disk
    commit: str | None  # the upstream commit the files are from, when known
    source: str  # base URL or local directory
    fetched_at: str  # ISO timestamp, UTC
    files: dict[str, dict[str, Any]] = field(default_factory=dict)  # name -> url/path, sha256, bytes
    note: str = ""  # e.g. why the commit could not be resolved

    @property
    def kh_path(self) -> Path:
        return self.directory / COUNTRY_LIST

    @property
    def global_path(self) -> Path:
        return self.directory / GLOBAL_LIST

    @property
    def legend_path(self) -> Path:
        return self.directory / LEGEND_FILE

    @property
    def upstream_ref(self) -> str:
        """What the warehouse records as the rows' origin: the commit; else, for a local copy, its
        content hash (the snapshot's name); else the ref, said to be a branch."""
        if self.commit:
            return self.commit
        if self.ref == "local":
            return f"local copy {self.directory.name} (commit unknown)"
        return f"{self.ref} (branch, commit unknown)"

    def describe(self) -> str:
        what = f"commit {self.commit}" if self.commit else f"ref {self.ref} (commit not resolved)"
        return f"{what} from {self.source}, fetched {self.fetched_at}"

    def manifest(self) -> dict[str, Any]:
        return {"ref": self.ref, "commit": self.commit, "source": self.source, "fetched_at": self.fetched_at,
                "files": self.files, "note": self.note}


def cache_root(cache_dir: Path) -> Path:
    return cache_dir / "test-lists"


def safe_ref(ref: str) -> str:
    """A ref as one directory name (branches may contain '/')."""
    cleaned = "".join(c if c.isalnum() or c in "-_." else "_" for c in ref).strip(".")
    return cleaned or "_"


def load_snapshot(directory: Path) -> Snapshot | None:
    """The snapshot in ``directory``, or None if it is missing or incomplete."""
    try:
        data = json.loads((directory / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or not all((directory / name).is_file() for name in UPSTREAM_FILES):
        return None
    return Snapshot(directory, str(data.get("ref", "")), data.get("commit"), str(data.get("source", "")),
                    str(data.get("fetched_at", "")), dict(data.get("files") or {}), str(data.get("note", "")))


def current_snapshot(cache_dir: Path) -> Snapshot | None:
    root = cache_root(cache_dir)
    try:
        pointer = json.loads((root / POINTER).read_text(encoding="utf-8"))
        return load_snapshot(root / str(pointer["directory"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def latest_snapshot_from(cache_dir: Path, *, source: str, ref: str) -> Snapshot | None:
    """The newest complete snapshot fetched from ``source`` for ``ref``, whatever is current.

    A fallback after a failed sync must never hand a run a snapshot from another source (a local
    copy, the synthetic demo list) just because it happens to be current.
    """
    ref_dir = cache_root(cache_dir) / safe_ref(ref)
    if not ref_dir.is_dir():
        return None
    snapshots = [s for p in ref_dir.iterdir() if p.is_dir() and (s := load_snapshot(p)) and s.source == source]
    return max(snapshots, key=lambda s: s.fetched_at, default=None)


def make_current(cache_dir: Path, snapshot: Snapshot) -> None:
    """Point ``current.json`` at an existing snapshot (what later readers of the cache use)."""
    root = cache_root(cache_dir)
    relative = snapshot.directory.relative_to(root)
    write_atomic(root / POINTER, json.dumps({"directory": relative.as_posix()}) + "\n")


def publish(incoming: Path, cache_dir: Path, snapshot: Snapshot, snapshot_id: str) -> Snapshot:
    """Give a fully written ``incoming`` directory its final name and make it current."""
    root = cache_root(cache_dir)
    relative = Path(safe_ref(snapshot.ref)) / snapshot_id
    final = root / relative
    final.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(incoming / MANIFEST, json.dumps(snapshot.manifest(), indent=2) + "\n")
    if final.exists():
        # Same id means same content (a commit, or a content hash): keep the existing directory, whose
        # readers may have it open, and record the fresh manifest in it.
        write_atomic(final / MANIFEST, json.dumps(snapshot.manifest(), indent=2) + "\n")
        if load_snapshot(final) is None:  # a damaged leftover: replace it
            shutil.rmtree(final)
            os.rename(incoming, final)
        else:
            shutil.rmtree(incoming)
    else:
        os.rename(incoming, final)
    write_atomic(root / POINTER, json.dumps({"directory": relative.as_posix()}) + "\n")
    prune(final.parent, keep=final)
    return Snapshot(final, snapshot.ref, snapshot.commit, snapshot.source, snapshot.fetched_at,
                    snapshot.files, snapshot.note)


def prune(ref_dir: Path, keep: Path) -> None:
    snapshots = sorted((p for p in ref_dir.iterdir() if p.is_dir()), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in snapshots[KEEP_SNAPSHOTS:]:
        if old != keep:
            shutil.rmtree(old, ignore_errors=True)
