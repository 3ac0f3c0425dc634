"""OONI's blocking-fingerprints CSVs, fetched over HTTPS into the cache, pinned and written atomically.

The files are ``<base_url>/<ref>/fingerprints_dns.csv`` and ``..._http.csv`` (raw.githubusercontent.com
of ooni/blocking-fingerprints by default). Each fetched pair is stored under
``<cache>/fingerprints/<sha256>/`` (content-addressed, so a half-written copy is never visible) and
``<cache>/fingerprints/refs/<ref>.json`` points at the pair a ref last gave. A ref that is a commit
is immutable: once cached it is never fetched again. A branch ref is fetched on every sync; when
the network fails, the last cached copy is used and said so. The version recorded with the
fingerprints is the commit (when the ref is one) and the SHA-256 of the two files. A local directory
(``upstream.fingerprints_from``) is recorded with the commit its ``SOURCE`` file names, if it has one
(as ../shared/data/ooni-fingerprints does), else as ``local``.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from ooni_ingest.http import FetchError, HttpClient

FILES = ("fingerprints_dns.csv", "fingerprints_http.csv")
HEADER_START = "name,scope,other_names,location_found,pattern_type,pattern"
COMMIT_RE = re.compile(r"[0-9a-f]{40}")
SOURCE_FILE = "SOURCE"   # a copy made by hand says where it came from: "... commit <40 hex> ..."
# A commit as git writes it, standing alone: not the first 40 digits of a longer SHA-256.
_NOTED_COMMIT_RE = re.compile(r"(?<![0-9A-Za-z])[0-9a-f]{40}(?![0-9A-Za-z])")


class FingerprintSourceError(RuntimeError):
    """The fingerprints could not be obtained; the message names the URL or directory and why."""


@dataclass(frozen=True)
class FingerprintFiles:
    directory: Path        # holds fingerprints_dns.csv and fingerprints_http.csv
    ref: str               # the ref asked for: a commit, a branch or tag, or "local"
    commit: str | None     # the commit, when the ref is one or a local copy's SOURCE file names it
    sha256: str            # of the two files, in FILES order
    origin: str            # "network", "cache" or "local"
    note: str = ""         # why a cached copy was used, if it was

    @property
    def version(self) -> str:
        """What the report prints as the fingerprint version."""
        return f"{self.commit or self.ref}@sha256:{self.sha256[:12]}"


def _digest(contents: list[bytes]) -> str:
    digest = hashlib.sha256()
    for content in contents:
        digest.update(hashlib.sha256(content).digest())
    return digest.hexdigest()


def check_csv(name: str, content: bytes, where: str) -> None:
    """Refuse what is not one of OONI's fingerprint CSVs (an HTML error page, an empty body)."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise FingerprintSourceError(f"{where}: {name} is not UTF-8 text: {exc}") from None
    if not text.startswith(HEADER_START):
        first = text[:80].splitlines()[0] if text.strip() else "(empty)"
        raise FingerprintSourceError(f"{where}: {name} is not OONI's fingerprint CSV (it starts with {first!r})")


def commit_noted_in(directory: Path) -> str | None:
    """The upstream commit a local copy's ``SOURCE`` file names, if it names one (a copy of OONI's
    fingerprints or of citizenlab/test-lists, made by hand)."""
    try:
        text = (directory / SOURCE_FILE).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    match = _NOTED_COMMIT_RE.search(text)
    return match.group(0) if match else None


def local_fingerprints(directory: Path | str) -> FingerprintFiles:
    """A directory holding the two CSVs (settings.upstream.fingerprints_from: offline runs, the demo).

    The version is the commit its SOURCE file names (so reports say which upstream rules were used)
    with the SHA-256 of the files as they are here; without a SOURCE file, ``local`` and the SHA-256.
    """
    directory = Path(directory)
    contents = []
    for name in FILES:
        path = directory / name
        try:
            contents.append(path.read_bytes())
        except OSError as exc:
            raise FingerprintSourceError(f"{path}: {exc.strerror or exc}") from None
        check_csv(name, contents[-1], str(path))
    return FingerprintFiles(directory, "local", commit_noted_in(directory), _digest(contents), "local")


def _ref_file(cache: Path, ref: str) -> Path:
    return cache / "refs" / (re.sub(r"[^A-Za-z0-9._-]", "_", ref) + ".json")


def _cached(cache: Path, ref: str, note: str = "") -> FingerprintFiles | None:
    pointer = _ref_file(cache, ref)
    try:
        data = json.loads(pointer.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    directory = cache / data["sha256"]
    if not all((directory / name).is_file() for name in FILES):
        return None
    return FingerprintFiles(directory, ref, data.get("commit"), data["sha256"], "cache", note)


def _store(cache: Path, ref: str, commit: str | None, base_url: str, contents: list[bytes]) -> FingerprintFiles:
    sha = _digest(contents)
    directory = cache / sha
    if not directory.is_dir():
        cache.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".incoming-", dir=cache))
        for name, content in zip(FILES, contents, strict=True):
            (staging / name).write_bytes(content)
        try:
            os.rename(staging, directory)
        except OSError:
            # Another process stored the same content first: theirs is identical.
            shutil.rmtree(staging, ignore_errors=True)
    pointer = _ref_file(cache, ref)
    pointer.parent.mkdir(parents=True, exist_ok=True)
    record = {
        "ref": ref, "commit": commit, "sha256": sha, "base_url": base_url,
        "fetched_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    partial = pointer.with_name(pointer.name + ".part")
    partial.write_text(json.dumps(record, indent=1), encoding="utf-8")
    os.replace(partial, pointer)
    return FingerprintFiles(directory, ref, commit, sha, "network")


def fetch_fingerprints(
    base_url: str,
    ref: str,
    cache_dir: Path | str,
    *,
    client: HttpClient | None = None,
) -> FingerprintFiles:
    """The two CSVs at ``ref``: from the cache for a cached commit, else over the network.

    On a network failure a cached copy of the same ref is used (``origin == "cache"``, with a
    note); without one, FingerprintSourceError names the URL and the failure.
    """
    ref = ref.strip() or "main"
    cache = Path(cache_dir) / "fingerprints"
    commit = ref if COMMIT_RE.fullmatch(ref) else None
    if commit and (hit := _cached(cache, ref)):
        return hit
    own_client = client is None
    client = client or HttpClient()
    try:
        contents = []
        for name in FILES:
            url = f"{base_url.rstrip('/')}/{ref}/{name}"
            contents.append(client.get(url).content)
            check_csv(name, contents[-1], url)
    except (FetchError, FingerprintSourceError) as exc:
        stale = _cached(cache, ref, note=f"fetching failed ({exc}); using the copy cached earlier")
        if stale:
            return stale
        raise FingerprintSourceError(f"OONI fingerprints at {ref!r}: {exc}") from None
    finally:
        if own_client:
            client.close()
    return _store(cache, ref, commit, base_url, contents)
