"""The effective list: merge precedence and provenance, the `test_list` table, coverage inputs."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest

from test_lists import csvfile, effective
from test_lists.advice import dead_warnings
from test_lists.coverage import domain_labels, list_coverage, unreachable_domains
from test_lists.legend import Legend, load_legend
from test_lists.urls import hostname_of
from warehouse.db import connect

HEADER = "url,category_code,category_description,date_added,source,notes\n"
LEGEND = Legend({"NEWS": "News Media", "HUMR": "Human Rights Issues", "POLR": "Political Criticism"})


def listfile(name: str, *rows: str) -> csvfile.ListFile:
    return csvfile.parse((HEADER + "".join(r + "\n" for r in rows)).encode(), name)


def merged() -> effective.EffectiveList:
    local = listfile("kh-local.csv",
                     "https://both.example-synthetic.org/,POLR,Political Criticism,2025-01-02,project,override",
                     "https://LOCAL.example-synthetic.org:8443/x,news,,25/12/2024,project,",
                     "not a url,NEWS,News Media,2025-01-01,project,",
                     "https://short.example-synthetic.org/,NEWS")
    kh = listfile("kh.csv",
                  "https://both.example-synthetic.org/,HUMR,Human Rights Issues,2016-10-06,OONI,",
                  "https://kh.example-synthetic.org/,NEWS,News Media,2018-08-01,sinar,",
                  "https://kh.example-synthetic.org/,HUMR,Human Rights Issues,2019-01-01,later,")
    global_list = listfile("global.csv",
                           "https://both.example-synthetic.org/,NEWS,News Media,2014-04-15,citizenlab,",
                           "https://global.example-synthetic.org/,NEWS,News Media,2014-04-15,citizenlab,")
    return effective.build([("local", local), ("kh", kh), ("global", global_list)], LEGEND, "abc123")


def test_precedence_and_provenance() -> None:
    result = merged()
    rows = {row["url"]: row for row in result.frame.iter_rows(named=True)}
    assert set(rows) == {"https://both.example-synthetic.org/", "https://LOCAL.example-synthetic.org:8443/x",
                         "https://kh.example-synthetic.org/", "https://global.example-synthetic.org/"}
    both = rows["https://both.example-synthetic.org/"]
    assert (both["list"], both["lists"], both["category_code"], both["upstream_ref"]) == (
        "local", ["local", "kh", "global"], "POLR", None)
    local = rows["https://LOCAL.example-synthetic.org:8443/x"]
    assert local["domain"] == "local.example-synthetic.org"
    assert (local["category_code"], local["category_description"]) == ("NEWS", "News Media")
    assert local["date_added"] == datetime.date(2024, 12, 25) and local["notes"] is None
    kh = rows["https://kh.example-synthetic.org/"]
    assert (kh["category_code"], kh["source"], kh["upstream_ref"]) == ("NEWS", "sinar", "abc123")  # first wins
    assert result.counts() == {"local": 2, "kh": 1, "global": 1}
    assert result.overrides() == 1
    assert dict(result.skipped) == {"local: no host in URL": 1, "local: wrong number of columns": 1,
                                    "kh: repeated URL": 1}


@pytest.mark.parametrize(("url", "domain"), [
    ("https://WWW.Example.org:8443/path", "www.example.org"),
    ("http://ខ្មែរ.com/", "xn--j2e0cg3n2c.com"),
    ("http://1.2.3.4/", "1.2.3.4"),
    (" https://trailing-dot.org./ ", "trailing-dot.org"),
    ("no scheme", None),
])
def test_domain_is_computed_like_measurements_domain(url: str, domain: str | None) -> None:
    from ooni_ingest.extract import host_of_url

    assert hostname_of(url) == domain
    assert hostname_of(url) == (host_of_url(url.strip()) or None)


def test_table_is_replaced_in_one_transaction() -> None:
    con = connect(":memory:")
    effective.store(con, merged().frame)
    effective.store(con, merged().frame)
    table = effective.read(con)
    assert table.height == 4
    assert sorted(table.filter(table["list"] == "local")["lists"].to_list()) == [
        ["local"], ["local", "kh", "global"]]
    bad = merged().frame.with_columns(effective.pl.lit(None, effective.pl.String).alias("url"))
    with pytest.raises(Exception, match="NOT NULL"):
        effective.store(con, bad)
    assert effective.read(con).height == 4  # the failed replacement left the table as it was


def test_domain_labels_give_one_row_per_domain() -> None:
    kh = listfile("kh.csv",
                  "https://site.example-synthetic.org/news/2024/article,HUMR,Human Rights Issues,2018-08-01,s,",
                  "https://site.example-synthetic.org/,NEWS,News Media,2018-08-01,s,")
    global_list = listfile("global.csv", "http://www.site.example-synthetic.org/,POLR,Political Criticism,2014-04-15,c,",
                           "https://other.example-synthetic.org/,NEWS,News Media,2014-04-15,c,")
    con = connect(":memory:")
    effective.store(con, effective.build([("kh", kh), ("global", global_list)], LEGEND, "abc").frame)
    labels = {row["domain"]: row for row in domain_labels(con).iter_rows(named=True)}
    assert set(labels) == {"site.example-synthetic.org", "www.site.example-synthetic.org", "other.example-synthetic.org"}
    site = labels["site.example-synthetic.org"]
    assert (site["category_code"], site["list"], site["urls"]) == ("NEWS", "kh", 2)  # the root URL's label
    assert site["category_codes"] == ["HUMR", "NEWS"] and site["lists"] == ["kh"]
    assert labels["www.site.example-synthetic.org"]["category_code"] == "POLR"


def add_measurement(con, key: str, url: str, asn: int, when: datetime.date, control_dns_failure=None) -> None:
    con.execute(
        "INSERT INTO measurements (measurement_key, input, domain, ingest_day, ingest_source, source_file, "
        "is_synthetic, measurement_start_time, measurement_day, probe_cc, probe_asn, test_version, "
        "control_dns_failure) VALUES (?, ?, ?, ?, 'local', 'crafted', true, ?, ?, 'KH', ?, '0.5.28', ?)",
        [key, url, hostname_of(url), when, datetime.datetime.combine(when, datetime.time()), when, asn,
         control_dns_failure])


def test_coverage_counts_measurements_per_entry() -> None:
    con = connect(":memory:")
    effective.store(con, merged().frame)
    day = datetime.date(2025, 3, 1)
    add_measurement(con, "m1", "https://kh.example-synthetic.org/", 38623, day)
    add_measurement(con, "m2", "https://kh.example-synthetic.org/", 131178, day + datetime.timedelta(days=3))
    add_measurement(con, "m3", "https://kh.example-synthetic.org/other", 38623, day)
    add_measurement(con, "m4", "https://global.example-synthetic.org/", 38623, datetime.date(2024, 12, 31))
    coverage = {r["url"]: r for r in list_coverage(con, datetime.date(2025, 1, 1),
                                                   datetime.date(2026, 1, 1)).iter_rows(named=True)}
    kh = coverage["https://kh.example-synthetic.org/"]
    assert (kh["url_measurements"], kh["url_asns"], kh["domain_measurements"]) == (2, 2, 3)
    assert (kh["first_measured"], kh["last_measured"]) == (day, day + datetime.timedelta(days=3))
    assert coverage["https://global.example-synthetic.org/"]["url_measurements"] == 0


def test_sites_the_control_never_reached_are_a_warning_only() -> None:
    con = connect(":memory:")
    day = datetime.date(2025, 3, 1)
    for i in range(3):
        add_measurement(con, f"d{i}", "https://gone.example-synthetic.org/", 38623, day, "dns_nxdomain_error")
        add_measurement(con, f"a{i}", "https://alive.example-synthetic.org/", 38623, day,
                        "dns_nxdomain_error" if i else None)
    add_measurement(con, "f0", "https://few.example-synthetic.org/", 38623, day, "dns_nxdomain_error")
    unreachable = unreachable_domains(con, datetime.date(2025, 1, 1))
    assert unreachable == {"gone.example-synthetic.org": (3, day, "dns_nxdomain_error")}
    assert unreachable_domains(con, datetime.date(2025, 6, 1)) == {}
    found = dead_warnings(listfile("kh-local.csv",
                                   "https://gone.example-synthetic.org/,NEWS,News Media,2020-01-01,v,",
                                   "https://alive.example-synthetic.org/,NEWS,News Media,2020-01-01,v,"), unreachable)
    assert [(f.line, f.rule, f.severity) for f in found] == [(2, "possibly-dead", "warning")]


@pytest.mark.shared
def test_real_upstream_lists_merge_without_losing_rows(citizenlab_dir: Path) -> None:
    legend = load_legend(citizenlab_dir / "00-LEGEND-new_category_codes.csv")
    result = effective.build([("local", None), ("kh", csvfile.read(citizenlab_dir / "kh.csv")),
                              ("global", csvfile.read(citizenlab_dir / "global.csv"))], legend, "7f01e43")
    assert result.counts() == {"local": 0, "kh": 172, "global": 1722}
    assert not result.skipped
    assert result.frame["domain"].null_count() == 0 and result.frame["date_added"].null_count() == 0
