"""The synthetic Cambodian network landscape: ISPs, hosting, websites, blocking campaigns, outages.

Everything here is a fixed table so that the ground truth can be documented once (see
``ooni_ingest.synthetic.scenarios``). ISP names, ASNs and blocking methods follow
``shared/docs/classification.md`` (2022-2024 reports); the two Viettel answer addresses and the
10.10.10.1 / 146.112.0.0/16 addresses are the real ones. Websites are fictional and use reserved
top-level domains (``.example``, ``.test``) so nothing made from them can pass for a real finding.
Hosting addresses sit in real hosting networks' ranges so that ASN-based DNS consistency works as
it does on real data; no real website is implied.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

# Blocking methods as classification labels (layer.method).
DNS_REDIRECT = "dns.redirect"
DNS_NXDOMAIN = "dns.nxdomain"
DNS_BOGON = "dns.bogon"
TLS_RESET = "tls.reset"
TLS_TIMEOUT = "tls.timeout"
TCP_TIMEOUT = "tcp.timeout"

VIETTEL_BLOCK_IPS = ("36.37.242.94", "203.190.164.182")
OPENDNS_BLOCK_IPS = ("146.112.61.104", "146.112.61.106", "146.112.61.108")
ORG_FIREWALL_IP = "10.10.10.1"
ROUTER_IP = "192.168.1.1"


@dataclass(frozen=True, slots=True)
class Resolver:
    ip: str
    asn: int
    name: str
    # A public resolver that filters by category on the user's own choice (OpenDNS FamilyShield).
    filtering: bool = False


@dataclass(frozen=True, slots=True, eq=False)
class Network:
    asn: int
    name: str
    share: float                 # share of the country's measurements
    method: str | None           # the ISP's blocking method, None if it never blocks
    resolvers: tuple[Resolver, ...]
    ipv6: bool                   # whether customers have IPv6 routes
    foreign: bool = False        # foreign or VPN network geolocated to the country
    late_tail: float = 0.08      # share of sessions uploaded days late
    # Viettel's transparent DNS proxy also answers queries sent to public resolvers over UDP/53.
    intercepts_udp53: bool = False


def _r(ip: str, asn: int, name: str) -> Resolver:
    return Resolver(ip, asn, name)


OPENDNS = Resolver("208.67.222.123", 36692, "Cisco OpenDNS, LLC", filtering=True)
GOOGLE_DNS = Resolver("8.8.8.8", 15169, "Google LLC")
CLOUDFLARE_DNS = Resolver("1.1.1.1", 13335, "Cloudflare, Inc.")

# Shares roughly follow where Cambodian OONI measurements come from: mobile operators first.
NETWORKS: tuple[Network, ...] = (
    Network(38623, "Viettel (Cambodia) Pte., Ltd.", 0.25, DNS_REDIRECT,
            (_r("36.37.160.242", 38623, "Viettel (Cambodia) Pte., Ltd."),), ipv6=True, late_tail=0.14,
            intercepts_udp53=True),
    Network(17976, "CAMGSM Company Ltd", 0.14, DNS_NXDOMAIN,
            (_r("203.144.74.10", 17976, "CAMGSM Company Ltd"),), ipv6=True, late_tail=0.12),
    Network(45498, "SMART AXIATA Co., Ltd.", 0.13, TLS_RESET,
            (_r("202.8.73.206", 45498, "SMART AXIATA Co., Ltd."),), ipv6=True, late_tail=0.12),
    Network(38901, "EZECOM limited", 0.09, DNS_BOGON,
            (_r("203.176.130.123", 38901, "EZECOM limited"),), ipv6=False, late_tail=0.10),
    Network(24492, "WiCAM Corporation, Ltd.", 0.06, DNS_NXDOMAIN,
            (_r("116.212.128.5", 24492, "WiCAM Corporation, Ltd."),), ipv6=False, late_tail=0.10),
    Network(131207, "S.I Group", 0.07, DNS_BOGON,
            (_r("103.242.56.10", 131207, "S.I Group"),), ipv6=False, late_tail=0.10),
    Network(23673, "Cogetel Online", 0.05, DNS_NXDOMAIN,
            (_r("203.223.32.21", 23673, "Cogetel Online"),), ipv6=False, late_tail=0.10),
    Network(38235, "ANGKOR DATA COMMUNICATION GROUP CO., LTD.", 0.04, DNS_BOGON,
            (_r("175.100.18.45", 38235, "ANGKOR DATA COMMUNICATION GROUP CO., LTD."),), ipv6=False,
            late_tail=0.10),
    Network(131178, "Opennet", 0.04, DNS_BOGON,
            (_r("103.216.48.66", 131178, "Opennet"),), ipv6=False, late_tail=0.10),
    Network(58424, "CooTel (Cambodia) - Xinwei Telecom", 0.04, TLS_TIMEOUT,
            (_r("117.20.118.10", 58424, "CooTel (Cambodia) - Xinwei Telecom"),), ipv6=False, late_tail=0.12),
    # A Cambodian ISP that blocks nothing in the synthetic world: every cell there is accessible.
    Network(9902, "NEOCOMISP LIMITED, IPTX Transit and Network Service Provider in Cambodia.", 0.05, None,
            (_r("202.56.11.10", 9902, "NEOCOMISP LIMITED"),), ipv6=False, late_tail=0.06),
    # Foreign / VPN networks geolocated to Cambodia: not Cambodian ISPs at all.
    Network(9009, "M247 Europe SRL", 0.02, None, (_r("89.187.170.10", 9009, "M247 Europe SRL"),),
            ipv6=True, foreign=True, late_tail=0.04),
    Network(9723, "ISEEK Communications Pty Ltd", 0.01, None,
            (_r("203.26.24.10", 9723, "ISEEK Communications Pty Ltd"),), ipv6=False, foreign=True, late_tail=0.04),
    Network(209854, "Cyberzone S.A.", 0.02, None, (_r("185.213.155.10", 209854, "Cyberzone S.A."),),
            ipv6=False, foreign=True, late_tail=0.04),
)

NETWORK_BY_ASN = {n.asn: n for n in NETWORKS}

# The one organisation whose pfBlockerNG firewall answers 10.10.10.1 sits behind this ISP.
ORG_FIREWALL_ASN = 131207
# Categories the organisation's firewall, OpenDNS FamilyShield and the VPN providers' resolvers filter.
ORG_FIREWALL_CATEGORIES = frozenset({"GMB", "PORN", "ANON", "DATE"})
OPENDNS_CATEGORIES = frozenset({"GMB", "PORN", "DATE", "ANON"})
VPN_FILTER_CATEGORIES = frozenset({"GMB", "PORN"})


@dataclass(frozen=True, slots=True)
class Hosting:
    asn: int
    org: str
    prefix: str       # first three octets of IPv4 addresses handed out in this network
    v6_prefix: str    # IPv6 prefix for sites with AAAA records


HOSTING: dict[str, Hosting] = {
    "cloudflare": Hosting(13335, "Cloudflare, Inc.", "104.21.48", "2606:4700:3031::"),
    "fastly": Hosting(54113, "Fastly, Inc.", "151.101.2", "2a04:4e42:200::"),
    "akamai": Hosting(20940, "Akamai International B.V.", "23.215.0", "2600:1406:3a00::"),
    "aws": Hosting(16509, "Amazon.com, Inc.", "52.74.223", "2406:da18:b3d::"),
    "digitalocean": Hosting(14061, "DigitalOcean, LLC", "159.89.204", "2400:6180:0:d1::"),
    "hetzner": Hosting(24940, "Hetzner Online GmbH", "65.108.88", "2a01:4f9:c010::"),
    "ovh": Hosting(16276, "OVH SAS", "51.79.173", "2402:1f00:8001::"),
    "ezecom-dc": Hosting(38901, "EZECOM limited", "203.189.134", ""),
    "google": Hosting(15169, "Google LLC", "142.250.199", "2404:6800:4003:c01::"),
}


# Sites, networks and probes are singletons: identity hashing keeps the many cache lookups cheap.
@dataclass(frozen=True, slots=True, eq=False)
class Site:
    domain: str
    url: str
    category: str
    list_name: str                 # 'kh' or 'global' test list
    hosting: str                   # key of HOSTING
    weight: float = 1.0            # how often probes test it
    ipv6: bool = False             # has AAAA records
    legacy_http: bool = False      # plain HTTP only (no redirect to HTTPS)
    kind: str = "normal"           # normal, cdn, cloudflare_challenge, sg_challenge, rare
    n_ips: int = 2


def _kh(n: int, stem: str, category: str, hosting: str, scheme: str = "https", **kw) -> Site:
    domain = f"{stem}-{n:02d}.example"
    return Site(domain, f"{scheme}://{domain}/", category, "kh", hosting, **kw)


# Campaign, trap and control sites. Names say what the site is in the fiction, never a real outlet.
SITES: tuple[Site, ...] = (
    # Independent news and political sites: the main, year-long blocking campaign.
    _kh(1, "khmer-news", "NEWS", "cloudflare", weight=3.0, ipv6=True),
    _kh(2, "khmer-news", "NEWS", "aws", "http", weight=3.0),
    _kh(3, "khmer-news", "NEWS", "digitalocean", weight=2.5),
    Site("khmer-news-04.example", "https://khmer-news-04.example/en/", "NEWS", "kh", "hetzner", weight=2.0),
    Site("www.mekong-voice-05.example", "http://www.mekong-voice-05.example/", "NEWS", "kh", "ovh", weight=2.0),
    _kh(6, "opposition-party", "POLR", "cloudflare", weight=2.5, ipv6=True),
    _kh(7, "opposition-party", "POLR", "digitalocean", weight=2.0),
    _kh(8, "rights-watch-kh", "HUMR", "aws", "http", weight=2.0),
    # Blocked from mid-year (a news site that published an investigation).
    _kh(9, "investigative-desk", "NEWS", "fastly", weight=2.5, ipv6=True),
    # A short campaign: blocked for three months on Viettel only.
    _kh(10, "land-rights-forum", "HUMR", "hetzner", weight=2.0),
    # Gambling and adult sites: ISP blocking plus the local-filtering traps.
    _kh(11, "lucky-casino", "GMB", "cloudflare", weight=2.5),
    _kh(12, "lucky-casino", "GMB", "ovh", "http", weight=2.0),
    Site("bet-mekong-13.test", "https://bet-mekong-13.test/", "GMB", "kh", "digitalocean", weight=2.0),
    Site("adult-video-14.test", "https://adult-video-14.test/", "PORN", "global", "aws", weight=1.5),
    Site("dating-asia-15.test", "https://dating-asia-15.test/", "DATE", "global", "aws", weight=1.5),
    Site("free-proxy-16.test", "https://free-proxy-16.test/", "ANON", "global", "hetzner", weight=1.5),
    # Rarely measured, blocked: their cells stay thin (1-3 measurements).
    _kh(17, "diaspora-blog", "POLR", "ovh", kind="rare", weight=0.0),
    _kh(18, "labour-union", "HUMR", "digitalocean", kind="rare", weight=0.0),
    # Sites that are simply down for part of the period.
    _kh(19, "old-ngo-portal", "HUMR", "ezecom-dc", "http", weight=1.5),        # domain expires mid-period
    _kh(20, "community-radio", "NEWS", "ezecom-dc", weight=1.5),       # server down some months
    Site("dead-forum-21.test", "http://dead-forum-21.test/", "GRP", "kh", "ovh", weight=1.0),  # NXDOMAIN throughout
    # Trap sites that are never blocked.
    Site("www.cf-shielded-22.example", "http://www.cf-shielded-22.example/", "NEWS", "kh", "cloudflare",
         weight=2.0, legacy_http=True, kind="cloudflare_challenge"),
    Site("shop-khmer-23.example", "http://shop-khmer-23.example/", "COMM", "kh", "cloudflare", weight=1.5,
         legacy_http=True, kind="sg_challenge"),
    Site("www.global-video-24.example", "https://www.global-video-24.example/", "MMED", "global", "akamai",
         weight=2.5, ipv6=True, kind="cdn", n_ips=4),
    Site("www.global-social-25.example", "https://www.global-social-25.example/", "GRP", "global", "fastly",
         weight=2.5, ipv6=True, kind="cdn", n_ips=4),
    Site("search-portal-26.example", "https://search-portal-26.example/", "SRCH", "global", "google",
         weight=2.0, ipv6=True),
    # Sites that are accessible everywhere.
    _kh(27, "ministry-portal", "GOVT", "ezecom-dc", "http", weight=1.5, legacy_http=True),
    _kh(28, "phnom-penh-daily", "NEWS", "cloudflare", weight=2.0, ipv6=True),
    _kh(29, "angkor-travel", "CULTR", "aws", "http", weight=1.0),
    _kh(30, "khmer-music", "CULTR", "digitalocean", "http", weight=1.0),
    # An internationalised name, written as punycode as the test lists require ("ព័ត៌មាន" = news).
    Site("xn--x2eihj4m4e0a.example", "https://xn--x2eihj4m4e0a.example/", "NEWS", "kh", "aws", weight=1.0),
    Site("www.health-info-31.example", "http://www.health-info-31.example/", "PUBH", "kh", "ovh", weight=1.0),
    Site("webmail-32.example", "https://webmail-32.example/", "COMT", "global", "google", weight=1.5, ipv6=True),
    Site("encyclopedia-33.example", "https://encyclopedia-33.example/", "CULTR", "global", "fastly",
         weight=1.5, ipv6=True),
    Site("lgbt-rights-34.example", "https://lgbt-rights-34.example/", "LGBT", "global", "cloudflare", weight=1.0),
    Site("file-share-35.example", "https://file-share-35.example/", "FILE", "global", "hetzner", weight=1.0),
    Site("blog-host-36.example", "https://blog-host-36.example/", "HOST", "global", "aws", weight=1.0),
)

SITE_BY_DOMAIN = {s.domain: s for s in SITES}

KH_BLOCKING_ISPS = tuple(n.asn for n in NETWORKS if n.method and not n.foreign)


@dataclass(frozen=True, slots=True)
class Campaign:
    """A set of domains an ISP blocks over a range of months, at a high but imperfect rate.

    Months are offsets from the first month of the generated period (0 = first month);
    ``last_month`` None means until the end of the period.
    """

    name: str
    domains: tuple[str, ...]
    asns: tuple[int, ...]
    first_month: int
    last_month: int | None
    rate: float
    notes: str = ""


CAMPAIGNS: tuple[Campaign, ...] = (
    Campaign("independent-media", tuple(s.domain for s in SITES[:8]), KH_BLOCKING_ISPS, 0, None, 0.93,
             "news, opposition and rights sites, every blocking ISP, the whole period"),
    Campaign("investigation", ("investigative-desk-09.example",), (38623, 45498, 17976, 38901), 6, None, 0.9,
             "blocked from the seventh month on four ISPs"),
    Campaign("land-dispute", ("land-rights-forum-10.example",), (38623,), 2, 4, 0.88,
             "three months on Viettel only"),
    Campaign("gambling", ("lucky-casino-11.example", "lucky-casino-12.example", "bet-mekong-13.test"),
             (38623, 17976, 45498, 24492, 38901, 58424), 0, None, 0.95,
             "gambling on the big ISPs (not S.I Group, where only the organisation's firewall filters)"),
    Campaign("adult", ("adult-video-14.test",), (38623, 17976, 24492, 23673), 0, None, 0.9),
    Campaign("thin", ("diaspora-blog-17.example", "labour-union-18.example"), KH_BLOCKING_ISPS, 0, None, 1.0,
             "rarely measured; every cell is thin"),
)


@dataclass(frozen=True, slots=True)
class Outage:
    """A site down for everyone (the control too) over a range of month offsets."""

    domain: str
    kind: str                 # 'nxdomain' (domain gone) or 'server' (host refuses / times out)
    first_month: int
    last_month: int | None


OUTAGES: tuple[Outage, ...] = (
    Outage("old-ngo-portal-19.example", "nxdomain", 5, None),
    Outage("community-radio-20.example", "server", 0, 0),  # every period, however short, has one
    Outage("community-radio-20.example", "server", 3, 4),
    Outage("community-radio-20.example", "server", 9, 9),
    Outage("dead-forum-21.test", "nxdomain", 0, None),
)


def campaign_for(asn: int, domain: str, month: int) -> Campaign | None:
    """The campaign under which ``asn`` blocks ``domain`` in month offset ``month``, if any."""
    for c in CAMPAIGNS:
        if asn in c.asns and domain in c.domains and c.first_month <= month and (
            c.last_month is None or month <= c.last_month
        ):
            return c
    return None


def outage_for(domain: str, month: int) -> Outage | None:
    for o in OUTAGES:
        if o.domain == domain and o.first_month <= month and (o.last_month is None or month <= o.last_month):
            return o
    return None


# Address-to-network table the synthetic probe and test helper use (a stand-in for their GeoIP database).
_PREFIX_ASN: dict[str, tuple[int, str]] = {
    **{h.prefix.rsplit(".", 1)[0]: (h.asn, h.org) for h in HOSTING.values()},
    "36.37": (38623, "Viettel (Cambodia) Pte., Ltd."),
    "203.190": (38623, "Viettel (Cambodia) Pte., Ltd."),
    "146.112": (36692, "Cisco OpenDNS, LLC"),
}
_V6_PREFIX_ASN = {h.v6_prefix.split(":")[0] + ":" + h.v6_prefix.split(":")[1]: (h.asn, h.org)
                  for h in HOSTING.values() if h.v6_prefix}


@cache
def asn_of(ip: str) -> tuple[int, str] | None:
    """(ASN, organisation) of a public address the synthetic world knows, None for bogons/unknown."""
    if ":" in ip:
        parts = ip.split(":")
        return _V6_PREFIX_ASN.get(parts[0] + ":" + parts[1])
    return _PREFIX_ASN.get(ip[: ip.index(".", ip.index(".") + 1)])


@cache
def is_bogon(ip: str) -> bool:
    """Private, loopback, link-local and unspecified addresses (what OONI calls bogons)."""
    if ":" in ip:
        return ip == "::1" or ip.startswith(("fe80:", "fc", "fd")) or ip == "::"
    a, b = (int(x) for x in ip.split(".")[:2])
    return a in (0, 10, 127) or (a == 192 and b == 168) or (a == 172 and 16 <= b <= 31) or (a == 169 and b == 254) or (
        a == 100 and 64 <= b <= 127)


@cache
def site_ips(site: Site) -> tuple[list[str], list[str]]:
    # Cached: callers must not mutate the lists.
    """The site's authoritative IPv4 and IPv6 addresses (what the control resolves)."""
    h = HOSTING[site.hosting]
    base = sum(site.domain.encode()) % 200 + 20
    v4 = [f"{h.prefix}.{base + i}" for i in range(site.n_ips)]
    v6 = [f"{h.v6_prefix}{base + i:x}" for i in range(min(2, site.n_ips))] if site.ipv6 and h.v6_prefix else []
    return v4, v6


@cache
def cdn_alternative_ips(site: Site) -> list[str]:
    """Addresses of the same CDN that a resolver in Cambodia hands out instead (same ASN, other IPs)."""
    h = HOSTING[site.hosting]
    base = sum(site.domain.encode()) % 200 + 20
    return [f"{h.prefix[: h.prefix.rfind('.')]}.{int(h.prefix.rsplit('.', 1)[1]) + 7}.{base + i}" for i in range(2)]
