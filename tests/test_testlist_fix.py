"""`fix`: the safe fixes, byte-identical untouched rows, and (property test) no row ever lost."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from test_lists import csvfile
from test_lists.fix import fix_listfile
from test_lists.legend import Legend, load_legend
from test_lists.lint import LintContext, lint_listfile
from test_lists.urls import with_trailing_slash

HEADER = "url,category_code,category_description,date_added,source,notes\n"
LEGEND = Legend({"NEWS": "News Media", "HUMR": "Human Rights Issues", "MISC": "Miscellaneous content"})


def fix_text(text: str | bytes, **options):
    data = text.encode("utf-8") if isinstance(text, str) else text
    return fix_listfile(csvfile.parse(data, "kh-local.csv"), LEGEND, original=data, **options)


def test_safe_fixes_and_untouched_rows_byte_for_byte() -> None:
    untouched = '"https://quoted.example-synthetic.org/",NEWS,News Media,2024-01-01,"v",kept as written'
    text = HEADER + "\n".join([
        untouched,
        "https://slash.example-synthetic.org,NEWS,News Media,2024-01-01,v,",
        "https://desc.example-synthetic.org/,NEWS,news,2024-01-01,v,",
        "https://code.example-synthetic.org/,news media,,2024-01-01,v,",
        "https://misc.example-synthetic.org/,Miscelaneous content,Miscelaneous content,2024-01-01,v,",
        "https://date.example-synthetic.org/,NEWS,News Media,25/12/2023,v,",
        "https://date2.example-synthetic.org/,NEWS,News Media,2023/1/5,v,",
        ' https://spaces.example-synthetic.org/ , NEWS ,News Media, 2024-01-01 , v ,"  "',
        'https://notes.example-synthetic.org/,NEWS,News Media,2024-01-01,v,"two\nlines"',
        "https://slash.example-synthetic.org/,NEWS,News Media,2024-01-01,v,",  # same as line 3 once fixed
        "https://trailing.example-synthetic.org/,NEWS,News Media,2024-01-01,v,,,",
        "",
    ]) + "\n"
    result = fix_text(text)
    assert result.changed and result.text is not None
    assert result.text.splitlines() == [
        HEADER.strip(),
        untouched,
        "https://slash.example-synthetic.org/,NEWS,News Media,2024-01-01,v,",
        "https://desc.example-synthetic.org/,NEWS,News Media,2024-01-01,v,",
        "https://code.example-synthetic.org/,NEWS,News Media,2024-01-01,v,",
        "https://misc.example-synthetic.org/,MISC,Miscellaneous content,2024-01-01,v,",
        "https://date.example-synthetic.org/,NEWS,News Media,2023-12-25,v,",
        "https://date2.example-synthetic.org/,NEWS,News Media,2023-01-05,v,",
        "https://spaces.example-synthetic.org/,NEWS,News Media,2024-01-01,v,",
        "https://notes.example-synthetic.org/,NEWS,News Media,2024-01-01,v,two lines",
        "https://trailing.example-synthetic.org/,NEWS,News Media,2024-01-01,v,",
    ]
    assert any("exact duplicate of line 3" in c.what for c in result.changes)
    # the fixed file is clean under upstream's rules, and fixing again changes nothing
    assert [f for f in lint_listfile(csvfile.parse(result.text.encode(), "kh-local.csv"), LintContext(LEGEND),
                                     warnings=False)] == []
    assert not fix_text(result.text).changed


def test_rows_it_cannot_fix_are_kept_verbatim() -> None:
    rows = [
        "https://cols.example-synthetic.org/,NEWS,News Media,2024-01-01",  # four columns: which one is missing?
        "https://code.example-synthetic.org/,ZZZ,Whatever,2024-01-01,v,",  # unknown category
        "https://ambiguous.example-synthetic.org/,NEWS,News Media,05/03/2024,v,",  # d/m or m/d?
        "ftp://scheme.example-synthetic.org/,NEWS,News Media,2024-01-01,v,",  # not http(s)
        "https://same.example-synthetic.org/,NEWS,News Media,2024-01-01,alice,",
        "https://same.example-synthetic.org/,NEWS,News Media,2024-01-01,bob,",  # same URL, different row
    ]
    result = fix_text(HEADER + "\n".join(rows) + "\n")
    assert result.text == HEADER + "\n".join(rows) + "\n" and not result.changed
    assert fix_text(HEADER + rows[2] + "\n", day_first=True).text.endswith(",2024-03-05,v,\n")


def test_header_fixes() -> None:
    row = "https://a.example-synthetic.org/,NEWS,News Media,2024-01-01,v,\n"
    assert fix_text("\ufeffURL, Category_Code,category_description,date_added,source,notes\n" + row).text == HEADER + row
    assert fix_text(row).text == HEADER + row  # missing header
    odd = "address,code,description,date,who,notes\n"
    assert fix_text(odd + row).text == odd + row  # unrecognisable: left for a person


def test_crlf_and_missing_final_newline() -> None:
    row = "https://a.example-synthetic.org/,NEWS,News Media,2024-01-01,v,"
    result = fix_text((HEADER + row).replace("\n", "\r\n"))
    assert result.changed and result.text == HEADER + row + "\n"


def test_files_it_cannot_read_completely_are_never_rewritten() -> None:
    data = HEADER.encode() + b"https://a.example-synthetic.org/,NEWS,News Media,2024-01-01,v,caf\xe9\n"
    result = fix_text(data)
    assert result.text is None and "line 2" in result.refused and "UTF-8" in result.refused


def test_sort_is_opt_in_and_keeps_every_row() -> None:
    rows = ["https://b.example-synthetic.org/,NEWS,News Media,2024-01-01,v,",
            "http://a.example-synthetic.org/,NEWS,News Media,2024-01-01,v,",
            "https://c.example-synthetic.org/,NEWS,News Media,2024-01-01"]
    text = HEADER + "\n".join(rows) + "\n"
    assert not fix_text(text).changed
    assert fix_text(text, sort=True).text.splitlines()[1:] == [rows[1], rows[0], rows[2]]


@pytest.mark.shared
def test_upstream_lists_need_no_error_fixes(citizenlab_dir: Path) -> None:
    legend = load_legend(citizenlab_dir / "00-LEGEND-new_category_codes.csv")
    for name in ("kh.csv", "global.csv"):
        data = (citizenlab_dir / name).read_bytes()
        result = fix_listfile(csvfile.parse(data, name), legend, original=data)
        # only whitespace trims (warnings upstream tolerates): no row added, lost or reordered
        assert result.text is not None
        assert len(result.text.splitlines()) == len(data.decode().splitlines())
        assert all(c.what.startswith("notes ") for c in result.changes), result.changes[:3]


# --- property: fix never loses a row ---------------------------------------------------------------

URLS = st.one_of(
    st.sampled_from(["https://a.example-synthetic.org", "https://a.example-synthetic.org/", " http://b.example/x ",
                     "ftp://c.example/", "https://d.example/?q=1", "not a url", ""]),
    st.text(max_size=20),
)
FIELD = st.one_of(st.sampled_from(["NEWS", "news", "News Media", "ZZZ", "2024-01-02", "25/12/2023", "05/03/2024",
                                   "", "  ", "a\nb", "tab\there", "x,y", 'q"uote', "{\"notes\": 1}"]),
                  st.text(max_size=12))
ROW6 = st.tuples(URLS, FIELD, FIELD, FIELD, FIELD, FIELD).map(list)
ANY_ROW = st.one_of(ROW6, ROW6, ROW6, st.lists(FIELD, min_size=1, max_size=8))


def _identity(fields: list[str]) -> tuple[str, str, str]:
    """What a fix may never change about a row: its URL (up to the slash and spaces), who and why."""
    return (with_trailing_slash(fields[0].strip()), " ".join(fields[4].split()), " ".join(fields[5].split()))


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=st.lists(ANY_ROW, max_size=12), sort=st.booleans(), day_first=st.booleans())
def test_fix_never_loses_a_row(rows: list[list[str]], sort: bool, day_first: bool) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(HEADER.strip().split(","))
    writer.writerows(rows)
    data = buffer.getvalue().encode("utf-8")
    result = fix_listfile(csvfile.parse(data, "p.csv"), LEGEND, sort=sort, day_first=day_first, original=data)
    assert result.text is not None
    # The rows as upstream reads the file (text mode: a bare CR is a line break), header dropped.
    rows = list(csv.reader(io.TextIOWrapper(io.BytesIO(data), encoding="utf-8")))[1:]
    out = csvfile.parse(result.text.encode("utf-8"), "p.csv")
    out_rows = [list(r.fields) for r in out.rows]
    six = [r for r in rows if len(r) == 6]
    other = [r for r in rows if len(r) not in (0, 6)]
    # every six-column row survives, possibly merged with an identical one
    assert {_identity(r) for r in six} <= {_identity(r) for r in out_rows if len(r) == 6}
    assert sum(len(r) == 6 for r in out_rows) >= len({_identity(r) for r in six})
    # rows of another width are kept (empty trailing fields may be trimmed to six)
    kept = [r for r in out_rows if len(r) != 6]
    trimmed = [r for r in other if len(r) > 6 and not "".join(r[6:]).strip()]
    assert sorted(map(tuple, kept)) == sorted(tuple(r) for r in other if r not in trimmed)
    # fixing is idempotent
    again = fix_listfile(out, LEGEND, sort=sort, day_first=day_first, original=result.text.encode("utf-8"))
    assert not again.changed


def test_fix_does_not_join_the_rows_a_stray_quote_swallowed() -> None:
    row = "https://{}.example-synthetic.org/,NEWS,News Media,2024-01-01,v,"
    text = HEADER + row.format("a") + '"note\n' + row.format("b") + '"\n' + row.format("c") + "\n"
    result = fix_listfile(csvfile.parse(text.encode(), "p.csv"), LEGEND, original=text.encode())
    assert result.text == text and not result.changed  # joined, row b would become part of a's notes
