"""HTTP request/response entries (df-001-httpt) and the probe's page comparison, shared by both versions.

Response bodies are the bulk of a measurement, so each page's JSON-encoded body is made once and
spliced in as an ``orjson.Fragment``.
"""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache

import orjson

from ooni_ingest.synthetic import pages
from ooni_ingest.synthetic.world import ACCEPT, ACCEPT_LANGUAGE, USER_AGENT, http_date

_TOR = {"exit_ip": None, "exit_name": None, "is_tor": False}
_EMPTY_RESPONSE = {"body": "", "body_is_truncated": False, "code": 0, "headers_list": [], "headers": {}}

# Headers the probe does not count when comparing with the control (OONI's "common headers").
_COMMON_HEADERS = frozenset({
    "date", "content-type", "server", "cache-control", "vary", "set-cookie", "location", "expires",
    "x-powered-by", "content-encoding", "last-modified", "accept-ranges", "pragma", "x-frame-options", "etag",
    "x-content-type-options", "age", "via", "p3p", "x-xss-protection", "content-language", "cf-ray",
    "strict-transport-security", "link", "x-varnish",
})


@lru_cache(maxsize=256)
def body_fragment(page: pages.Page) -> orjson.Fragment:
    return orjson.Fragment(orjson.dumps(page.body))


def request_part(url: str, host: str, *, referer: bool, extended: bool) -> dict:
    headers = [["Accept", ACCEPT], ["Accept-Language", ACCEPT_LANGUAGE], ["Host", host]]
    if referer:
        headers.append(["Referer", ""])
    headers.append(["User-Agent", USER_AGENT])
    return {"body": "", "body_is_truncated": False, "headers_list": headers, "headers": dict(headers),
            "method": "GET", "tor": _TOR, "x_transport": "tcp", "url": url}


def response_part(page: pages.Page | None, when: datetime) -> dict:
    if page is None:
        return dict(_EMPTY_RESPONSE)
    headers = sorted([*page.headers, ("Date", http_date(when))])
    return {"body": body_fragment(page), "body_is_truncated": False, "code": page.status,
            "headers_list": [list(h) for h in headers], "headers": dict(headers)}


def body_similarity(page: pages.Page, control_http: dict) -> dict:
    """body_proportion and the four *_match fields as the probe computes them."""
    control_length = control_http["body_length"]
    measured = page.body_length
    proportion: float = 0
    length_match = None
    if control_length > 0 and measured > 0:
        proportion = min(measured, control_length) / max(measured, control_length)
        length_match = proportion > 0.7
    control_status = control_http["status_code"]
    status_match = None
    if control_status > 0 and page.status > 0:
        status_match = page.status == control_status if page.status == control_status or control_status // 100 != 5 \
            else None
    ours = {k.lower() for k, _ in page.headers} | {"date"}
    theirs = {k.lower() for k in control_http["headers"]}
    headers_match = ours == theirs or bool((ours - _COMMON_HEADERS) & (theirs - _COMMON_HEADERS))
    title = pages.title_of(page.body)
    title_match = None
    if title:
        words: dict[str, int] = {}
        for w in title.split(" "):
            if len(w) >= 5:
                words[w.lower()] = words.get(w.lower(), 0) | 1
        for w in control_http["title"].split(" "):
            if len(w) >= 5:
                words[w.lower()] = words.get(w.lower(), 0) | 2
        title_match = all(v == 3 for v in words.values())
    return {"body_proportion": proportion, "body_length_match": length_match, "headers_match": headers_match,
            "status_code_match": status_match, "title_match": title_match}
