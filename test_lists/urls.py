"""URL helpers for the list tooling and the effective list.

`test_list.domain` must be computed exactly like `measurements.domain`, or the join between measured
URLs and the list silently loses rows: `hostname_of` therefore delegates to ingest's own
`ooni_ingest.extract.host_of_url` (one definition for the whole warehouse).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from ooni_ingest.extract import host_of_url, normalize_host

# Hosts that are placeholders, never real test targets (RFC 2606 / RFC 6761 names).
PLACEHOLDER_HOSTS = frozenset({"example.com", "example.org", "example.net", "localhost"})
PLACEHOLDER_SUFFIXES = (".example", ".test", ".invalid", ".localhost", ".local")


def hostname_of(url: str) -> str | None:
    """Lower-case ASCII (punycode) hostname of ``url`` without port or trailing dot; None if absent.

    >>> hostname_of("https://WWW.Example.org:8443/path")
    'www.example.org'
    >>> hostname_of("http://ខ្មែរ.com/")
    'xn--j2e0cg3n2c.com'
    """
    return host_of_url(url.strip()) or None


def without_www(host: str) -> str:
    return host[4:] if host.startswith("www.") else host


def is_bare_host(url: str) -> bool:
    """True for ``https://example.org`` (no path at all), which upstream rejects without a ``/``."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return bool(parts.scheme and parts.netloc) and parts.path == ""


def with_trailing_slash(url: str) -> str:
    """``https://example.org`` -> ``https://example.org/``; anything with a path is returned as is.

    A query without a path (``https://a.org?x=1``) gets the slash before the ``?``, which is the same
    resource for every HTTP server.
    """
    if not is_bare_host(url):
        return url
    parts = urlsplit(url)
    return parts._replace(path="/").geturl()


def variant_key(url: str) -> str | None:
    """What stays the same between near-duplicates: no scheme, no ``www.``, no trailing slash.

    ``http://www.a.org/x/`` and ``https://a.org/x`` share the key ``a.org/x``.
    """
    host = hostname_of(url)
    if host is None:
        return None
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return None
    path = parts.path.rstrip("/")
    key = without_www(host) + (f":{port}" if port else "") + (path or "/")
    return key + (f"?{parts.query}" if parts.query else "")


def is_root(url: str) -> bool:
    """A URL naming a whole site: no path beyond ``/`` and no query."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return False
    return parts.path in ("", "/") and not parts.query


def is_placeholder_host(host: str) -> bool:
    host = without_www(host)
    return host in PLACEHOLDER_HOSTS or host.endswith(PLACEHOLDER_SUFFIXES) or host.startswith("127.")


def normalize_new_url(url: str) -> str:
    """A volunteer's URL as the list wants it: trimmed, scheme and host lower-case, IDN as punycode,
    and a trailing slash on a bare host. Paths and queries are left alone (they are case-sensitive).
    Anything unusual (userinfo, a malformed port, no host) is only trimmed: the lint then explains."""
    url = url.strip()
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return url
    if not parts.scheme or not parts.hostname or parts.username or parts.password:
        return url
    host = normalize_host(parts.hostname) or parts.hostname
    if ":" in host:  # IPv6 literal: upstream's regex rejects it anyway, leave it for the lint to explain
        return url
    netloc = f"{host}:{port}" if port is not None else host
    return with_trailing_slash(parts._replace(scheme=parts.scheme.lower(), netloc=netloc).geturl())


def _written_host(url: str) -> str:
    """The host exactly as written in ``url`` (case and script kept), without port."""
    rest = url.strip().split("://", 1)[-1]
    netloc = rest.split("/", 1)[0].split("?", 1)[0].split("#", 1)[0]
    return netloc.rsplit("@", 1)[-1].split(":", 1)[0].rstrip(".")


def variant_difference(url: str, other: str) -> str:
    """How two URLs with the same `variant_key` differ, in a volunteer's words."""
    try:
        a, b = urlsplit(url.strip()), urlsplit(other.strip())
    except ValueError:
        return "how it is written"
    differences = []
    if a.scheme.lower() != b.scheme.lower():
        differences.append("http/https")
    host_a, host_b = _written_host(url), _written_host(other)
    if host_a.lower().startswith("www.") != host_b.lower().startswith("www."):
        differences.append("www.")
    bare_a, bare_b = without_www(host_a.lower()), without_www(host_b.lower())
    if bare_a != bare_b:
        if bare_a.isascii() != bare_b.isascii():
            unicode_host, ascii_host = (bare_a, bare_b) if bare_b.isascii() else (bare_b, bare_a)
            spelling = "punycode" if "xn--" in ascii_host else "ASCII"
            differences.append(f"how the host is written: the same name in Unicode ({unicode_host}) and in "
                               f"{spelling} ({ascii_host})")
        else:
            differences.append("how the host is written (the same name once converted to punycode)")
    elif host_a != host_b and without_www(host_a) != without_www(host_b):
        differences.append("upper/lower case in the host")
    if a.path != b.path:
        # before the host, whose description may run long
        differences.insert(len(differences) - (bare_a != bare_b), "a trailing slash")
    if not differences:
        return "how it is written"
    return ", ".join(differences[:-1]) + (" and " if len(differences) > 1 else "") + differences[-1]
