"""The OONI API (api.ooni.io): measurement listings and single raw measurements.

Rate-limited and not meant for bulk: ingest uses it for small or recent pulls, and `imap
measurement UID` uses it to fetch one measurement as evidence. Raw measurements never change once
published, so each is cached by uid; listings are always asked afresh (late uploads add to them).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import orjson

from ooni_ingest.http import FetchError, HttpClient

MEASUREMENTS_PATH = "/api/v1/measurements"
RAW_MEASUREMENT_PATH = "/api/v1/raw_measurement"
PAGE_SIZE = 500


@dataclass(frozen=True)
class ApiPage:
    url: str                         # the listing URL of this page (provenance of its measurements)
    offset: int
    results: list[dict[str, Any]]    # listing entries: measurement_uid, report_id, input, ...


def write_atomically(path: Path, data: bytes) -> None:
    """Write to a temporary file beside ``path`` and rename it into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".part")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


class OoniApi:
    def __init__(self, endpoint: str, http: HttpClient, cache_dir: Path | None = None) -> None:
        self.endpoint = endpoint.rstrip("/")
        self.http = http
        self.cache_dir = cache_dir

    def listing_url(self, params: dict[str, Any]) -> str:
        return f"{self.endpoint}{MEASUREMENTS_PATH}?{urlencode(params)}"

    def measurement_pages(
        self, *, probe_cc: str, day: date, test_name: str = "web_connectivity", page_size: int = PAGE_SIZE
    ) -> Iterator[ApiPage]:
        """Listing pages of one measurement day (UTC), oldest first.

        Pages are walked by offset rather than by following `next_url`, which names api.ooni.io
        even when imap talks to another endpoint (a mirror, or the loopback server in tests).
        """
        offset = 0
        while True:
            params = {
                "probe_cc": probe_cc,
                "test_name": test_name,
                "since": day.isoformat(),
                "until": (day + timedelta(days=1)).isoformat(),
                "order_by": "measurement_start_time",
                "order": "asc",
                "limit": page_size,
                "offset": offset,
            }
            url = self.listing_url(params)
            body = self.http.get_json(url)
            results = body.get("results") if isinstance(body, dict) else None
            if not isinstance(results, list):
                raise FetchError(url, "the listing has no `results` list")
            yield ApiPage(url, offset, results)
            metadata = body.get("metadata") or {}
            if not results or len(results) < page_size or not metadata.get("next_url"):
                return
            offset += len(results)

    def raw_measurement_url(self, uid: str) -> str:
        return f"{self.endpoint}{RAW_MEASUREMENT_PATH}?{urlencode({'measurement_uid': uid})}"

    def raw_measurement_bytes(self, uid: str) -> bytes:
        """The raw measurement as JSON bytes, from the cache when fetched before.

        The collector's uid is written into the document when the API leaves it out, so rows
        keep the identity explorer links need.
        """
        cached = self.cache_dir / "raw" / f"{_safe(uid)}.json" if self.cache_dir else None
        if cached is not None and cached.is_file():
            return cached.read_bytes()
        url = self.raw_measurement_url(uid)
        document = self.http.get_json(url)
        if not isinstance(document, dict) or not document:
            raise FetchError(url, "the API returned no measurement")
        document.setdefault("measurement_uid", uid)
        data = orjson.dumps(document)
        if cached is not None:
            write_atomically(cached, data)
        return data

    def raw_measurement(self, uid: str) -> dict[str, Any]:
        return orjson.loads(self.raw_measurement_bytes(uid))

    def page_file(self, page: ApiPage, probe_cc: str, day: date) -> Path:
        """The page's raw measurements as one JSON-lines file in the cache, for the common parser."""
        if self.cache_dir is None:
            raise ValueError("page_file needs a cache directory")
        lines = []
        for entry in page.results:
            uid = entry.get("measurement_uid")
            if not uid:
                raise FetchError(page.url, f"a listing entry has no measurement_uid: {entry!r:.200}")
            lines.append(self.raw_measurement_bytes(uid))
        path = self.cache_dir / "pages" / probe_cc / day.isoformat() / f"offset-{page.offset:07d}.jsonl"
        write_atomically(path, b"\n".join(lines) + b"\n" if lines else b"")
        return path


def _safe(uid: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in uid)
