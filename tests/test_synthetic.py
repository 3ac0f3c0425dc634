"""The synthetic corpus generator: determinism, labels, realism and the consistency of its ground truth."""

from __future__ import annotations

import csv
import gzip
import hashlib
import ipaddress
import json
import re
from collections import Counter
from datetime import date, datetime
from pathlib import Path

import orjson
import pytest

from ooni_ingest.synthetic import (
    SCENARIOS,
    generate_demo_corpus,
    iter_labelled_measurements,
    read_cell_truth,
    read_measurement_truth,
    write_corpus,
)
from ooni_ingest.synthetic.landscape import NETWORK_BY_ASN, VIETTEL_BLOCK_IPS, asn_of
from ooni_ingest.synthetic.truth import CELL_CLASSES

UID = re.compile(r"^(\d{14})\.\d{6}_KH_webconnectivity_[0-9a-f]{16}$")
REPORT_ID = re.compile(r"^\d{8}T\d{6}Z_webconnectivity_KH_\d+_n1_SYNTHETIC[A-Za-z0-9]{7}$")
BUCKET_KEY = re.compile(
    r"^raw/(\d{8})/(\d{2})/KH/webconnectivity/(\d{10})_KH_webconnectivity\.n1\.\d+\.jsonl\.gz$")


@pytest.fixture(scope="module")
def corpus(synthetic_faulty_corpus):
    # A quarter at 20k-a-year density: enough for sufficient cells of every class, and it ends at a year end.
    return synthetic_faulty_corpus


@pytest.fixture(scope="module")
def manifest(corpus) -> dict:
    return json.loads(corpus.faults_manifest.read_text())


@pytest.fixture(scope="module")
def raw(corpus, manifest) -> dict[str, tuple[str, dict]]:
    """measurement_uid -> (bucket key, measurement) for every good line of the mirror."""
    bad = {(f["file"], f["line"]) for f in manifest["faults"]}
    truncated = {f["file"] for f in manifest["faults"] if f["reason"] == "truncated_gzip"}
    out: dict[str, tuple[str, dict]] = {}
    for path in sorted(corpus.bucket_dir.rglob("*.jsonl.gz")):
        key = path.relative_to(corpus.bucket_dir).as_posix()
        if key in truncated:
            continue
        for n, line in enumerate(gzip.decompress(path.read_bytes()).splitlines(), start=1):
            if (key, n) not in bad:
                m = orjson.loads(line)
                out[m["measurement_uid"]] = (key, m)
    return out


@pytest.fixture(scope="module")
def truth(corpus) -> list[dict]:
    with open(corpus.truth_dir / "measurements.csv", newline="") as f:
        return list(csv.DictReader(f))


@pytest.fixture(scope="module")
def cells(corpus) -> list[dict]:
    with open(corpus.truth_dir / "cells.csv", newline="") as f:
        return list(csv.DictReader(f))


def _tree_digest(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def test_same_seed_gives_byte_identical_files_and_another_seed_does_not(tmp_path: Path) -> None:
    a = generate_demo_corpus(tmp_path / "a", seed=3, measurements=1200, inject_faults=True)
    b = generate_demo_corpus(tmp_path / "b", seed=3, measurements=1200, inject_faults=True)
    c = generate_demo_corpus(tmp_path / "c", seed=4, measurements=300)
    digest_a = _tree_digest(a.root)
    assert len(digest_a) > 50
    assert digest_a == _tree_digest(b.root)
    assert _tree_digest(a.bucket_dir) != _tree_digest(c.bucket_dir)


def test_parallel_rendering_writes_the_same_bytes(tmp_path: Path) -> None:
    args = dict(seed=5, measurements=800, start=date(2024, 3, 1), end=date(2024, 4, 30))
    one = write_corpus(tmp_path / "one", workers=1, **args)
    two = write_corpus(tmp_path / "two", workers=2, **args)
    assert _tree_digest(one.root) == _tree_digest(two.root)


def test_every_measurement_is_labelled_synthetic_and_fictional(raw, truth) -> None:
    assert len(raw) >= len(truth) - 200  # all but the truncated file's lines
    for uid, (_key, m) in raw.items():
        assert m["annotations"]["imap_synthetic"] == "true"
        assert "SYNTHETIC" in m["report_id"] and REPORT_ID.match(m["report_id"]), m["report_id"]
        assert m["software_name"].startswith("imap-synthetic-ooniprobe")
        host = m["input"].split("/")[2]
        assert host.endswith((".example", ".test")), host
        assert UID.match(uid), uid


def test_top_level_fields_have_ooni_shapes(raw) -> None:
    for _key, m in list(raw.values())[:500]:
        datetime.strptime(m["measurement_start_time"], "%Y-%m-%d %H:%M:%S")
        datetime.strptime(m["test_start_time"], "%Y-%m-%d %H:%M:%S")
        assert m["test_start_time"] <= m["measurement_start_time"]
        assert re.fullmatch(r"AS\d+", m["probe_asn"]) and re.fullmatch(r"AS\d+", m["resolver_asn"])
        assert m["probe_cc"] == "KH" and m["test_name"] == "web_connectivity"
        assert m["test_version"].startswith(("0.4.", "0.5."))
        assert isinstance(m["test_runtime"], float) and m["test_runtime"] > 0
        assert m["probe_network_name"] == NETWORK_BY_ASN[int(m["probe_asn"][2:])].name


def test_bucket_keys_are_upload_hours_with_realistic_delays(corpus, raw, truth) -> None:
    delays = []
    for uid, (key, m) in raw.items():
        match = BUCKET_KEY.match(key)
        assert match, key
        day, hour, stamp = match.groups()
        assert stamp == day + hour
        assert uid.startswith(stamp), (uid, key)  # the collector's uid time is the upload time
        measured = datetime.strptime(m["measurement_start_time"], "%Y-%m-%d %H:%M:%S")
        uploaded = datetime.strptime(uid[:14], "%Y%m%d%H%M%S")
        delays.append((uploaded - measured).total_seconds())
    delays.sort()
    assert delays[0] > 0
    assert delays[len(delays) // 2] < 3 * 3600           # most uploads within hours
    late = sum(d > 86400 for d in delays) / len(delays)
    assert 0.03 < late < 0.25                             # a tail of days,
    assert delays[-1] < 7 * 86400                         # within the ingest's late-upload margin
    # Some measurements of a month's last days land in the next month's upload days, past the period's end too.
    assert sum(r["measurement_day"][:7] < r["upload_day"][:7] for r in truth) >= 10
    assert any(r["upload_day"] > corpus.end.isoformat() for r in truth)
    files_per_hour = Counter(k.rsplit("/", 1)[0] for k, _ in raw.values())
    assert max(files_per_hour.values()) >= 5


def test_measurement_sizes_are_realistic(corpus) -> None:
    sizes = []
    for path in sorted(corpus.bucket_dir.rglob("*.jsonl.gz"))[:300]:
        try:
            sizes += [len(line) for line in gzip.decompress(path.read_bytes()).splitlines()]
        except EOFError:
            continue
    sizes.sort()
    median = sizes[len(sizes) // 2]
    assert 6_000 < median < 16_000, median
    assert sizes[-1] < 60_000


def test_every_scenario_and_both_versions_appear_at_a_realistic_size(truth) -> None:
    n = len(truth)
    scenarios = Counter(r["scenario"] for r in truth)
    assert set(scenarios) == set(SCENARIOS)
    for name in SCENARIOS:
        assert scenarios[name] >= max(10, 0.002 * n), (name, scenarios[name])
    assert scenarios["ok"] == max(scenarios.values())
    isp = sum(r["is_isp_blocking"] == "true" for r in truth)
    assert 0.15 < isp / n < 0.5
    versions = Counter(r["test_version"][:3] for r in truth)
    assert versions["0.4"] > 0.2 * n and versions["0.5"] > 0.4 * n
    # Every blocking method and every trap is rendered by both probe generations.
    by_version = Counter((r["scenario"], r["test_version"][:3]) for r in truth)
    for name in SCENARIOS:
        assert by_version[name, "0.4"] and by_version[name, "0.5"], name
    # Traps are never ISP blocking; ISP scenarios always are.
    for r in truth:
        if r["scenario"].startswith("isp_dns") or r["scenario"].startswith("isp_tls"):
            assert r["is_isp_blocking"] == "true" and r["outcome"] == "blocked" and r["method"]
        elif r["scenario"] != "thin_cell":
            assert r["is_isp_blocking"] == "false", r


def _system_answers(m: dict) -> list[str]:
    out = []
    for q in m["test_keys"]["queries"] or []:
        if q["engine"] in ("system", "getaddrinfo") and q["answers"]:
            out += [a.get("ipv4") or a.get("ipv6") for a in q["answers"]]
    return out


def _tls_failures(m: dict) -> set[str]:
    tk = m["test_keys"]
    failures = {h["failure"] for h in tk.get("tls_handshakes") or [] if h["failure"]}
    failures |= {r["failure"] for r in tk["requests"] or [] if r["failure"]}
    return failures


def test_truth_matches_what_the_measurements_show(raw, truth) -> None:
    seen = Counter()
    for row in truth:
        if row["measurement_uid"] not in raw:
            continue
        m = raw[row["measurement_uid"]][1]
        tk, scenario, asn = m["test_keys"], row["scenario"], int(row["probe_asn"])
        assert m["input"] == row["input"] and m["test_version"] == row["test_version"]
        assert m["measurement_start_time"][:10] == row["measurement_day"] and int(m["probe_asn"][2:]) == asn
        answers = _system_answers(m)
        control = tk["control"]
        seen[scenario] += 1
        if scenario == "isp_dns_redirect":
            assert asn == 38623 and answers and set(answers) <= set(VIETTEL_BLOCK_IPS)
            assert control["dns"]["addrs"] and not set(answers) & set(control["dns"]["addrs"])
        elif scenario == "isp_dns_nxdomain":
            assert tk["dns_experiment_failure"] in ("dns_nxdomain_error", "android_dns_cache_no_data")
            assert control["dns"]["addrs"], "the control must resolve what the ISP denies"
        elif scenario == "isp_dns_localhost":
            assert set(answers) == {"127.0.0.1"} and NETWORK_BY_ASN[asn].method == "dns.bogon"
        elif scenario == "isp_tls_reset":
            assert asn == 45498 and "connection_reset" in _tls_failures(m) and not tk["dns_experiment_failure"]
        elif scenario == "isp_tls_timeout":
            assert asn == 58424 and "generic_timeout_error" in _tls_failures(m)
        elif scenario == "filtering_resolver":
            assert m["resolver_asn"] == "AS36692"
            assert all(ipaddress.ip_address(a) in ipaddress.ip_network("146.112.0.0/16") for a in answers)
        elif scenario == "org_firewall":
            assert asn == 131207 and set(answers) == {"10.10.10.1"}
        elif scenario == "router_page":
            assert set(answers) == {"192.168.1.1"}
            assert any("GPON Home Gateway" in (r["response"]["body"] or "") for r in tk["requests"])
        elif scenario == "cloudflare_challenge":
            bodies = " ".join(r["response"]["body"] or "" for r in tk["requests"])
            assert "Just a moment..." in bodies or "One moment, please..." in bodies
            assert control["http_request"]["status_code"] == 200
        elif scenario == "cdn_same_asn":
            v4 = [a for a in answers if ":" not in a]
            assert v4 and not set(v4) & set(control["dns"]["addrs"])
            assert {asn_of(a)[0] for a in v4} <= {asn_of(a)[0] for a in control["dns"]["addrs"]}
            assert m["input"].startswith("https://") and tk["requests"][0]["failure"] is None
        elif scenario == "site_down_nxdomain":
            assert control["dns"]["failure"] == "dns_name_error" and tk["dns_experiment_failure"]
        elif scenario == "site_down_server":
            assert control["http_request"]["failure"] and control["http_request"]["status_code"] == -1
        elif scenario == "control_failure":
            assert tk["control_failure"] and (control is None or not control.get("dns", {}).get("addrs"))
        elif scenario == "foreign_network":
            assert NETWORK_BY_ASN[asn].foreign
        elif scenario == "ipv6_unreachable":
            failures = [c["status"]["failure"] for c in tk["tcp_connect"] if ":" in c["ip"]]
            assert failures and set(failures) == {"network_unreachable"}
        elif scenario == "transient_failure":
            assert control and control["http_request"]["status_code"] == 200
    assert set(seen) == set(SCENARIOS)


def test_the_probe_verdict_is_not_the_truth(raw, truth) -> None:
    """A classifier copying `blocking` would fail: the probe has false positives and false negatives."""
    by_uid = {r["measurement_uid"]: r for r in truth}
    false_positive = Counter()
    for uid, (_key, m) in raw.items():
        probe_says_blocked = m["test_keys"]["blocking"] not in (False, None)
        if probe_says_blocked and by_uid[uid]["is_isp_blocking"] == "false":
            false_positive[by_uid[uid]["scenario"]] += 1
    assert false_positive["cloudflare_challenge"] > 0
    assert false_positive["org_firewall"] > 0 and false_positive["transient_failure"] > 0


def test_cell_truth_follows_the_documented_rules(cells, truth) -> None:
    classes = Counter(c["expected_class"] for c in cells)
    assert {"blocked", "accessible", "down", "not_isp_blocking", "insufficient"} <= set(classes)
    for c in cells:
        n, days = int(c["measurements"]), int(c["days"])
        if n < 5 or days < 2:
            assert c["expected_class"] == "insufficient"
        elif c["expected_class"] == "blocked":
            assert c["campaign"] and int(c["isp_blocked"]) > 0
        elif c["expected_class"] == "not_isp_blocking":
            assert int(c["local_filtering"]) >= 0.3 * n and int(c["isp_blocked"]) == 0
    # Blocking rates are high but imperfect: nearly every blocked cell shows it on most measurements.
    blocked = [c for c in cells if c["expected_class"] == "blocked"]
    assert sum(int(c["isp_blocked"]) >= 0.5 * int(c["measurements"]) for c in blocked) >= 0.97 * len(blocked)
    thin = [c for c in cells if c["dominant_scenario"] == "thin_cell"]
    assert thin and all(c["expected_class"] == "insufficient" and int(c["measurements"]) <= 3 for c in thin)
    counted = Counter((r["measurement_day"][:7], r["probe_asn"], r["domain"]) for r in truth)
    assert counted == {(c["month"], c["asn"], c["domain"]): int(c["measurements"]) for c in cells}


def test_truth_files_read_back(corpus, truth, cells) -> None:
    measurements = read_measurement_truth(corpus.truth_dir)
    by_cell = read_cell_truth(corpus.truth_dir)
    assert len(measurements) == len(truth) and len(by_cell) == len(cells)
    row = truth[len(truth) // 2]
    got = measurements[row["measurement_uid"]]
    assert (got.scenario, got.probe_asn, got.is_isp_blocking) == (
        row["scenario"], int(row["probe_asn"]), row["is_isp_blocking"] == "true")
    cell = by_cell[row["measurement_day"][:7], int(row["probe_asn"]), row["domain"]]
    assert cell.measurements >= 1 and cell.expected_class in CELL_CLASSES


def test_faults_manifest_matches_the_files(corpus, manifest) -> None:
    reasons = Counter(f["reason"] for f in manifest["faults"])
    assert reasons == {"invalid_json": 2, "not_an_object": 1, "no_test_keys": 1, "unknown_test_version": 2,
                       "wrong_country": 1, "wrong_test_name": 1, "truncated_gzip": 1}
    for fault in manifest["faults"]:
        path = corpus.bucket_dir / fault["file"]
        if fault["reason"] == "truncated_gzip":
            with pytest.raises(EOFError):
                gzip.decompress(path.read_bytes())
            assert manifest["lost_measurement_uids"]
            continue
        line = gzip.decompress(path.read_bytes()).splitlines()[fault["line"] - 1]
        if fault["reason"] == "invalid_json":
            with pytest.raises(orjson.JSONDecodeError):
                orjson.loads(line)
            continue
        value = orjson.loads(line)
        if fault["reason"] == "not_an_object":
            assert isinstance(value, list)
        elif fault["reason"] == "no_test_keys":
            assert "test_keys" not in value
        elif fault["reason"] == "unknown_test_version":
            assert value["test_version"] in ("0.3.0", "1.0.0")
        elif fault["reason"] == "wrong_country":
            assert value["probe_cc"] != "KH"
        elif fault["reason"] == "wrong_test_name":
            assert value["test_name"] != "web_connectivity"


def _rows(path: Path, reader=csv.reader) -> list:
    with open(path, newline="", encoding="utf-8") as f:
        return list(reader(f))


def test_reference_files_have_upstream_shapes(corpus) -> None:
    legend = _rows(corpus.test_lists_dir / "00-LEGEND-new_category_codes.csv")
    assert legend[0] == ["Category Description", "New Code", "Replaces old code(s)", "Description"]
    names = {row[1]: row[0] for row in legend[1:]}
    assert len(names) == 31
    for name in ("kh.csv", "global.csv"):
        rows = _rows(corpus.test_lists_dir / name)
        assert rows[0] == ["url", "category_code", "category_description", "date_added", "source", "notes"]
        assert len(rows) > 5 and all(len(r) == 6 for r in rows)
        for url, code, description, added, source, notes in rows[1:]:
            assert names[code] == description and "synthetic" in (source + notes)
            assert re.fullmatch(r"https?://[a-z0-9.-]+\.(example|test)/([a-z0-9/-]+/)?", url), url
            date.fromisoformat(added)
    for name in ("fingerprints_dns.csv", "fingerprints_http.csv"):
        rows = _rows(corpus.fingerprints_dir / name, csv.DictReader)
        assert rows and all("synthetic" in r["notes"] for r in rows)
        assert {r["scope"] for r in rows} <= {"nat", "isp", "prod", "inst", "fp"}


def test_other_layouts_hold_the_same_measurements(tmp_path: Path) -> None:
    args = dict(seed=2, measurements=500, start=date(2024, 5, 1), end=date(2024, 5, 31))
    bucket = write_corpus(tmp_path / "b", **args)
    oonidata = write_corpus(tmp_path / "o", layout="oonidata", **args)
    plain = write_corpus(tmp_path / "p", layout="plain", **args)

    def lines(root: Path, pattern: str, opener) -> list[bytes]:
        return sorted(x for p in root.rglob(pattern) for x in opener(p).splitlines())

    expected = lines(bucket.bucket_dir, "*.jsonl.gz", lambda p: gzip.decompress(p.read_bytes()))
    assert all(re.fullmatch(r"web_connectivity/\d{4}-\d{2}-\d{2}/\d{10}_KH_webconnectivity\.n1\.\d+\.jsonl\.gz",
                            p.relative_to(oonidata.bucket_dir).as_posix())
               for p in oonidata.bucket_dir.rglob("*.gz"))
    assert lines(oonidata.bucket_dir, "*.jsonl.gz", lambda p: gzip.decompress(p.read_bytes())) == expected
    assert lines(plain.bucket_dir, "*.jsonl", lambda p: p.read_bytes()) == expected


def test_iterator_yields_the_measurements_of_the_files(tmp_path: Path) -> None:
    args = dict(seed=9, start=date(2024, 2, 1), end=date(2024, 2, 29))
    pairs = list(iter_labelled_measurements(count=300, **args))
    corpus = write_corpus(tmp_path, measurements=300, **args)
    on_disk = sorted(x for p in corpus.bucket_dir.rglob("*.gz") for x in gzip.decompress(p.read_bytes()).splitlines())
    assert sorted(orjson.dumps(m) for m, _ in pairs) == on_disk
    assert [t.measurement_uid for _, t in pairs] == [m["measurement_uid"] for m, _ in pairs]
    assert all(m["measurement_start_time"].startswith("2024-02") for m, _ in pairs)
    # Plain JSON values, not shared with the generator's caches: mutating one changes nothing else.
    pairs[0][0]["test_keys"]["queries"].clear()
    again = next(iter_labelled_measurements(count=300, **args))[0]
    assert again["test_keys"]["queries"] and again == orjson.loads(orjson.dumps(again))


def _key_paths(value, prefix: str = "") -> set[str]:
    """Recursive key paths, with map-like keys (addresses, endpoints, header names) folded to '*'."""
    out: set[str] = set()
    if isinstance(value, dict):
        dynamic = prefix.endswith(".headers") or (
            prefix.startswith(".control") and prefix.endswith((".tcp_connect", ".tls_handshake", ".ip_info")))
        for k, v in value.items():
            path = f"{prefix}.{'*' if dynamic else k}"
            out.add(path)
            out |= _key_paths(v, path)
    elif isinstance(value, list):
        for item in value:
            out |= _key_paths(item, prefix + "[]")
    return out


@pytest.mark.shared
def test_v05_test_keys_have_the_key_structure_of_real_qa_measurements(qa_samples_dir: Path, raw) -> None:
    real: Counter[str] = Counter()
    samples = sorted(qa_samples_dir.glob("*.json"))
    for path in samples:
        real.update(_key_paths(json.loads(path.read_text())["test_keys"]))
    ours: set[str] = set()
    for _key, m in raw.values():
        if m["test_version"].startswith("0.5"):
            ours |= _key_paths(m["test_keys"])
    # The QA network has no IPv6; AAAA answers carry "ipv6" (OONI data format df-002-dnst).
    allowed = {".queries[].answers[].ipv6"}
    assert ours - set(real) - allowed == set(), "keys real 0.5 probes never write"
    common = {p for p, n in real.items() if n >= len(samples) // 2}
    assert common - ours == set(), "keys most real 0.5 measurements have"


def _synth(argv: list[str]) -> int:
    import argparse

    from ooni_ingest.synthetic.cli import register

    parser = argparse.ArgumentParser(prog="imap")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["synth", *argv])
    return args.handler(args)


def test_imap_synth_writes_a_corpus_and_says_where(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "corpus"
    assert _synth(["--out", str(out), "--measurements", "300", "--start", "2024-06-01", "--end", "2024-06-30",
                   "--seed", "4", "--layout", "oonidata"]) == 0
    printed = capsys.readouterr().out
    assert "SYNTHETIC" in printed and "300 measurements of 2024-06-01 to 2024-06-30" in printed
    assert str(out / "truth") in printed and str(out / "test-lists") in printed
    assert len((out / "truth" / "measurements.csv").read_text().splitlines()) == 301
    assert sorted(p.parent.parent.name for p in (out / "bucket").rglob("*.jsonl.gz"))[0] == "web_connectivity"
    assert _synth(["--out", str(out), "--start", "2024-06-30", "--end", "2024-06-01"]) == 2
    assert "before" in capsys.readouterr().err
