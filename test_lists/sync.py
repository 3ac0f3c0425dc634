"""`imap testlist sync`: upstream kh.csv, global.csv and the category legend into the cache.

Over HTTPS, files are fetched from ``<test_lists_base_url>/<commit>/lists/<name>``: a branch is first
resolved to a commit through GitHub's commits API so that the three files come from one commit and
the commit is recorded. If the branch cannot be resolved (API unreachable or rate-limited), the files
are fetched at the branch and the snapshot says so. Every download is retried on 429, 5xx and
broken connections with bounded backoff (a host name that does not resolve only once more: no
network), checked for what it should contain, and published only when all three files are complete
(see test_lists.upstream).
"""

from __future__ import annotations

import datetime
import hashlib
import re
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests

from ooni_ingest.fingerprints import commit_noted_in
from ooni_ingest.http import name_did_not_resolve
from test_lists.csvfile import decode
from test_lists.legend import parse_legend
from test_lists.upstream import UPSTREAM_FILES, Snapshot, cache_root, current_snapshot, publish

COMMIT = re.compile(r"[0-9a-f]{40}")
GITHUB_RAW = re.compile(r"https://raw\.githubusercontent\.com/([^/]+)/([^/]+)/?$")
USER_AGENT = "imap-testlist-sync (+https://github.com/citizenlab/test-lists consumer)"


class SyncError(RuntimeError):
    """Fetching or storing upstream lists failed; the message names the URL or path."""


@dataclass
class Fetcher:
    """GET with bounded retries on what is worth retrying (429, 5xx, broken or slow connections)."""

    timeout: float = 60.0
    max_retries: int = 5
    backoff_seconds: float = 1.0  # doubled per attempt
    max_backoff_seconds: float = 30.0  # also caps Retry-After
    session: requests.Session = field(default_factory=requests.Session)

    def get(self, url: str, headers: dict[str, str] | None = None) -> bytes:
        last = ""
        for attempt in range(self.max_retries + 1):
            delay = min(self.backoff_seconds * 2**attempt, self.max_backoff_seconds)
            try:
                response = self.session.get(url, timeout=self.timeout,
                                            headers={"User-Agent": USER_AGENT, **(headers or {})})
                # Reading the body inside the try: a truncated body raises here and is retried.
                body = response.content
            except requests.RequestException as exc:
                last = f"{type(exc).__name__}: {exc}"
                # A name that does not resolve means no network or no DNS far more often than a
                # passing fault: one more try, not a minute of backoff before saying so.
                if attempt >= 1 and name_did_not_resolve(exc):
                    raise SyncError(f"{url}: the host name did not resolve (no network or no DNS?): {last}") from None
            else:
                if response.status_code == 200:
                    return body
                last = f"HTTP {response.status_code}"
                if response.status_code != 429 and response.status_code < 500:
                    hint = " (no such file at that ref?)" if response.status_code == 404 else ""
                    raise SyncError(f"{url}: {last}{hint}")
                delay = min(_retry_after(response, delay), self.max_backoff_seconds)
            if attempt < self.max_retries:
                time.sleep(delay)
        raise SyncError(f"{url}: gave up after {self.max_retries + 1} attempts ({last})")


def _retry_after(response: requests.Response, default: float) -> float:
    try:
        return max(0.0, float(response.headers.get("Retry-After", "")))
    except ValueError:
        return default


def default_api_url(base_url: str) -> str | None:
    """GitHub's API for the repository behind a raw.githubusercontent.com base URL."""
    match = GITHUB_RAW.match(base_url)
    return f"https://api.github.com/repos/{match.group(1)}/{match.group(2)}" if match else None


def resolve_commit(fetcher: Fetcher, api_url: str, ref: str) -> tuple[str | None, str]:
    """(commit, note): the commit ``ref`` points to, or None and why not."""
    url = f"{api_url.rstrip('/')}/commits/{ref}"
    try:
        body = fetcher.get(url, headers={"Accept": "application/vnd.github.sha"})
    except SyncError as exc:
        return None, f"could not resolve {ref!r} to a commit: {exc}"
    text = body.decode("utf-8", errors="replace").strip()
    match = COMMIT.search(text)  # the sha media type gives the bare sha; JSON carries it as "sha"
    if match is None:
        return None, f"could not resolve {ref!r} to a commit: {url} answered {text[:80]!r}"
    return match.group(0), ""


def check_content(name: str, data: bytes, where: str) -> None:
    """Refuse what is not the file we asked for (an HTML error page, a truncated legend...)."""
    if name.startswith("00-LEGEND"):
        legend = parse_legend(data, where)
        if legend.problems:
            raise SyncError(f"{where}: not a usable category legend: {legend.problems[0].message}")
        return
    text, problems = decode(data, where)
    if problems:
        raise SyncError(f"{where}: {problems[0].message} (line {problems[0].line})")
    first = text.split("\n", 1)[0]
    if not first.startswith("url,"):
        raise SyncError(f"{where}: does not look like a Citizen Lab list (first line {first[:80]!r})")


def _now() -> str:
    return datetime.datetime.now(datetime.UTC).replace(microsecond=0).isoformat()


def _incoming(cache_dir: Path) -> Path:
    root = cache_root(cache_dir)
    root.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix=".incoming-", dir=root))


def _content_id(blobs: dict[str, bytes]) -> str:
    digest = hashlib.sha256()
    for name in UPSTREAM_FILES:
        digest.update(hashlib.sha256(blobs[name]).digest())
    return "sha256-" + digest.hexdigest()[:16]


def _store(cache_dir: Path, blobs: dict[str, bytes], sources: dict[str, str], snapshot: Snapshot,
           snapshot_id: str) -> Snapshot:
    incoming = _incoming(cache_dir)
    try:
        for name, data in blobs.items():
            (incoming / name).write_bytes(data)
            snapshot.files[name] = {"from": sources[name], "sha256": hashlib.sha256(data).hexdigest(),
                                    "bytes": len(data)}
        return publish(incoming, cache_dir, snapshot, snapshot_id)
    except BaseException:
        shutil.rmtree(incoming, ignore_errors=True)
        raise


def sync_from_network(cache_dir: Path, base_url: str, ref: str, *, api_url: str | None = None,
                      fetcher: Fetcher | None = None) -> Snapshot:
    fetcher = fetcher or Fetcher()
    base_url = base_url.rstrip("/")
    note = ""
    if COMMIT.fullmatch(ref):
        commit: str | None = ref
    else:
        api_url = api_url or default_api_url(base_url)
        if api_url:
            commit, note = resolve_commit(fetcher, api_url, ref)
        else:
            commit, note = None, f"no commits API known for {base_url}; recorded {ref!r} as a branch"
    at = commit or ref
    sources = {name: f"{base_url}/{at}/lists/{name}" for name in UPSTREAM_FILES}
    blobs = {}
    for name, url in sources.items():
        blobs[name] = fetcher.get(url)
        check_content(name, blobs[name], url)
    snapshot = Snapshot(Path(), ref, commit, base_url, _now(), {}, note)
    return _store(cache_dir, blobs, sources, snapshot, commit[:12] if commit else _content_id(blobs))


def sync_from_directory(cache_dir: Path, directory: Path, ref: str | None = None) -> Snapshot:
    """Copy a local copy (a directory with the three files, or a test-lists clone) into the cache."""
    directory = directory.expanduser().resolve()
    if (directory / "lists").is_dir() and not (directory / "kh.csv").exists():
        directory = directory / "lists"
    blobs, sources = {}, {}
    for name in UPSTREAM_FILES:
        path = directory / name
        try:
            blobs[name] = path.read_bytes()
        except OSError as exc:
            raise SyncError(f"{path}: {exc.strerror or exc}") from exc
        sources[name] = str(path)
        check_content(name, blobs[name], str(path))
    commit = commit_noted_in(directory) or commit_noted_in(directory.parent)
    snapshot = Snapshot(Path(), ref or "local", commit, str(directory), _now(), {},
                        "" if commit else "local copy without a SOURCE file naming its commit")
    return _store(cache_dir, blobs, sources, snapshot, _content_id(blobs))


def ensure_snapshot(cache_dir: Path, base_url: str, ref: str, from_dir: str = "",
                    fetcher: Fetcher | None = None) -> tuple[Snapshot, bool]:
    """The current snapshot, syncing first when there is none; (snapshot, whether it was synced now)."""
    snapshot = current_snapshot(cache_dir)
    if snapshot is not None:
        return snapshot, False
    if from_dir:
        return sync_from_directory(cache_dir, Path(from_dir), None), True
    return sync_from_network(cache_dir, base_url, ref, fetcher=fetcher), True
