"""The three sources, each planning the files (work units) that hold a range of days.

A work unit is one file to parse. Its `ingest_day` is the partition it loads:
- bucket and mirror files: the upload day their key or path names (`dated`);
- API pages: the measurement day the listing asked for (`match_day`: rows of other days are skipped
  as outside_partition);
- plain files whose path tells nothing: None, the content decides (each row goes to its measurement
  day, rows outside the range are outside_partition). Plans list these first, then dated units in
  day order, so a day is complete as soon as the next day's first unit comes up.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Protocol

from ooni_ingest import layout
from ooni_ingest.api import ApiPage, OoniApi
from ooni_ingest.http import HttpClient
from ooni_ingest.s3 import S3Bucket, S3Object


@dataclass(frozen=True)
class WorkUnit:
    source_file: str                 # what measurements.source_file records: key, API URL or local path
    ingest_source: str               # "s3", "api", "local"
    ingest_day: date | None          # None: content-filtered (see the module docstring)
    match_day: bool = False          # rows must have measurement_day == ingest_day
    path_country: str | None = None  # the country the path promised (wrong_country if the content differs)
    path_test: bool = False          # the path promised web_connectivity (wrong_test_name if not)
    size: int | None = None
    local_path: Path | None = None   # set when the file is already on disk
    remote: object = field(default=None, compare=False)  # what the source needs to fetch it


class Source(Protocol):
    name: str

    def plan(self, first: date, last: date) -> Iterator[WorkUnit]: ...

    def fetch(self, unit: WorkUnit) -> Path: ...


class LocalSource:
    """A directory of measurement files: bucket mirror, `oonidata sync` output, or plain files."""

    name = "local"

    def __init__(self, root: Path, country: str) -> None:
        if not root.exists():
            raise FileNotFoundError(f"{root}: no such file or directory (ingest source)")
        self.root = root.resolve()
        self.country = country
        self.pruned_files = 0

    def _files(self) -> Iterator[Path]:
        if self.root.is_file():
            yield self.root
            return
        for directory, subdirectories, names in os.walk(self.root):
            subdirectories.sort()
            for name in sorted(names):
                if layout.is_measurement_file(name):
                    yield Path(directory) / name

    def plan(self, first: date, last: date) -> Iterator[WorkUnit]:
        content_filtered: list[WorkUnit] = []
        dated: list[WorkUnit] = []
        for path in self._files():
            hints = layout.hints_for(path.as_posix())
            # Prune on what the path says; a file is read only when it may hold wanted rows.
            if hints.is_web_connectivity is False or (hints.country and hints.country != self.country):
                self.pruned_files += 1
                continue
            if hints.upload_day is not None and not first <= hints.upload_day <= last:
                self.pruned_files += 1
                continue
            unit = WorkUnit(
                source_file=str(path),
                ingest_source=self.name,
                ingest_day=hints.upload_day,
                path_country=hints.country,
                path_test=bool(hints.is_web_connectivity),
                size=path.stat().st_size,
                local_path=path,
            )
            (dated if unit.ingest_day else content_filtered).append(unit)
        yield from content_filtered
        yield from sorted(dated, key=lambda unit: (unit.ingest_day, unit.source_file))

    def fetch(self, unit: WorkUnit) -> Path:
        assert unit.local_path is not None
        return unit.local_path


class S3Source:
    """OONI's bucket: list each upload day's hour prefixes, then the country's web_connectivity files."""

    name = "s3"

    def __init__(self, bucket: S3Bucket, cache_dir: Path, country: str) -> None:
        self.bucket = bucket
        self.cache_dir = cache_dir
        self.country = country

    def keys_for_day(self, day: date) -> list[S3Object]:
        (prefix,) = layout.bucket_prefixes(day, self.country)
        if not prefix.startswith("raw/"):
            objects = self.bucket.list(prefix).objects
        else:
            hours = self.bucket.list(prefix, delimiter="/").prefixes
            objects = []
            for hour in sorted(hours):
                objects.extend(self.bucket.list(layout.hour_prefix(hour, self.country)).objects)
        # The same prefixes hold .tar.gz "postcans" (uploads as received); the .jsonl.gz are the data.
        return [obj for obj in objects if obj.key.endswith(".jsonl.gz")]

    def plan(self, first: date, last: date) -> Iterator[WorkUnit]:
        for day in layout.days(first, last):
            for obj in self.keys_for_day(day):
                hints = layout.hints_for(obj.key)
                yield WorkUnit(
                    source_file=obj.key,
                    ingest_source=self.name,
                    ingest_day=day,
                    path_country=hints.country or self.country,
                    path_test=True,
                    size=obj.size,
                    remote=obj,
                )

    def fetch(self, unit: WorkUnit) -> Path:
        assert isinstance(unit.remote, S3Object)
        return self.bucket.download(unit.remote, self.cache_dir)


class ApiSource:
    """The OONI API, one listing page at a time; each page becomes a JSON-lines file in the cache."""

    name = "api"

    def __init__(self, api: OoniApi, country: str) -> None:
        self.api = api
        self.country = country

    def plan(self, first: date, last: date) -> Iterator[WorkUnit]:
        for day in layout.days(first, last):
            for page in self.api.measurement_pages(probe_cc=self.country, day=day):
                if not page.results:
                    continue
                yield WorkUnit(
                    source_file=page.url,
                    ingest_source=self.name,
                    ingest_day=day,
                    match_day=True,
                    path_country=self.country,
                    path_test=True,
                    remote=(page, day),
                )

    def fetch(self, unit: WorkUnit) -> Path:
        page, day = unit.remote  # type: ignore[misc]
        assert isinstance(page, ApiPage)
        return self.api.page_file(page, self.country, day)


def open_source(
    source: str,
    *,
    country: str,
    cache_dir: Path,
    s3_endpoint: str,
    api_endpoint: str,
    http: HttpClient,
) -> Source:
    """`s3`, `api`, or a local path (directory or single file)."""
    if source == "s3":
        return S3Source(S3Bucket(s3_endpoint, http), cache_dir / "s3", country)
    if source == "api":
        return ApiSource(OoniApi(api_endpoint, http, cache_dir / "api"), country)
    return LocalSource(Path(source).expanduser(), country)
