"""Ground-truth files: one row per measurement and one per (month, ASN, domain) cell.

``measurements.csv``: measurement_uid, input, domain, probe_asn, measurement_day, upload_day,
test_version, scenario, outcome, layer, method, is_isp_blocking.

``cells.csv``: month (YYYY-MM), asn, domain, expected_class (blocked / accessible / down /
not_isp_blocking / insufficient), measurements, days, isp_blocked (measurements the ISP really
blocked), local_filtering (measurements filtered by something that is not the ISP), campaign,
dominant_scenario. The rules are in ``ooni_ingest.synthetic.scenarios``.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from ooni_ingest.synthetic import landscape as ls
from ooni_ingest.synthetic.measurement import MeasurementTruth
from ooni_ingest.synthetic.scenarios import BLOCKED, LOCAL_FILTERING
from warehouse.settings import ClassificationThresholds

MEASUREMENT_COLUMNS = ("measurement_uid", "input", "domain", "probe_asn", "measurement_day", "upload_day",
                       "test_version", "scenario", "outcome", "layer", "method", "is_isp_blocking")
CELL_COLUMNS = ("month", "asn", "domain", "expected_class", "measurements", "days", "isp_blocked",
                "local_filtering", "campaign", "dominant_scenario")
CELL_CLASSES = ("blocked", "accessible", "down", "not_isp_blocking", "insufficient")
# Share of local-filtering measurements from which a cell counts as a not-ISP-blocking trap.
LOCAL_FILTERING_SHARE = 0.3


@dataclass(frozen=True, slots=True)
class CellTruth:
    month: str
    asn: int
    domain: str
    expected_class: str
    measurements: int
    days: int
    isp_blocked: int
    local_filtering: int
    campaign: str
    dominant_scenario: str


def _is_local_filtering(t: MeasurementTruth) -> bool:
    return t.scenario in LOCAL_FILTERING or (t.scenario == "foreign_network" and t.outcome == BLOCKED)


def _month_label(start: date, offset: int) -> str:
    y, m = divmod(start.month - 1 + offset, 12)
    return f"{start.year + y:04d}-{m + 1:02d}"


def cell_truths(truths: Iterable[MeasurementTruth], start: date,
                thresholds: ClassificationThresholds | None = None) -> list[CellTruth]:
    """Aggregate measurement truths into per-cell expected classes (rules in ``scenarios``)."""
    th = thresholds or ClassificationThresholds()
    groups: dict[tuple[int, int, str], list[MeasurementTruth]] = {}
    for t in truths:
        groups.setdefault((t.month, t.probe_asn, t.domain), []).append(t)
    cells = []
    for (month, asn, domain), rows in sorted(groups.items()):
        n = len(rows)
        days = len({r.measurement_day for r in rows})
        isp = sum(r.is_isp_blocking for r in rows)
        local = sum(_is_local_filtering(r) for r in rows)
        campaign = ls.campaign_for(asn, domain, month)
        network = ls.NETWORK_BY_ASN[asn]
        if n < th.min_measurements or days < th.min_days:
            cls = "insufficient"
        elif campaign is not None and network.method:
            cls = "blocked"
        elif ls.outage_for(domain, month) is not None:
            cls = "down"
        elif local >= LOCAL_FILTERING_SHARE * n:
            cls = "not_isp_blocking"
        else:
            cls = "accessible"
        dominant = Counter(r.scenario for r in rows).most_common(1)[0][0]
        cells.append(CellTruth(_month_label(start, month), asn, domain, cls, n, days, isp, local,
                               campaign.name if campaign else "", dominant))
    return cells


def _csv(rows: Iterable[Sequence[object]], header: Sequence[str]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buf.getvalue()


def measurements_csv(truths: Iterable[MeasurementTruth]) -> str:
    return _csv(([t.measurement_uid, t.input, t.domain, t.probe_asn, t.measurement_day, t.upload_day,
                  t.test_version, t.scenario, t.outcome, t.layer, t.method, str(t.is_isp_blocking).lower()]
                 for t in truths), MEASUREMENT_COLUMNS)


def cells_csv(cells: Iterable[CellTruth]) -> str:
    return _csv(([c.month, c.asn, c.domain, c.expected_class, c.measurements, c.days, c.isp_blocked,
                  c.local_filtering, c.campaign, c.dominant_scenario] for c in cells), CELL_COLUMNS)


README = """Ground truth of a synthetic imap corpus (SYNTHETIC DATA: no real website or finding).

measurements.csv: one row per synthetic measurement.
  outcome/layer/method: what a careful judgement of that one measurement should say
  is_isp_blocking: true only when a Cambodian ISP blocked the site (false for every trap)
  scenario: which situation produced it; the list and meaning of every scenario is the docstring of
  ooni_ingest/synthetic/scenarios.py
cells.csv: one row per (month, ASN, domain) with measurements.
  expected_class: blocked | accessible | down | not_isp_blocking | insufficient (rules in scenarios.py)
  isp_blocked / local_filtering: measurements blocked by the ISP / by something else (firewall,
  filtering resolver, router, VPN resolver)
campaigns.csv: the blocking campaigns (domains, ASNs, months) behind the 'blocked' cells.
"""


def campaigns_csv(start: date, months: int) -> str:
    rows = []
    for c in ls.CAMPAIGNS:
        last = months - 1 if c.last_month is None else min(c.last_month, months - 1)
        if c.first_month > last:
            continue
        for domain in c.domains:
            for asn in c.asns:
                rows.append([c.name, domain, asn, _month_label(start, c.first_month), _month_label(start, last),
                             c.rate, c.notes])
    return _csv(rows, ("campaign", "domain", "asn", "first_month", "last_month", "block_rate", "notes"))


def write_truth(truth_dir: Path, truths: Sequence[MeasurementTruth], start: date, end: date) -> list[CellTruth]:
    truth_dir.mkdir(parents=True, exist_ok=True)
    cells = cell_truths(truths, start)
    months = (end.year - start.year) * 12 + end.month - start.month + 1
    (truth_dir / "measurements.csv").write_text(measurements_csv(truths), encoding="utf-8")
    (truth_dir / "cells.csv").write_text(cells_csv(cells), encoding="utf-8")
    (truth_dir / "campaigns.csv").write_text(campaigns_csv(start, months), encoding="utf-8")
    (truth_dir / "README.txt").write_text(README, encoding="utf-8")
    return cells


def read_measurement_truth(truth_dir: Path) -> dict[str, MeasurementTruth]:
    """measurements.csv back as ``MeasurementTruth`` objects by measurement_uid (for other stages' tests).

    ``month`` is not in the file and is left as -1; use ``measurement_day``."""
    out = {}
    with open(truth_dir / "measurements.csv", newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            out[row["measurement_uid"]] = MeasurementTruth(
                measurement_uid=row["measurement_uid"], input=row["input"], domain=row["domain"],
                probe_asn=int(row["probe_asn"]), measurement_day=row["measurement_day"], month=-1,
                test_version=row["test_version"], scenario=row["scenario"], outcome=row["outcome"],
                layer=row["layer"], method=row["method"], is_isp_blocking=row["is_isp_blocking"] == "true",
                upload_day=row["upload_day"])
    return out


def read_cell_truth(truth_dir: Path) -> dict[tuple[str, int, str], CellTruth]:
    """cells.csv back as ``CellTruth`` objects keyed by (month 'YYYY-MM', asn, domain)."""
    out = {}
    with open(truth_dir / "cells.csv", newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            cell = CellTruth(row["month"], int(row["asn"]), row["domain"], row["expected_class"],
                             int(row["measurements"]), int(row["days"]), int(row["isp_blocked"]),
                             int(row["local_filtering"]), row["campaign"], row["dominant_scenario"])
            out[cell.month, cell.asn, cell.domain] = cell
    return out
