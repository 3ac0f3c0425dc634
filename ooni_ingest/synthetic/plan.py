"""Who measures what and when: probes, test sessions, upload delays and the thin-cell injections.

Planning is cheap and sequential (one ``random.Random(seed)``); each planned measurement keeps its
own 64-bit seed, from which its scenario and JSON are derived later, in any process and any order,
with identical results. Times are integer seconds (and microseconds for uploads) since the epoch,
UTC, so that a plan of a million measurements stays small.
"""

from __future__ import annotations

import itertools
import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from ooni_ingest.synthetic import landscape as ls
from ooni_ingest.synthetic.landscape import Network, Site
from ooni_ingest.synthetic.scenarios import Probe

# (software_version, test_version, weight): older Android installs still ran 0.4.3 in 2023-2024.
SOFTWARE = (
    ("3.16.7", "0.4.3", 0.10), ("3.17.5", "0.4.3", 0.20), ("3.18.1", "0.4.3", 0.05),
    ("3.19.2", "0.5.26", 0.15), ("3.20.1", "0.5.27", 0.20), ("3.21.0", "0.5.28", 0.15), ("3.22.0", "0.5.28", 0.15),
)
PLATFORMS = (  # (platform, software_name suffix, weight)
    ("android", "android", 0.62), ("ios", "ios", 0.08), ("macos", "desktop-unattended", 0.08),
    ("windows", "desktop-unattended", 0.12), ("linux", "cli", 0.10),
)
SOFTWARE_PREFIX = "imap-synthetic-ooniprobe-"
# Local hours (UTC+7) when people run tests: evenings and lunch breaks, little at night.
_HOUR_WEIGHTS = (1, 1, 1, 1, 1, 2, 3, 4, 5, 5, 5, 6, 7, 6, 5, 5, 5, 6, 7, 8, 8, 7, 5, 3)


_EPOCH = datetime(1970, 1, 1)


@dataclass(slots=True)
class Session:
    report_id: str
    test_start: int          # epoch seconds
    upload_delay: int        # seconds between measuring and the collector receiving


@dataclass(slots=True)
class Planned:
    index: int
    probe: Probe
    site: Site
    session: Session
    when: int                # measurement_start_time, epoch seconds
    upload_us: int           # collector reception time, epoch microseconds (the bucket hour)
    seed: int
    month: int               # month offset from the period's first month
    rare: bool


def epoch(d: date) -> int:
    return (d - _EPOCH.date()).days * 86400


def utc(ts: float) -> datetime:
    """Naive UTC datetime of epoch seconds (what OONI's timestamps mean)."""
    return _EPOCH + timedelta(seconds=ts)


def month_offset(start: date, ts: int) -> int:
    d = utc(ts)
    return (d.year - start.year) * 12 + d.month - start.month


def _pick(rng: random.Random, table):
    return rng.choices(table, weights=[row[-1] for row in table])[0]


def make_probes(rng: random.Random) -> list[Probe]:
    """A few installations per network, plus the quirky ones the traps need."""
    probes: list[Probe] = []
    for net in ls.NETWORKS:
        n = max(3, round(net.share * 60))
        for i in range(n):
            weight = rng.lognormvariate(0, 0.8) if i >= 2 else 1.0
            probes.append(_probe(rng, net, i, net.resolvers[0], None, weight))
        normal_weight = sum(p.weight for p in probes if p.network is net)
        if net.asn == ls.ORG_FIREWALL_ASN:
            # One organisation's office probe runs its own list often: 60 % of the network's volume.
            probes.append(_probe(rng, net, n, net.resolvers[0], "org_firewall", 1.1 * normal_weight,
                                 platform="windows", software=SOFTWARE[1]))
            probes.append(_probe(rng, net, n + 1, net.resolvers[0], "org_firewall", 0.4 * normal_weight,
                                 platform="macos", software=SOFTWARE[-1]))
        if net.asn == 9902:
            for j in range(2):
                probes.append(_probe(rng, net, n + j, ls.OPENDNS, "filtering_resolver", normal_weight * 0.8,
                                     software=SOFTWARE[1 + 5 * j]))
        if net.asn in (38901, 24492):
            probes.append(_probe(rng, net, n, net.resolvers[0], "router", normal_weight * 0.5, platform="android",
                                 software=SOFTWARE[1] if net.asn == 38901 else SOFTWARE[6]))
    return probes


def _probe(rng: random.Random, net: Network, i: int, resolver, quirk: str | None, weight: float,
           platform: str | None = None, software: tuple | None = None) -> Probe:
    plat = next(p for p in PLATFORMS if p[0] == platform) if platform else _pick(rng, PLATFORMS)
    if net.foreign:  # VPN users are mostly on desktops
        plat = _pick(rng, PLATFORMS[2:])
    sv, tv, _ = software or _pick(rng, SOFTWARE)
    if quirk is None and i < 2:
        # Every network has an old (0.4) and a new (0.5) installation, so every method shows in both.
        sv, tv = SOFTWARE[1 + i * 5][:2]
        plat = PLATFORMS[0] if not net.foreign else plat
    if plat[0] == "ios" and tv.startswith("0.4"):
        sv, tv = "3.20.1", "0.5.27"
    mobile = net.asn in (38623, 17976, 45498, 58424) and plat[0] in ("android", "ios") and rng.random() < 0.7
    return Probe(
        key=f"AS{net.asn}-{i}", network=net, resolver=resolver, platform=plat[0],
        software_name=SOFTWARE_PREFIX + plat[1], software_version=sv, test_version=tv,
        network_type="mobile" if mobile else "wifi", gets_aaaa=plat[0] in ("macos", "windows", "linux"),
        quirk=quirk, weight=weight,
    )


def _report_id(rng: random.Random, ts: int, cc: str, asn: int) -> str:
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
    tail = "".join(alphabet[int(rng.random() * 62)] for _ in range(7))
    return f"{utc(ts):%Y%m%dT%H%M%SZ}_webconnectivity_{cc}_{asn}_n1_SYNTHETIC{tail}"


def _upload_delay(rng: random.Random, net: Network) -> int:
    """Seconds until the upload reaches the collector: mostly minutes, a tail of days.

    The tail stays under 7 days (``IngestSettings.late_upload_days``) so that ingesting a period's
    upload days plus that margin finds every synthetic measurement and counts match the truth files.
    """
    roll = rng.random()
    if roll < net.late_tail:
        return int(rng.uniform(1, 6) * 86400 + rng.uniform(0, 72000))
    if roll < net.late_tail + 0.22:
        return int(rng.uniform(1, 20) * 3600)
    return int(rng.expovariate(1 / 600)) + 5


def plan(seed: int, count: int, start: date, end: date, country: str = "KH") -> list[Planned]:
    """Every measurement of the period, sorted by measurement time."""
    if count < 1:
        raise ValueError(f"count must be positive, got {count}")
    if end < start:
        raise ValueError(f"end {end} is before start {start}")
    rng = random.Random(f"imap-synthetic/{seed}")
    probes = make_probes(rng)
    first, last = epoch(start), epoch(end + timedelta(days=1)) - 1
    days = (end - start).days + 1
    sites = [s for s in ls.SITES if s.kind != "rare"]
    org_sites = [s for s in sites if s.category in ls.ORG_FIREWALL_CATEGORIES]

    out: list[Planned] = []
    thin_budget = min(count // 4, max(6, round(count * 0.008)))
    _inject_thin_cells(rng, probes, out, thin_budget, start, end, country)

    probe_weights = [p.weight * p.network.share / sum(q.weight for q in probes if q.network is p.network)
                     for p in probes]
    probe_cum = list(itertools.accumulate(probe_weights))
    hour_cum = list(itertools.accumulate(_HOUR_WEIGHTS))
    # Month offset of every day of the period, so the hot loop does no calendar arithmetic.
    day_month = [month_offset(start, first + d * 86400) for d in range(days)]
    while len(out) < count:
        probe = rng.choices(probes, cum_weights=probe_cum)[0]
        day = int(rng.random() * days)
        hour = (rng.choices(range(24), cum_weights=hour_cum)[0] - 7) % 24
        t = first + day * 86400 + hour * 3600 + int(rng.random() * 3600)
        if probe.quirk == "org_firewall":
            chosen = org_sites + rng.sample(sites, 2)
        else:
            # Weighted sampling without replacement (Efraimidis-Spirakis keys).
            n = min(rng.randint(5, 30), len(sites), count - len(out))
            chosen = sorted(sites, key=lambda s: -(rng.random() ** (1 / s.weight)))[:n]
        chosen = chosen[: count - len(out)]
        session = Session(_report_id(rng, t, country, probe.network.asn), t, _upload_delay(rng, probe.network))
        for site in chosen:
            if t > last:
                break
            month = day_month[(t - first) // 86400]
            out.append(Planned(0, probe, site, session, t, _upload_us(rng, session, t), rng.getrandbits(64), month,
                               False))
            # Measurements take a few seconds, up to ~15 s when something times out.
            t += 2 + int(rng.random() * 14)
    out.sort(key=lambda p: (p.when, p.seed))
    for i, p in enumerate(out):
        p.index = i
    return out


def _upload_us(rng: random.Random, session: Session, t: int) -> int:
    return (t + 20 + session.upload_delay) * 1_000_000 + int(rng.random() * 1_000_000)


def _inject_thin_cells(rng: random.Random, probes: list[Probe], out: list[Planned], budget: int, start: date,
                       end: date, country: str) -> None:
    """Rare sites measured 1-3 times in a cell: the 'blocked on two measurements' trap."""
    rare = [s for s in ls.SITES if s.kind == "rare"]
    blocking = [p for p in probes if p.network.method and p.quirk is None]
    days = (end - start).days + 1
    used: set[tuple[str, int, int]] = set()
    attempts = 0
    while budget > 0 and attempts < budget * 20:
        attempts += 1
        site, probe = rng.choice(rare), rng.choice(blocking)
        day = rng.randrange(days)
        t0 = epoch(start + timedelta(days=day))
        month = month_offset(start, t0)
        cell = (site.domain, probe.network.asn, month)
        if cell in used:
            continue
        used.add(cell)
        k = min(budget, rng.randint(1, 3))
        for _ in range(k):
            # Same day or a neighbouring day of the same month; never enough to leave 'insufficient'.
            t = t0 + rng.randrange(86400)
            session = Session(_report_id(rng, t, country, probe.network.asn), t, _upload_delay(rng, probe.network))
            out.append(Planned(0, probe, site, session, t, _upload_us(rng, session, t), rng.getrandbits(64), month, True))
        budget -= k
