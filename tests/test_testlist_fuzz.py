"""The list tooling never crashes on bad input: random bytes and random CSV shapes."""

from __future__ import annotations

import csv
import datetime
import io

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from test_lists import csvfile
from test_lists.compare import export
from test_lists.editing import AddRefused, add_entry
from test_lists.fix import fix_listfile
from test_lists.legend import Legend, parse_legend
from test_lists.lint import LintContext, lint_listfile

LEGEND = Legend({"NEWS": "News Media", "HUMR": "Human Rights Issues"}, {"FEXP": "NEWS"})
GLOBAL = csvfile.parse(b"url,category_code,category_description,date_added,source,notes\n"
                       b"https://g.example-synthetic.org/,NEWS,News Media,2014-04-15,x,\n", "global.csv")
KH = csvfile.parse(b"url,category_code,category_description,date_added,source,notes\n"
                   b"https://k.example-synthetic.org/,NEWS,News Media,2014-04-15,x,\n", "kh.csv")
CONTEXT = LintContext(LEGEND, GLOBAL, [KH], today=datetime.date(2026, 6, 30))
FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

PIECES = st.sampled_from([",", '"', "\n", "\r", "\r\n", "\x00", "\\", "\t", " ", "https://", "http://a.b/",
                          "www.", "xn--", "{", "}", "2024-01-01", "NEWS", "\ufeff", "é", "ខ្មែរ"])
TEXTISH = st.lists(st.one_of(PIECES, st.text(max_size=6)), max_size=12).map("".join)


def check_everything(data: bytes, name: str = "kh-local.csv") -> None:
    listfile = csvfile.parse(data, name)
    lines = data.count(b"\n") + data.count(b"\r") + 1
    for finding in lint_listfile(listfile, CONTEXT):
        assert 0 <= finding.line <= lines + 1 and finding.rule and finding.severity in ("error", "warning")
        assert finding.format()
    fixed = fix_listfile(listfile, LEGEND, original=data)
    if fixed.text is not None:
        csvfile.parse(fixed.text.encode("utf-8"), name)
    export(listfile, KH, GLOBAL, LEGEND)
    parse_legend(data, "legend.csv")


@FUZZ
@given(st.binary(max_size=400))
def test_random_bytes(data: bytes) -> None:
    check_everything(data)
    check_everything(data, "global.csv")


@FUZZ
@given(st.lists(st.lists(TEXTISH, max_size=8), max_size=8), st.booleans())
def test_random_csv_shapes(rows: list[list[str]], with_header: bool) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    if with_header:
        writer.writerow(csvfile.HEADER)
    writer.writerows(rows)
    check_everything(buffer.getvalue().encode("utf-8"))


@FUZZ
@given(url=TEXTISH, category=TEXTISH, notes=TEXTISH, source=TEXTISH, date=st.one_of(st.none(), TEXTISH))
def test_add_either_adds_a_clean_row_or_refuses(url, category, notes, source, date) -> None:
    local = csvfile.parse(b"url,category_code,category_description,date_added,source,notes\n", "kh-local.csv")
    try:
        addition = add_entry(local, LEGEND, url, category, notes=notes, source=source, date=date, kh=KH,
                             global_list=GLOBAL, today=datetime.date(2026, 6, 30))
    except AddRefused as refused:
        assert str(refused)
        return
    errors = [f for f in lint_listfile(csvfile.parse(addition.text.encode(), "kh-local.csv"), CONTEXT)
              if f.severity == "error"]
    assert errors == []
