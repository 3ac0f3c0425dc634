"""HTTP for the bucket and the API: bounded retries, rate-limit backoff, atomic resumable downloads.

Policy: 429 waits for the server's Retry-After (or an exponential backoff) and tries again; 5xx,
timeouts, resets and bodies cut short are retried with exponential backoff and jitter, at most
`max_retries` times; a host name that does not resolve is tried twice (no network, usually); other
4xx fail at once. A download is written to `<target>.part`, resumed with
a Range request after an interruption, checked against the expected size, then renamed into place,
so the cache only ever holds complete files and a finished file is never fetched again.
"""

from __future__ import annotations

import email.utils
import os
import random
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import requests
import urllib3.exceptions

USER_AGENT = "imap-ingest/0.1 (OONI web_connectivity data for the Cambodia censorship report)"
CHUNK_BYTES = 256 * 1024
RETRYABLE_EXCEPTIONS = (
    requests.ConnectionError,
    requests.Timeout,
    requests.exceptions.ChunkedEncodingError,
    requests.exceptions.ContentDecodingError,
    # Raised by the raw stream that downloads read from (a cut connection, a stalled read).
    urllib3.exceptions.ProtocolError,
    urllib3.exceptions.ReadTimeoutError,
)


def name_did_not_resolve(exc: BaseException) -> bool:
    """Whether a connection error comes from a failed host name lookup (urllib3's NameResolutionError)."""
    seen: set[int] = set()
    pending: list[BaseException | None] = [exc]
    while pending:
        current = pending.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, urllib3.exceptions.NameResolutionError):
            return True
        pending += [current.__cause__, current.__context__, getattr(current, "reason", None),
                    *(arg for arg in current.args if isinstance(arg, BaseException))]
    return False


class FetchError(RuntimeError):
    """A request failed for good (after retries, or a non-retryable status); names the URL."""

    def __init__(self, url: str, message: str, status: int | None = None) -> None:
        super().__init__(f"{url}: {message}")
        self.url = url
        self.status = status


class _Retryable(Exception):
    def __init__(self, message: str, wait: float | None = None) -> None:
        super().__init__(message)
        self.wait = wait


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    if value.strip().isdigit():
        return float(value)
    try:
        moment = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, moment.timestamp() - time.time())


class HttpClient:
    """A requests session with imap's retry policy. ``sleep`` is replaceable for tests of timing."""

    def __init__(
        self,
        *,
        timeout: float = 60.0,
        max_retries: int = 5,
        backoff_seconds: float = 1.0,
        max_backoff_seconds: float = 120.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.timeout = timeout
        self.max_retries = max_retries
        self.backoff_seconds = backoff_seconds
        self.max_backoff_seconds = max_backoff_seconds
        self.sleep = sleep
        self.session = requests.Session()
        self.session.headers["User-Agent"] = USER_AGENT
        self.retries_done = 0

    def close(self) -> None:
        self.session.close()

    def _with_retries(self, url: str, attempt: Callable[[], Any]) -> Any:
        for number in range(self.max_retries + 1):
            try:
                return attempt()
            except _Retryable as exc:
                problem, wait = str(exc), exc.wait
            except RETRYABLE_EXCEPTIONS as exc:
                problem, wait = f"{type(exc).__name__}: {exc}", None
                # A host name that does not resolve means no network (or no DNS) far more often
                # than a passing fault: one more try, not the whole backoff of a busy server.
                if number >= 1 and name_did_not_resolve(exc):
                    raise FetchError(url, f"the host name did not resolve (no network or no DNS?): {problem}") from None
            if number == self.max_retries:
                raise FetchError(url, f"gave up after {self.max_retries + 1} attempts; last: {problem}")
            if wait is None:
                wait = self.backoff_seconds * 2**number * (0.5 + random.random())
            self.retries_done += 1
            self.sleep(min(wait, self.max_backoff_seconds))
        raise AssertionError("unreachable")

    def _check(self, url: str, response: requests.Response) -> None:
        status = response.status_code
        if status == 429:
            response.close()
            raise _Retryable("HTTP 429 Too Many Requests", _retry_after(response.headers.get("Retry-After")))
        if status >= 500:
            response.close()
            raise _Retryable(f"HTTP {status}")
        if status >= 400 and status != 416:
            text = response.text[:200].strip()
            raise FetchError(url, f"HTTP {status}: {text}", status)

    def get(self, url: str, *, params: dict[str, Any] | None = None) -> requests.Response:
        """GET with retries; the whole body is read, so a cut-short body is retried too."""

        def attempt() -> requests.Response:
            response = self.session.get(url, params=params, timeout=self.timeout)
            self._check(url, response)
            _ = response.content
            return response

        return self._with_retries(url, attempt)

    def get_json(self, url: str, *, params: dict[str, Any] | None = None) -> Any:
        response = self.get(url, params=params)
        try:
            return response.json()
        except ValueError as exc:
            raise FetchError(url, f"the answer is not JSON: {exc}") from None

    def download(self, url: str, target: Path, *, expected_size: int | None = None) -> Path:
        """Fetch ``url`` into ``target`` atomically, resuming a partial download; cached when complete."""
        if target.is_file() and (expected_size is None or target.stat().st_size == expected_size):
            return target
        target.parent.mkdir(parents=True, exist_ok=True)
        part = target.with_name(target.name + ".part")

        def attempt() -> Path:
            offset = part.stat().st_size if part.exists() else 0
            if expected_size is not None and offset > expected_size:
                part.unlink()
                offset = 0
            if expected_size is not None and offset == expected_size:
                os.replace(part, target)
                return target
            headers = {"Range": f"bytes={offset}-"} if offset else {}
            with self.session.get(url, headers=headers, stream=True, timeout=self.timeout) as response:
                self._check(url, response)
                if response.status_code == 416:
                    # Nothing left past our offset: what we have is the whole object (checked below).
                    total = offset
                else:
                    if response.status_code != 206:
                        offset = 0  # the server ignored the Range header: start over
                    total = offset + int(response.headers.get("Content-Length", -1))
                    with open(part, "r+b" if offset else "wb") as out:
                        out.seek(offset)
                        out.truncate()
                        # Raw bytes as sent (no Content-Encoding decoding): the size must match the listing.
                        for chunk in response.raw.stream(CHUNK_BYTES, decode_content=False):
                            out.write(chunk)
            size = part.stat().st_size
            if expected_size is not None and size != expected_size:
                raise _Retryable(f"got {size} bytes, the listing says {expected_size}")
            if expected_size is None and total >= offset and size != total:
                raise _Retryable(f"got {size} bytes, the server announced {total}")
            os.replace(part, target)
            return target

        return self._with_retries(url, attempt)
