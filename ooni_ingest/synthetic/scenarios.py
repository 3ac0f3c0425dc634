"""What happens to each synthetic measurement, and the ground truth a correct classifier should reach.

Every measurement gets exactly one **scenario**. The truth files (``measurements.csv``) carry, per
measurement: ``outcome`` (ok / blocked / down / inconclusive), ``layer`` (dns / tcp / tls / http or
empty), ``method`` (e.g. ``dns.redirect``) and ``is_isp_blocking``. ``outcome``/``layer``/``method``
are what a careful tier-1 judgement of that one measurement should say (using the control and the
TLS evidence); ``is_isp_blocking`` is who really did it: true only when a Cambodian ISP blocked the
site. A measurement can therefore be ``blocked`` without being ISP blocking (a firewall, a filtering
resolver chosen by the user, a VPN provider): those are the traps.

| scenario | what the measurement shows | outcome | layer | method | ISP? |
|---|---|---|---|---|---|
| ``ok`` | consistent DNS, connects, TLS and page match the control | ok | | | no |
| ``isp_dns_redirect`` | Viettel (AS38623): system resolver (and UDP/53 to public resolvers, intercepted) answers 36.37.242.94 or 203.190.164.182; connects to it time out | blocked | dns | dns.redirect | yes |
| ``isp_dns_nxdomain`` | WiCAM, Cellcard, Cogetel: NXDOMAIN (``android_dns_cache_no_data`` on Android) while the control resolves | blocked | dns | dns.nxdomain | yes |
| ``isp_dns_localhost`` | Ezecom, S.I Group, Angkor Data, Opennet: answer 127.0.0.1 | blocked | dns | dns.bogon | yes |
| ``isp_tls_reset`` | Smart (AS45498): DNS and TCP fine, TLS handshake reset after the ClientHello (http:// inputs get the site's 301 to https first) | blocked | tls | tls.reset | yes |
| ``isp_tls_timeout`` | CooTel (AS58424): TLS handshake times out | blocked | tls | tls.timeout | yes |
| ``isp_block_miss`` | a campaign cell, but this time the block was not applied (blocking rates are 88-95 %, never 100 %) | ok | | | no |
| ``thin_cell`` | a rarely measured site blocked by the ISP's method; its cells hold 1-3 measurements (cell truth: insufficient) | blocked (or ok on a network that does not block) | per method | per method | yes when blocked |
| ``filtering_resolver`` | a probe whose system resolver is OpenDNS FamilyShield (AS36692, on AS9902): answers in 146.112.0.0/16 for gambling, adult, dating and proxy sites; the HTTP page is the resolver's block page, TLS fails with ``ssl_invalid_hostname`` | blocked | dns | dns.redirect | no |
| ``org_firewall`` | one organisation's pfBlockerNG (one probe on AS131207): answer 10.10.10.1, TLS ``ssl_unknown_authority``, HTTP a DNSBL page | blocked | dns | dns.bogon | no |
| ``router_page`` | (http:// inputs) a home router hijacks DNS after an upstream failure: answer 192.168.1.1, HTTP "GPON Home Gateway" login page, UDP lookups time out | inconclusive | | | no |
| ``cloudflare_challenge`` | http:// site behind bot protection: probe gets 403 "Just a moment..." (or 202 "One moment, please..."), control gets 200; the probe itself says ``http-diff`` | ok | | | no |
| ``cdn_same_asn`` | resolver answers other addresses of the same CDN ASN than the control; TLS to them succeeds | ok | | | no |
| ``ipv6_unreachable`` | desktop probe on a network without IPv6 gets AAAA answers; IPv6 connects fail ``network_unreachable``, IPv4 works | ok | | | no |
| ``transient_failure`` | an isolated failure with a working control: every connect times out, or the TLS handshake times out (on networks that do not block that way) | blocked | tcp/tls | tcp.timeout/tls.timeout | no |
| ``control_failure`` | the test helper could not be reached (``control_failure`` set, ``control`` empty); HTTPS success still proves the site reachable | ok if the final request was HTTPS and succeeded, else inconclusive | | | no |
| ``site_down_nxdomain`` | the domain does not exist any more: NXDOMAIN for the probe and ``dns_name_error`` for the control | down | | | no |
| ``site_down_server`` | the server refuses or times out for the probe and the control alike | down | | | no |
| ``foreign_network`` | AS9009 M247, AS9723 iseek, AS209854 Cyberzone (VPN exits geolocated to Cambodia): sites load, except gambling and adult sites that the VPN's resolver answers with 0.0.0.0 | ok, or blocked/dns/dns.bogon | | | no |

Cell truth (``cells.csv``, one row per month x ASN x domain with measurements), first rule that applies:
``insufficient`` when fewer than ``min_measurements`` (5) measurements or ``min_days`` (2) distinct days;
``blocked`` when a blocking campaign covers the ISP, domain and month (the world's truth: with block
rates of 88-95 % a small cell can, rarely, show the block on fewer than half its measurements); ``down`` when the site was down
for the month (an outage); ``not_isp_blocking`` when at least 30 % of the cell's measurements are
local filtering (``filtering_resolver``, ``org_firewall``, ``router_page``, or a filtered
``foreign_network`` measurement): a verdict of confirmed or likely there is a false positive;
otherwise ``accessible`` (including cells dominated by ``cloudflare_challenge``, ``cdn_same_asn`` or
``ipv6_unreachable``, where the site was reachable).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from ooni_ingest.synthetic import landscape as ls
from ooni_ingest.synthetic import pages
from ooni_ingest.synthetic.landscape import Network, Resolver, Site

OK, BLOCKED, DOWN, INCONCLUSIVE = "ok", "blocked", "down", "inconclusive"

SCENARIOS = (
    "ok", "isp_dns_redirect", "isp_dns_nxdomain", "isp_dns_localhost", "isp_tls_reset", "isp_tls_timeout",
    "isp_block_miss", "thin_cell", "filtering_resolver", "org_firewall", "router_page", "cloudflare_challenge",
    "cdn_same_asn", "ipv6_unreachable", "transient_failure", "control_failure", "site_down_nxdomain",
    "site_down_server", "foreign_network",
)
# Scenarios whose anomalies come from filtering that is not the ISP's (cell rule not_isp_blocking).
LOCAL_FILTERING = frozenset({"filtering_resolver", "org_firewall", "router_page"})

_ISP_SCENARIO = {
    ls.DNS_REDIRECT: "isp_dns_redirect", ls.DNS_NXDOMAIN: "isp_dns_nxdomain", ls.DNS_BOGON: "isp_dns_localhost",
    ls.TLS_RESET: "isp_tls_reset", ls.TLS_TIMEOUT: "isp_tls_timeout",
}

TIMEOUT = "generic_timeout_error"


@dataclass(frozen=True, slots=True, eq=False)
class Probe:
    """One OONI Probe installation: its network, resolver, software and quirks."""

    key: str
    network: Network
    resolver: Resolver
    platform: str            # android, ios, macos, windows, linux
    software_name: str
    software_version: str
    test_version: str
    network_type: str        # wifi, mobile
    gets_aaaa: bool          # its resolver path returns AAAA records (desktop)
    quirk: str | None        # None, 'org_firewall', 'router', 'filtering_resolver'
    weight: float


@dataclass(slots=True)
class Behavior:
    """What the network does to this measurement, from which both probe versions are rendered.

    Addresses not listed in the failure maps behave like the site itself (connect, valid TLS, page).
    """

    site: Site
    site_state: str = "up"                          # up, nxdomain, server_down
    dns_answers: list[str] = field(default_factory=list)
    dns_failure: str | None = None
    udp_answers: list[str] | None = None           # None: the truthful answers
    udp_failure: str | None = None
    tcp_fail: dict[str, str] = field(default_factory=dict)
    tls_fail: dict[str, str] = field(default_factory=dict)
    pages: dict[str, pages.Page] = field(default_factory=dict)   # address -> page served instead of the site's
    control_failure: str | None = None


@dataclass(frozen=True, slots=True)
class Judgement:
    scenario: str
    outcome: str
    layer: str
    method: str
    is_isp_blocking: bool


def truthful_answers(site: Site, probe: Probe) -> list[str]:
    v4, v6 = ls.site_ips(site)
    return v4 + (v6 if probe.gets_aaaa else [])


def _isp_block(method: str, b: Behavior, probe: Probe, rng: random.Random) -> tuple[str, str]:
    """Apply an ISP's blocking method; returns (layer, method)."""
    v4, v6 = ls.site_ips(b.site)
    if method == ls.DNS_REDIRECT:
        ip = ls.VIETTEL_BLOCK_IPS[0] if rng.random() < 0.7 else ls.VIETTEL_BLOCK_IPS[1]
        b.dns_answers = [ip]
        b.tcp_fail[ip] = TIMEOUT
        if probe.network.intercepts_udp53:
            b.udp_answers = [ip]
        return "dns", method
    if method == ls.DNS_NXDOMAIN:
        b.dns_answers = []
        b.dns_failure = "android_dns_cache_no_data" if probe.platform == "android" and rng.random() < 0.6 \
            else "dns_nxdomain_error"
        return "dns", method
    if method == ls.DNS_BOGON:
        b.dns_answers = ["127.0.0.1"]
        b.tcp_fail["127.0.0.1"] = "connection_refused"
        return "dns", method
    failure = "connection_reset" if method == ls.TLS_RESET else TIMEOUT
    for ip in v4 + v6 + ls.cdn_alternative_ips(b.site):
        b.tls_fail[ip] = failure
    return "tls", method


def decide(probe: Probe, site: Site, month: int, rng: random.Random, *, rare: bool = False) -> tuple[Judgement, Behavior]:
    """Pick the scenario of one measurement of ``site`` by ``probe`` in month offset ``month``."""
    net = probe.network
    b = Behavior(site=site, dns_answers=truthful_answers(site, probe))
    v4, v6 = ls.site_ips(site)
    if not net.ipv6:
        # Desktop resolvers hand out AAAA records even where the access network has no IPv6 route.
        for ip in v6:
            b.tcp_fail[ip] = "network_unreachable"

    outage = ls.outage_for(site.domain, month)
    if outage is not None:
        if outage.kind == "nxdomain":
            b.site_state, b.dns_answers, b.dns_failure = "nxdomain", [], "dns_nxdomain_error"
            b.udp_failure = "dns_nxdomain_error"
            return Judgement("site_down_nxdomain", DOWN, "", "", False), b
        b.site_state = "server_down"
        failure = "connection_refused" if rng.random() < 0.6 else TIMEOUT
        for ip in v4 + v6:
            b.tcp_fail[ip] = failure
        return Judgement("site_down_server", DOWN, "", "", False), b

    if net.foreign:
        if site.category in ls.VPN_FILTER_CATEGORIES:
            b.dns_answers = ["0.0.0.0"]
            b.tcp_fail["0.0.0.0"] = "connection_refused"
            return Judgement("foreign_network", BLOCKED, "dns", ls.DNS_BOGON, False), b
        return Judgement("foreign_network", OK, "", "", False), b

    campaign = ls.campaign_for(net.asn, site.domain, month)
    if rare:
        if campaign is not None and net.method:
            layer, method = _isp_block(net.method, b, probe, rng)
            return Judgement("thin_cell", BLOCKED, layer, method, True), b
        return Judgement("thin_cell", OK, "", "", False), b

    if probe.quirk == "org_firewall" and site.category in ls.ORG_FIREWALL_CATEGORIES:
        b.dns_answers = [ls.ORG_FIREWALL_IP]
        b.tls_fail[ls.ORG_FIREWALL_IP] = "ssl_unknown_authority"
        b.pages[ls.ORG_FIREWALL_IP] = pages.pfblocker_page()
        return Judgement("org_firewall", BLOCKED, "dns", ls.DNS_BOGON, False), b

    if probe.resolver.filtering and site.category in ls.OPENDNS_CATEGORIES:
        ip = ls.OPENDNS_BLOCK_IPS[sum(site.domain.encode()) % len(ls.OPENDNS_BLOCK_IPS)]
        b.dns_answers = [ip]
        b.tls_fail[ip] = "ssl_invalid_hostname"
        b.pages[ip] = pages.opendns_block_page()
        return Judgement("filtering_resolver", BLOCKED, "dns", ls.DNS_REDIRECT, False), b

    if campaign is not None and net.method:
        if rng.random() < campaign.rate:
            layer, method = _isp_block(net.method, b, probe, rng)
            return Judgement(_ISP_SCENARIO[net.method], BLOCKED, layer, method, True), b
        return Judgement("isp_block_miss", OK, "", "", False), b

    # Only http:// inputs: there the router's own page is the evidence (https ones just fail TLS).
    if probe.quirk == "router" and site.url.startswith("http://") and rng.random() < 0.5:
        b.dns_answers = [ls.ROUTER_IP]
        b.udp_failure = TIMEOUT
        b.tls_fail[ls.ROUTER_IP] = "ssl_invalid_hostname"
        b.pages[ls.ROUTER_IP] = pages.router_login_page()
        return Judgement("router_page", INCONCLUSIVE, "", "", False), b

    if site.kind in ("cloudflare_challenge", "sg_challenge") and rng.random() < 0.7:
        page = pages.cloudflare_challenge(site) if site.kind == "cloudflare_challenge" else pages.one_moment_challenge(site)
        for ip in v4 + v6:
            b.pages[ip] = page
        return Judgement("cloudflare_challenge", OK, "", "", False), b

    if site.kind == "cdn":
        b.dns_answers = ls.cdn_alternative_ips(site) + (v6 if probe.gets_aaaa else [])
        return Judgement("cdn_same_asn", OK, "", "", False), b

    roll = rng.random()
    if roll < 0.015:
        b.control_failure = "generic_timeout_error" if rng.random() < 0.5 else "connection_reset"
        secure = site.url.startswith("https://") or not site.legacy_http
        return Judgement("control_failure", OK if secure else INCONCLUSIVE, "", "", False), b
    if roll < 0.035:
        # A connectivity blip: every address of the site fails alike, whichever resolver found it.
        addresses = {*b.dns_answers, *v4, *v6}
        if net.method != ls.TLS_TIMEOUT and not site.legacy_http and rng.random() < 0.4:
            for ip in addresses:
                b.tls_fail[ip] = TIMEOUT
            return Judgement("transient_failure", BLOCKED, "tls", ls.TLS_TIMEOUT, False), b
        for ip in addresses:
            b.tcp_fail[ip] = TIMEOUT
        return Judgement("transient_failure", BLOCKED, "tcp", ls.TCP_TIMEOUT, False), b

    if v6 and probe.gets_aaaa and not net.ipv6:
        return Judgement("ipv6_unreachable", OK, "", "", False), b
    return Judgement("ok", OK, "", "", False), b
