"""The volunteer's workflow through `imap testlist`: add, lint, fix, diff, export; exit codes and
messages on stderr."""

from __future__ import annotations

import datetime
import os
from pathlib import Path

import pytest

from pipelines.cli import main
from test_lists import csvfile
from test_lists.lint import lint_directory

HEADER = "url,category_code,category_description,date_added,source,notes\n"


@pytest.fixture
def synced(crafted_test_lists: Path, capsys) -> Path:
    assert main(["testlist", "sync", "--from", str(crafted_test_lists)]) == 0
    capsys.readouterr()
    return crafted_test_lists


@pytest.fixture
def local(tmp_path: Path) -> Path:
    path = tmp_path / "kh-local.csv"
    path.write_text(HEADER, encoding="utf-8")
    return path


def run(capsys, *args: str) -> tuple[int, str, str]:
    status = main(["testlist", *args])
    out, err = capsys.readouterr()
    return status, out, err


def test_from_wanting_a_site_to_an_upstream_ready_file(synced: Path, local: Path, tmp_path: Path, capsys) -> None:
    status, out, _ = run(capsys, "add", "HTTPS://New-Outlet.example-synthetic.org", "--category", "news",
                         "--source", "imap volunteers", "--notes", "synthetic test entry", "--file", str(local))
    assert status == 0, out
    today = datetime.date.today().isoformat()
    row = f"https://new-outlet.example-synthetic.org/,NEWS,News Media,{today},imap volunteers,synthetic test entry"
    assert local.read_text() == HEADER + row + "\n"
    assert "category 'news' read as NEWS" in out

    out_file = tmp_path / "export" / "kh.csv"
    status, out, err = run(capsys, "export", "--file", str(local), "--out", str(out_file))
    assert status == 0, err
    kh = (synced / "kh.csv").read_text()
    assert out_file.read_text() == kh + row + "\n"  # upstream rows byte for byte, ours appended
    # what upstream CI would say about the exported file, next to upstream's legend and global.csv
    for name in ("00-LEGEND-new_category_codes.csv", "global.csv"):
        (out_file.parent / name).write_bytes((synced / name).read_bytes())
    assert lint_directory(out_file.parent).errors == 0


@pytest.mark.parametrize(("args", "message"), [
    (["https://kh-news.example-synthetic.org/", "--category", "NEWS"], "already on the upstream Cambodia list"),
    (["https://social.example-synthetic.net/", "--category", "GRP"], "already on the global list"),
    (["http://kh-news.example-synthetic.org", "--category", "NEWS"], "near-duplicate of https://kh-news"),
    (["https://fine.example-synthetic.org/", "--category", "NOPE"], "unknown category 'NOPE'"),
    (["ftp://fine.example-synthetic.org/", "--category", "NEWS"], "Invalid URL (No match)"),
    (["https://fine.example-synthetic.org/", "--category", "NEWS", "--date", "05/03/2024"], "write YYYY-MM-DD"),
    (["https://fine.example-synthetic.org/", "--category", "NEWS", "--date", "2024-02-30"],
     "date '2024-02-30' is not a real date (February 2024 has 29 days)\n"),
    (["https://fine.example-synthetic.org/", "--category", "NEWS", "--date", "2023/02/29"],
     "date '2023/02/29' is not a real date (February 2023 has 28 days); write YYYY-MM-DD"),
    (["https://fine.example-synthetic.org/", "--category", "NEWS", "--notes", "a\\b"], "backslash"),
])
def test_add_refuses_with_a_clear_message(synced: Path, local: Path, capsys, args, message) -> None:
    status, _, err = run(capsys, "add", *args, "--file", str(local))
    assert status == 1 and message in err
    assert local.read_text() == HEADER  # nothing written


def test_add_says_a_near_duplicate_is_the_same_host_in_unicode(synced: Path, local: Path, capsys) -> None:
    text = HEADER + "https://ខ្មែរ.example-synthetic.org/,NEWS,News Media,2024-01-01,v,\n"
    local.write_text(text)
    status, _, err = run(capsys, "add", "http://www.xn--j2e0cg3n2c.example-synthetic.org", "--category", "NEWS",
                         "--file", str(local))
    assert status == 1 and local.read_text() == text
    assert ("differs only in http/https, www. and how the host is written: the same name in "
            "Unicode (ខ្មែរ.example-synthetic.org) and in punycode (xn--j2e0cg3n2c.example-synthetic.org)") in err


def test_add_refuses_its_own_duplicate_and_override_keeps_upstream_details(synced: Path, local: Path, capsys) -> None:
    assert run(capsys, "add", "https://a.example-synthetic.org/", "--category", "NEWS", "--file", str(local))[0] == 0
    status, _, err = run(capsys, "add", "https://a.example-synthetic.org", "--category", "NEWS", "--file", str(local))
    assert status == 1 and "already in the project's list" in err and "line 2" in err
    status, out, _ = run(capsys, "add", "https://kh-news.example-synthetic.org/", "--category", "POLR", "--override",
                         "--file", str(local))
    assert status == 0 and "overrides https://kh-news.example-synthetic.org/ (kh.csv line 2)" in out
    assert local.read_text().splitlines()[-1] == (
        "https://kh-news.example-synthetic.org/,POLR,Political Criticism,2020-01-15,crafted,Synthetic test entry")
    status, out, _ = run(capsys, "diff", "--file", str(local), "--exit-code")
    assert status == 1
    assert "added     https://a.example-synthetic.org/" in out
    assert "category_code: 'NEWS' -> 'POLR'" in out and "date_added" not in out


def test_lint_exit_codes(synced: Path, local: Path, tmp_path: Path, capsys) -> None:
    assert run(capsys, "lint", str(local))[0] == 0
    local.write_text(HEADER + "https://x.example-synthetic.org/,NEWS,News Media,2024-01-01,,\n")
    status, out, _ = run(capsys, "lint", str(local))
    assert status == 0 and "[empty-source]" in out
    assert run(capsys, "lint", "--strict", str(local))[0] == 1
    local.write_text(HEADER + "https://x.example-synthetic.org,NEWS,News Media,2024-01-01,v,\n")
    status, out, _ = run(capsys, "lint", str(local))
    assert status == 1 and f"{local}:2: error [invalid-url] Invalid URL (No trailing slash)" in out
    status, _, err = run(capsys, "lint", str(tmp_path / "missing.csv"))
    assert status == 2 and "no such file" in err
    assert run(capsys, "lint", "--upstream")[0] == 0
    assert run(capsys, "lint", str(synced))[0] == 0


def test_fix_command_check_then_write(synced: Path, local: Path, capsys) -> None:
    local.write_text(HEADER + "https://x.example-synthetic.org,news,,25/12/2023,v,\n"
                              "https://y.example-synthetic.org/,NEWS,News Media,2024-01-01\n")
    before = local.read_text()
    status, out, _ = run(capsys, "fix", "--check", str(local))
    assert status == 1 and "would fix" in out and local.read_text() == before
    status, out, _ = run(capsys, "fix", str(local))
    assert status == 1 and "kept, needs a person" in out and "invalid-column-number" in out  # row 3 kept
    assert local.read_text() == HEADER + ("https://x.example-synthetic.org/,NEWS,News Media,2023-12-25,v,\n"
                                          "https://y.example-synthetic.org/,NEWS,News Media,2024-01-01\n")


def test_export_refuses_rows_upstream_would_reject(synced: Path, local: Path, capsys) -> None:
    local.write_text(HEADER + "https://x.example-synthetic.org/,NEWS,News Media,2024-13-01,v,\n")
    status, out, err = run(capsys, "export", "--file", str(local))
    assert status == 1 and out == ""
    assert f"{local}:2: error [invalid-date]" in err and "not exported" in err


def test_export_refuses_every_row_lint_rejects_and_counts_them_all(synced: Path, local: Path, tmp_path: Path,
                                                                    capsys) -> None:
    row = "https://{}.example-synthetic.org/,NEWS,News Media,2024-01-01,v,"
    local.write_text(HEADER + "\n".join([row.format("a"), "https://short.example-synthetic.org/,NEWS,News Media,v",
                                          row.format("a"), row.format("c")]) + "\n")
    out_file = tmp_path / "kh.csv"
    status, out, err = run(capsys, "export", "--file", str(local), "--out", str(out_file))
    assert status == 1 and out == "" and not out_file.exists()
    assert f"{local}:3: error [invalid-column-number]" in err and f"{local}:4: error [duplicate-url]" in err
    assert "not exported: 2 error(s)" in err
    # URLs on global.csv are still left out, with a note, rather than refused
    local.write_text(HEADER + row.format("c") + "\n"
                     + "https://social.example-synthetic.net/,GRP,Social Networking,2024-01-01,v,\n")
    status, out, err = run(capsys, "export", "--file", str(local), "--out", str(out_file))
    assert status == 0 and "left out: on-global" in err and "with 1 added" in out


def test_add_to_a_file_with_an_unclosed_quote_names_file_and_line(synced: Path, local: Path, capsys) -> None:
    row = "https://{}.example-synthetic.org/,NEWS,News Media,2024-01-01,v,"
    for text in (HEADER + '"' + row.format("quote") + "\n" + row.format("d") + "\n",  # swallowed line 3
                 HEADER + '"' + row.format("quote") + "\n"):  # would swallow the new entry
        local.write_text(text)
        status, _, err = run(capsys, "add", "https://new.example-synthetic.org/", "--category", "NEWS",
                             "--file", str(local))
        assert status == 1 and f"not added: {local} line 2: a quote opened there" in err and "close the quote" in err
        assert local.read_text() == text
    status, out, _ = run(capsys, "lint", str(local))
    assert status == 1 and f"{local}:2: error [unclosed-quote]" in out


def test_commands_without_upstream_lists_fail_clearly(local: Path, tmp_path: Path, monkeypatch, capsys) -> None:
    # nothing synced and the network is a closed port: a clear message, no traceback, status 2
    Path(os.environ["IMAP_CONFIG"]).write_text("[ingest]\nmax_retries = 0\nhttp_timeout_seconds = 2\n")
    monkeypatch.setenv("IMAP_TEST_LISTS_BASE_URL", "http://127.0.0.1:9")
    status, _, err = run(capsys, "lint", str(local))
    assert status == 2 and "cannot lint without upstream's category legend" in err and "127.0.0.1:9" in err
    assert "00-LEGEND-new_category_codes.csv" in err and "are not cached" in err
    assert "imap testlist sync --from DIR" in err and "IMAP_TEST_LISTS_FROM" in err and "--legend" in err
    status, _, err = run(capsys, "diff", "--file", str(local))
    assert status == 2 and "imap testlist sync --from DIR" in err
    # a local copy that is not there: the setting is named, and what the directory must hold
    monkeypatch.setenv("IMAP_TEST_LISTS_FROM", str(tmp_path / "nowhere"))
    status, _, err = run(capsys, "diff", "--file", str(local))
    assert status == 2 and "copying them from" in err and "IMAP_TEST_LISTS_FROM" in err and "a clone" in err


def test_lint_with_an_explicit_legend_needs_no_sync(crafted_test_lists: Path, local: Path, capsys) -> None:
    legend = crafted_test_lists / "00-LEGEND-new_category_codes.csv"
    local.write_text(HEADER + "https://social.example-synthetic.net/,GRP,Social Networking,2024-01-01,v,\n")
    status, out, _ = run(capsys, "lint", "--legend", str(legend), str(local))
    assert status == 0 and "country-list rule" in out
    status, out, _ = run(capsys, "lint", "--legend", str(legend), "--global", str(crafted_test_lists / "global.csv"),
                         "--format", "json", str(local))
    assert status == 1 and '"rule": "duplicate-url-global"' in out


def test_the_project_list_in_the_repository_passes(synced: Path, capsys) -> None:
    from warehouse.settings import find_project_dir

    path = find_project_dir() / "test_lists" / "data" / "kh-local.csv"
    assert csvfile.read(path).has_canonical_header
    status, out, _ = run(capsys, "lint", "--no-warnings", str(path))
    assert status == 0, out


def test_lint_dead_sites_reads_the_warehouse(synced: Path, local: Path, tmp_path: Path, capsys) -> None:
    from warehouse.db import connect

    local.write_text(HEADER + "https://gone.example-synthetic.org/,NEWS,News Media,2024-01-01,v,\n")
    db = tmp_path / "w.duckdb"
    status, _, err = run(capsys, "lint", "--dead-sites", "--db", str(db), str(local))
    assert status == 2 and "cannot read the warehouse" in err
    with connect(db) as con:
        for i in range(3):
            con.execute(
                "INSERT INTO measurements (measurement_key, input, domain, ingest_day, ingest_source, source_file, "
                "is_synthetic, measurement_start_time, measurement_day, probe_cc, probe_asn, test_version, "
                "control_dns_failure) VALUES (?, 'https://gone.example-synthetic.org/', 'gone.example-synthetic.org', "
                "DATE '2025-03-01', 'local', 'x', true, TIMESTAMP '2025-03-01 00:00:00', DATE '2025-03-01', 'KH', "
                "38623, '0.5.28', 'dns_nxdomain_error')", [f"m{i}"])
    status, out, _ = run(capsys, "lint", "--dead-sites", "--since", "2025-01-01", "--db", str(db), str(local))
    assert status == 0 and f"{local}:2: warning [possibly-dead]" in out
