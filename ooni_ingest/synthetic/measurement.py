"""One planned measurement -> the raw JSON object OONI's bucket would hold, and its ground truth."""

from __future__ import annotations

import random
from dataclasses import dataclass
from functools import cache

from ooni_ingest.synthetic import render_v04, render_v05
from ooni_ingest.synthetic.plan import Planned, utc
from ooni_ingest.synthetic.scenarios import Probe, decide

_EXTENSIONS = {"dnst": 0, "httpt": 0, "netevents": 0, "tcpconnect": 0, "tlshandshake": 0, "tunnel": 0}
_ARCH = {"android": "arm64", "ios": "arm64", "macos": "arm64", "windows": "amd64", "linux": "amd64"}


@dataclass(frozen=True, slots=True)
class MeasurementTruth:
    """Ground truth of one synthetic measurement (see ``ooni_ingest.synthetic.scenarios``)."""

    measurement_uid: str
    input: str
    domain: str
    probe_asn: int
    measurement_day: str     # YYYY-MM-DD, UTC
    month: int               # offset from the period's first month
    test_version: str
    scenario: str
    outcome: str             # ok, blocked, down, inconclusive
    layer: str               # dns, tcp, tls, http or ''
    method: str              # dns.redirect, ... or ''
    is_isp_blocking: bool
    upload_day: str          # YYYY-MM-DD of the bucket key (when the collector received it)


def measurement_uid(p: Planned, cc: str, rng: random.Random) -> str:
    """Collector-style uid: reception time with microseconds, country, test name, 16 hex digits."""
    seconds, micros = divmod(p.upload_us, 1_000_000)
    return f"{_compact(seconds)}.{micros:06d}_{cc}_webconnectivity_{rng.getrandbits(64):016x}"


@cache
def _day(day_number: int) -> str:
    return f"{utc(day_number * 86400):%Y-%m-%d}"


def timestamp(ts: int) -> str:
    """'YYYY-MM-DD HH:MM:SS' of epoch seconds (strftime is the slow part, so days are cached)."""
    day, rest = divmod(ts, 86400)
    return f"{_day(day)} {rest // 3600:02d}:{rest // 60 % 60:02d}:{rest % 60:02d}"


def _compact(ts: int) -> str:
    day, rest = divmod(ts, 86400)
    return f"{_day(day).replace('-', '')}{rest // 3600:02d}{rest // 60 % 60:02d}{rest % 60:02d}"


@cache
def _probe_fields(probe: Probe, cc: str) -> dict:
    """The top-level fields that only depend on the probe (shared, never mutated)."""
    annotations = {"architecture": _ARCH[probe.platform], "engine_name": "ooniprobe-engine",
                   "engine_version": probe.software_version}
    if probe.platform == "android":
        annotations["flavor"] = "stableFull"
    annotations.update({"imap_synthetic": "true", "network_type": probe.network_type,
                        "origin": "autorun" if probe.platform in ("android", "ios") else "unattended",
                        "platform": probe.platform})
    net, resolver = probe.network, probe.resolver
    return {"annotations": annotations, "probe_asn": f"AS{net.asn}", "probe_cc": cc,
            "probe_network_name": net.name, "resolver_asn": f"AS{resolver.asn}", "resolver_ip": resolver.ip,
            "resolver_network_name": resolver.name}


_HELPERS = tuple({"backend": {"address": f"https://{i}.th.ooni.org", "type": "https"}} for i in range(4))


def build(p: Planned, cc: str = "KH") -> tuple[dict, MeasurementTruth]:
    """The measurement dict (one bucket JSON line) and its truth; pure function of ``p``."""
    rng = random.Random(p.seed)
    judgement, behavior = decide(p.probe, p.site, p.month, rng, rare=p.rare)
    uid = measurement_uid(p, cc, rng)
    probe = p.probe
    url = p.site.url
    renderer = render_v05 if probe.test_version.startswith("0.5") else render_v04
    test_keys, runtime = renderer.render_test_keys(behavior, probe, url, utc(p.when), rng)
    fields = _probe_fields(probe, cc)
    start_time = timestamp(p.when)
    m = {
        "annotations": fields["annotations"],
        "data_format_version": "0.2.0",
        "extensions": _EXTENSIONS,
        "input": url,
        "measurement_start_time": start_time,
        "probe_asn": fields["probe_asn"],
        "probe_cc": cc,
        "probe_ip": "127.0.0.1",
        "probe_network_name": fields["probe_network_name"],
        "report_id": p.session.report_id,
        "resolver_asn": fields["resolver_asn"],
        "resolver_ip": fields["resolver_ip"],
        "resolver_network_name": fields["resolver_network_name"],
        "software_name": probe.software_name,
        "software_version": probe.software_version,
        "test_helpers": _HELPERS[p.seed % 4],
        "test_keys": test_keys,
        "test_name": "web_connectivity",
        "test_runtime": runtime,
        "test_start_time": timestamp(p.session.test_start),
        "test_version": probe.test_version,
        "measurement_uid": uid,
    }
    truth = MeasurementTruth(
        measurement_uid=uid, input=url, domain=p.site.domain, probe_asn=probe.network.asn,
        measurement_day=start_time[:10], month=p.month, test_version=probe.test_version,
        scenario=judgement.scenario, outcome=judgement.outcome, layer=judgement.layer, method=judgement.method,
        is_isp_blocking=judgement.is_isp_blocking, upload_day=_day(p.upload_us // 86_400_000_000),
    )
    return m, truth
