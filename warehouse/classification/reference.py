"""Refreshing the classification's reference tables: fingerprints (OONI + reviewed local file) and networks."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from ooni_ingest.fingerprints import (
    FingerprintFiles,
    FingerprintSourceError,
    fetch_fingerprints,
    local_fingerprints,
)
from ooni_ingest.http import HttpClient
from warehouse.classification import fingerprints as fp
from warehouse.classification.networks import NETWORKS_CSV, load_networks
from warehouse.settings import Settings


@dataclass
class ReferenceResult:
    source: FingerprintFiles
    fingerprints: int = 0
    by_origin_scope: dict[str, int] = field(default_factory=dict)
    skipped: dict[str, int] = field(default_factory=dict)
    networks: int = 0
    local_ref: str = ""

    @property
    def ooni_version(self) -> str:
        return self.source.version


def obtain_fingerprint_files(settings: Settings) -> FingerprintFiles:
    """settings.upstream.fingerprints_from when set (offline, demo), else OONI's repository over HTTPS."""
    upstream = settings.upstream
    if upstream.fingerprints_from:
        return local_fingerprints(upstream.fingerprints_from)
    client = HttpClient(timeout=settings.ingest.http_timeout_seconds, max_retries=settings.ingest.max_retries)
    try:
        return fetch_fingerprints(
            upstream.fingerprints_base_url, upstream.fingerprints_ref, settings.paths.cache_dir, client=client
        )
    except FingerprintSourceError as exc:
        raise FingerprintSourceError(
            f"{exc}. Without network, read a local copy of OONI's blocking-fingerprints instead: "
            "--fingerprints-from DIR, $IMAP_FINGERPRINTS_FROM or upstream.fingerprints_from in imap.toml"
        ) from None
    finally:
        client.close()


def load_reference(
    con: duckdb.DuckDBPyConnection,
    files: FingerprintFiles,
    excluded_network_kinds: tuple[str, ...],
    *,
    local_file: Path = fp.LOCAL_FINGERPRINTS,
    networks_file: Path = NETWORKS_CSV,
) -> ReferenceResult:
    """Validate everything first, then replace the `fingerprints` and `networks` tables."""
    ooni = fp.read_ooni_files(files.directory, files.version, con)
    local = fp.read_local_file(local_file, con)
    result = ReferenceResult(source=files, local_ref=local.refs["local"])
    result.fingerprints = fp.store_fingerprints(con, ooni, local)
    result.skipped = dict(ooni.skipped)
    result.by_origin_scope = dict(Counter(f"{row['origin']}:{row['scope']}" for row in ooni.rows + local.rows))
    result.networks = load_networks(con, excluded_network_kinds, networks_file)
    return result
