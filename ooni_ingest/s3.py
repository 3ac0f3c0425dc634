"""OONI's public bucket over plain HTTPS, without credentials: ListObjectsV2 and GET.

Only what ingest needs of S3's REST API: `GET /?list-type=2&prefix=...[&delimiter=/]
[&continuation-token=...]` returning a `ListBucketResult` XML document (Contents with Key and
Size, CommonPrefixes, IsTruncated, NextContinuationToken), and `GET /<key>` for objects.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

from ooni_ingest.http import FetchError, HttpClient


@dataclass(frozen=True)
class S3Object:
    key: str
    size: int


@dataclass
class Listing:
    objects: list[S3Object] = field(default_factory=list)
    prefixes: list[str] = field(default_factory=list)


def _text(element: ET.Element, name: str) -> str | None:
    child = element.find(f"{{*}}{name}")
    return child.text if child is not None else None


def parse_listing_page(xml_bytes: bytes, url: str) -> tuple[Listing, str | None]:
    """One ListObjectsV2 page -> (objects and common prefixes, next continuation token or None)."""
    try:
        root = ET.fromstring(xml_bytes)
    except ET.ParseError as exc:
        raise FetchError(url, f"the listing is not valid XML: {exc}") from None
    if not root.tag.endswith("ListBucketResult"):
        raise FetchError(url, f"expected a ListBucketResult, got <{root.tag}>")
    page = Listing()
    for contents in root.iterfind("{*}Contents"):
        key, size = _text(contents, "Key"), _text(contents, "Size")
        if key is None or size is None:
            raise FetchError(url, "a Contents entry has no Key or Size")
        page.objects.append(S3Object(key, int(size)))
    for prefix in root.iterfind("{*}CommonPrefixes"):
        value = _text(prefix, "Prefix")
        if value:
            page.prefixes.append(value)
    truncated = (_text(root, "IsTruncated") or "false").strip().lower() == "true"
    token = _text(root, "NextContinuationToken") if truncated else None
    if truncated and not token:
        raise FetchError(url, "IsTruncated is true but there is no NextContinuationToken")
    return page, token


class S3Bucket:
    """A bucket reachable at ``endpoint`` (virtual-hosted style, e.g. OONI's eu-central-1 URL)."""

    def __init__(self, endpoint: str, http: HttpClient) -> None:
        self.endpoint = endpoint.rstrip("/")
        self.http = http
        self.list_requests = 0

    def object_url(self, key: str) -> str:
        return f"{self.endpoint}/{quote(key)}"

    def list(self, prefix: str, *, delimiter: str | None = None) -> Listing:
        """Every object and common prefix under ``prefix``, following continuation tokens."""
        result = Listing()
        token: str | None = None
        while True:
            params = {"list-type": "2", "prefix": prefix}
            if delimiter:
                params["delimiter"] = delimiter
            if token:
                params["continuation-token"] = token
            url = f"{self.endpoint}/"
            response = self.http.get(url, params=params)
            self.list_requests += 1
            page, token = parse_listing_page(response.content, f"{url}?prefix={prefix}")
            result.objects.extend(page.objects)
            result.prefixes.extend(page.prefixes)
            if token is None:
                return result

    def iter_objects(self, prefix: str) -> Iterator[S3Object]:
        yield from self.list(prefix).objects

    def download(self, obj: S3Object, cache_dir: Path) -> Path:
        """The object in the cache (``cache_dir/<key>``), fetched once, atomically and resumably."""
        parts = obj.key.split("/")
        if any(part in ("", ".", "..") for part in parts):
            raise FetchError(self.object_url(obj.key), "refusing a key that is not a plain relative path")
        target = cache_dir.joinpath(*parts)
        return self.http.download(self.object_url(obj.key), target, expected_size=obj.size)
