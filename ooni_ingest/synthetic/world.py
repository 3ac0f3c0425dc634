"""How the synthetic Internet answers a probe and the test helper, given a scenario's ``Behavior``.

Both probe versions (``render_v04``, ``render_v05``) ask the same questions here (does this connect
work, does this TLS handshake verify, which page does this address serve, what did the test helper
see) so that a scenario means the same thing whatever the test version.
"""

from __future__ import annotations

from datetime import datetime
from functools import cache

from ooni_ingest.synthetic import landscape as ls
from ooni_ingest.synthetic import pages
from ooni_ingest.synthetic.scenarios import TIMEOUT, Behavior

USER_AGENT = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0.0.0 Safari/537.3"
ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
ACCEPT_LANGUAGE = "en-US,en;q=0.9"

_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def http_date(when: datetime) -> str:
    """RFC 7231 date, independent of the machine's locale."""
    return f"{_http_day(when.date())} {when.hour:02d}:{when.minute:02d}:{when.second:02d} GMT"


@cache
def _http_day(day) -> str:
    return f"{_DAYS[day.weekday()]}, {day.day:02d} {_MONTHS[day.month - 1]} {day.year:04d}"


def split_url(url: str) -> tuple[str, str, int]:
    scheme, rest = url.split("://", 1)
    host = rest.split("/", 1)[0]
    return scheme, host, 443 if scheme == "https" else 80


def site_addresses(b: Behavior) -> frozenset[str]:
    """Addresses that really belong to the site (valid certificate, serve its pages)."""
    return _site_addresses(b.site)


@cache
def _site_addresses(site: ls.Site) -> frozenset[str]:
    v4, v6 = ls.site_ips(site)
    return frozenset({*v4, *v6, *ls.cdn_alternative_ips(site)})


def connect(b: Behavior, ip: str) -> str | None:
    return b.tcp_fail.get(ip)


def handshake(b: Behavior, ip: str) -> str | None:
    if ip in b.tls_fail:
        return b.tls_fail[ip]
    return None if ip in site_addresses(b) else "ssl_invalid_hostname"


def fetch(b: Behavior, ip: str, scheme: str) -> pages.Page | str:
    """The page an HTTP(S) GET to ``ip`` returns, or a failure string."""
    if ip in b.pages:
        return b.pages[ip]
    if scheme == "http" and not b.site.legacy_http:
        return pages.redirect_page(b.site)
    return pages.site_page(b.site)


@cache
def answer_entry(ip: str) -> dict:
    """One DNS answer as probes write it (ASN fields only where GeoIP knows the address).

    Cached and shared between measurements: never mutate the result."""
    v6 = ":" in ip
    entry: dict = {}
    owner = ls.asn_of(ip)
    if owner is not None:
        entry["asn"], entry["as_org_name"] = owner
    entry["answer_type"] = "AAAA" if v6 else "A"
    entry["ipv6" if v6 else "ipv4"] = ip
    entry["ttl"] = None
    return entry


class ControlView:
    """What OONI's test helper reports for this URL and these endpoints (seen from outside Cambodia)."""

    def __init__(self, b: Behavior, when: datetime) -> None:
        self.b = b
        v4, v6 = ls.site_ips(b.site)
        self.addrs = [] if b.site_state == "nxdomain" else v4 + v6
        self.dns_failure = "dns_name_error" if b.site_state == "nxdomain" else None
        self.when = when
        if b.site_state == "nxdomain":
            self.http_failure, self.page = "dns_lookup_error", None
        elif b.site_state == "server_down":
            self.http_failure = "connection_refused_error" if TIMEOUT not in b.tcp_fail.values() else TIMEOUT
            self.page = None
        else:
            self.http_failure, self.page = None, pages.site_page(b.site)

    def tcp(self, ip: str) -> str | None:
        """The helper's connect failure for ``ip`` (it reaches everything the site owns)."""
        if self.b.site_state == "server_down" and ip in self.addrs:
            return self.http_failure
        if ip in site_addresses(self.b) or (ls.asn_of(ip) is not None and ip not in ls.VIETTEL_BLOCK_IPS):
            return None
        return TIMEOUT

    def tls(self, ip: str) -> str | None:
        return None if ip in site_addresses(self.b) else "ssl_invalid_hostname"

    def http_request(self) -> dict:
        if self.page is None:
            return {"body_length": -1, "failure": self.http_failure, "title": "", "headers": {}, "status_code": -1}
        headers = {k: v for k, v in self.page.headers}
        headers["Date"] = http_date(self.when)
        return {"body_length": self.page.body_length, "failure": None, "title": self.page.title,
                "headers": dict(sorted(headers.items())), "status_code": self.page.status}
