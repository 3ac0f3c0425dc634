"""Fingerprint files: OONI's CSVs as published, and the strict reviewed local file."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from tests.classification_fixtures import write_ooni_dir
from warehouse.classification import fingerprints as fp

HEADER = ",".join(fp.LOCAL_COLUMNS)


@pytest.fixture()
def con():
    connection = duckdb.connect()
    yield connection
    connection.close()


def local(tmp_path: Path, *rows: str) -> Path:
    path = tmp_path / "local.csv"
    path.write_text("\n".join((HEADER, *rows)) + "\n", encoding="utf-8")
    return path


def test_oonis_published_files_load(fingerprints_dir: Path, con) -> None:
    ooni = fp.read_ooni_files(fingerprints_dir, "test", con)
    names = {row["name"]: row for row in ooni.rows}
    assert len(ooni.rows) > 1900 and not ooni.skipped
    assert names["ooni.kh_dns_1"]["pattern"] == "36.37.242.94" and names["ooni.kh_dns_1"]["scope"] == "isp"
    assert names["ooni.kh_dns_2"]["scope"] == "prod"
    # Fields spanning lines (quoted newlines) are read as one record.
    assert any("\n" in str(row["pattern"]) or "\n" in str(row["notes"] or "") for row in ooni.rows)


def test_the_repositorys_local_file_is_valid(con) -> None:
    local_set = fp.read_local_file(fp.LOCAL_FINGERPRINTS, con)
    assert {row["review_status"] for row in local_set.rows} <= set(fp.REVIEW_STATUSES)
    assert local_set.refs["local"].startswith("sha256:")


def test_unusable_ooni_rows_are_skipped_and_counted(tmp_path: Path, con) -> None:
    directory = write_ooni_dir(tmp_path, ["good,isp,,dns,full,1.2.3.4,5,KH,x,,", "nopattern,isp,,dns,full,,5,KH,x,,"],
                               ["weird,isp,,body,glob,abc,5,,x,,", "badre,fp,,body,regexp,(unclosed,5,,x,,"])
    ooni = fp.read_ooni_files(directory, "test", con)
    assert [row["name"] for row in ooni.rows] == ["good"]
    assert sum(ooni.skipped.values()) == 3


@pytest.mark.parametrize("row,message", [
    ("a,isp,,dns,full,1.2.3.4,5,KH,x,,,approved", "review_status 'approved' is not one of"),
    ("a,national,,dns,full,1.2.3.4,5,KH,x,,,confirmed", "scope 'national' is not one of"),
    ("a,isp,,url,full,1.2.3.4,5,KH,x,,,confirmed", "location_found 'url' is not dns, body or header"),
    ("a,isp,,dns,full,,5,KH,x,,,confirmed", "pattern is empty"),
    ("a,isp,,body,regexp,(oops,5,KH,x,,,confirmed", "not a valid regular expression"),
    ("a,isp,,dns,full,1.2.3.4,5,KH,x,,confirmed", "11 fields, expected 12"),
])
def test_local_file_errors_name_the_line_and_field(tmp_path: Path, con, row: str, message: str) -> None:
    path = local(tmp_path, "ok1,isp,,dns,full,9.9.9.9,5,KH,x,,,confirmed", row)
    with pytest.raises(fp.FingerprintFileError, match=message) as error:
        fp.read_local_file(path, con)
    assert f"{path}:3:" in str(error.value)


def test_local_file_duplicate_names_and_header(tmp_path: Path, con) -> None:
    path = local(tmp_path, "a,isp,,dns,full,1.1.1.1,5,,x,,,confirmed", "a,isp,,dns,full,2.2.2.2,5,,x,,,likely")
    with pytest.raises(fp.FingerprintFileError, match="already used on line 2"):
        fp.read_local_file(path, con)
    bad = tmp_path / "bad.csv"
    bad.write_text("name,scope\na,isp\n", encoding="utf-8")
    with pytest.raises(fp.FingerprintFileError, match=r"bad\.csv:1: header must be"):
        fp.read_local_file(bad, con)


def test_review_status_decides_what_is_matched(tmp_path: Path, con) -> None:
    from warehouse.db import connect, read_sql

    path = local(tmp_path,
                 "conf,isp,,dns,full,1.1.1.1,5,KH,x,,,confirmed",
                 "like,isp,,dns,full,2.2.2.2,5,KH,x,,,likely",
                 "fals,isp,,dns,full,3.3.3.3,5,KH,x,,,false_positive",
                 "pend,isp,,dns,full,4.4.4.4,5,KH,x,,,pending")
    warehouse = connect(":memory:")
    fp.store_fingerprints(warehouse, fp.read_local_file(path, warehouse))
    warehouse.execute(read_sql("classify_fingerprint_rules.sql"))
    rules = {name: (scope, confirm) for name, scope, confirm in warehouse.execute(
        "SELECT name, scope, can_confirm FROM imap_fingerprint_rules").fetchall()}
    assert rules == {"conf": ("isp", True), "like": ("isp", False), "fals": ("fp", False)}
