"""The lint: upstream CI's rules exactly (crafted broken files give exact errors), warnings apart,
and the real upstream lists in ../shared pass with zero errors as they do upstream."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest

from test_lists import csvfile
from test_lists.legend import load_legend, parse_legend
from test_lists.lint import LintContext, lint_directory, lint_listfile
from test_lists.rules import url_problem

HEADER = "url,category_code,category_description,date_added,source,notes\n"
TODAY = datetime.date(2026, 6, 30)


@pytest.fixture
def context(crafted_test_lists: Path) -> LintContext:
    legend = load_legend(crafted_test_lists / "00-LEGEND-new_category_codes.csv")
    assert not legend.problems
    return LintContext(legend, csvfile.read(crafted_test_lists / "global.csv"),
                       [csvfile.read(crafted_test_lists / "kh.csv")], today=TODAY)


def lint_text(text: str | bytes, context: LintContext, name: str = "kh-local.csv", warnings: bool = True):
    data = text.encode("utf-8") if isinstance(text, str) else text
    return lint_listfile(csvfile.parse(data, name), context, warnings=warnings)


def errors(findings) -> list[tuple[int, str, str]]:
    return [(f.line, f.rule, f.value) for f in findings if f.severity == "error"]


def warnings_of(findings) -> list[tuple[int, str]]:
    return [(f.line, f.rule) for f in findings if f.severity == "warning"]


def test_clean_file_has_no_findings(context: LintContext) -> None:
    text = HEADER + "https://new-site.example-synthetic.org/,POLR,Political Criticism,2024-05-01,volunteers,\n"
    assert lint_text(text, context) == []


def test_every_upstream_rule_gives_its_exact_error(context: LintContext) -> None:
    text = HEADER + "\n".join([
        "https://ok.example-synthetic.org/,NEWS,News Media,2024-01-01,v,",              # 2 clean
        "https://noslash.example-synthetic.org,NEWS,News Media,2024-01-01,v,",          # 3 no trailing slash
        "ftp://files.example-synthetic.org/,NEWS,News Media,2024-01-01,v,",             # 4 not http(s)
        '" https://space.example-synthetic.org/",NEWS,News Media,2024-01-01,v,',        # 5 spaces: no regex match
        '"https://tab.example-synthetic.org/a\\b",NEWS,News Media,2024-01-01,v,',       # 6 backslash
        "https://social.example-synthetic.net/,GRP,Social Networking,2024-01-01,v,",    # 7 on global.csv
        "https://code.example-synthetic.org/,XXX,News Media,2024-01-01,v,",             # 8 unknown code
        "https://desc.example-synthetic.org/,NEWS,news media,2024-01-01,v,",            # 9 wrong description
        "https://ok.example-synthetic.org/,NEWS,News Media,2024-01-02,v,",              # 10 duplicate of 2
        "https://date.example-synthetic.org/,NEWS,News Media,2024-02-30,v,",            # 11 not a real date
        "https://date2.example-synthetic.org/,NEWS,News Media,2024-2-3,v,",             # 12 not zero-padded
        '"https://notes.example-synthetic.org/",NEWS,News Media,2024-01-01,v,"a\tb"',   # 13 tab in notes
        '"https://source.example-synthetic.org/",NEWS,News Media,2024-01-01,"x\\y",',   # 14 backslash in source
        'https://json.example-synthetic.org/,NEWS,News Media,2024-01-01,v,"{""x"": 1}"',  # 15 JSON notes key
        "https://json2.example-synthetic.org/,NEWS,News Media,2024-01-01,v,{broken",    # 16 JSON notes invalid
        "https://cols.example-synthetic.org/,NEWS,News Media,2024-01-01,v",             # 17 five columns
        "https://cols2.example-synthetic.org/,NEWS,News Media,2024-01-01,v,,",          # 18 seven columns
        "",                                                                               # 19 blank line
        'https://json3.example-synthetic.org/,NEWS,News Media,2024-01-01,v,"{""notes"": ""fine""}"',  # 20 ok
    ]) + "\n"
    assert errors(lint_text(text, context)) == [
        (3, "invalid-url", "https://noslash.example-synthetic.org"),
        (4, "invalid-url", "ftp://files.example-synthetic.org/"),
        (5, "invalid-url", " https://space.example-synthetic.org/"),
        (6, "invalid-url", "https://tab.example-synthetic.org/a\\b"),
        (7, "duplicate-url-global", "https://social.example-synthetic.net/"),
        (8, "invalid-category-code", "XXX"),
        (9, "invalid-category-description", "news media"),
        (10, "duplicate-url", "https://ok.example-synthetic.org/"),
        (11, "invalid-date", "2024-02-30"),
        (12, "invalid-date", "2024-2-3"),
        (13, "invalid-notes", "a\tb"),
        (14, "invalid-source", "x\\y"),
        (15, "invalid-notes", '{"x": 1}'),
        (16, "invalid-notes", "{broken"),
        (17, "invalid-column-number", "5"),
        (18, "invalid-column-number", "7"),
        (19, "invalid-column-number", "0"),
    ]


@pytest.mark.parametrize(("url", "problem"), [
    ("https://example.org/", None),
    ("http://1.2.3.4/", None),
    ("http://a.b.cd:8080/x?y=1", None),
    ("http://a.b.c/", "No match"),  # a one-letter top-level label
    ("https://xn--j2e0cg3n2c.com/", None),
    ("https://example.org", "No trailing slash"),
    ("https://example.org?q=1", "No trailing slash"),
    ("https://example.org/\n", "Bad chars"),  # upstream's `$` matches before a final newline
    ("https://example.org/a b", "No match"),
    ("https://example.org/ ", "No match"),
    ("https://ex_ample.org/", "No match"),
    ("https://-example.org/", "No match"),
    ("mailto:someone@example.org", "No match"),
    ("https://ខ្មែរ.com/", "No match"),
    ("https://ſite.org/", None),  # IGNORECASE lets the long s through, as upstream's regex does
])
def test_url_rule_matches_upstream_regex(url: str, problem: str | None) -> None:
    assert url_problem(url) == problem


def test_header_errors_and_upstream_crashes_are_reported_not_raised(context: LintContext) -> None:
    row = "https://ok.example-synthetic.org/,NEWS,News Media,2024-01-01,v,\n"
    assert errors(lint_text("URL,category_code,category_description,date_added,source,notes\n" + row, context)) == [
        (1, "invalid-header", "URL,category_code,category_description,date_added,source,notes")]
    assert errors(lint_text("\ufeff" + HEADER + row, context))[0][:2] == (1, "invalid-header")
    assert errors(lint_text("", context)) == [(1, "empty-file", "")]
    assert lint_text(HEADER, context) == []  # header only: upstream crashes, but it is a valid empty list
    assert errors(lint_text(HEADER.encode() + b"https://bad.example/\xff,NEWS,News Media,2024-01-01,v,\n",
                            context))[0][:2] == (2, "invalid-encoding")
    # unknown code on the first row: upstream crashes (UnboundLocalError); here one clear error
    first = "https://a.example-synthetic.org/,NOPE,News Media,2024-01-01,v,\n"
    assert errors(lint_text(HEADER + first, context)) == [(2, "invalid-category-code", "NOPE")]


def test_line_numbers_are_physical_after_a_multiline_field(context: LintContext) -> None:
    text = HEADER + ('https://a.example-synthetic.org/,NEWS,News Media,2024-01-01,v,"two\nlines"\n'
                     "https://b.example-synthetic.org,NEWS,News Media,2024-01-01,v,\n")
    assert errors(lint_text(text, context)) == [
        (2, "invalid-notes", "two\nlines"), (4, "invalid-url", "https://b.example-synthetic.org")]


def test_country_list_rule_is_skipped_for_global_csv_itself(context: LintContext) -> None:
    text = HEADER + "https://social.example-synthetic.net/,GRP,Social Networking,2014-04-15,crafted,\n"
    assert errors(lint_text(text, context, name="global.csv")) == []
    assert errors(lint_text(text, context, name="kh.csv"))[0][1] == "duplicate-url-global"


def test_warnings_cover_what_upstream_misses(context: LintContext) -> None:
    text = HEADER + "\n".join([
        "https://site.example-synthetic.org/,NEWS,News Media,2024-01-01,v,",                 # 2
        "http://www.site.example-synthetic.org/,NEWS,News Media,2024-01-01,v,",              # 3 www+scheme variant
        "https://kh-news.example-synthetic.org/story/1,NEWS,News Media,2024-01-01,v,",       # 4 path under kh entry
        "https://video.example-synthetic.net/,GRP,Social Networking,2024-01-01,v,",          # 5 host on global
        "https://nosource.example-synthetic.org/,NEWS,News Media,2024-01-01,,",              # 6 empty source
        'https://blank.example-synthetic.org/,NEWS,News Media,2024-01-01,v,"   "',           # 7 whitespace notes
        "https://dmy.example-synthetic.org/,NEWS,News Media,25/12/2023,v,",                  # 8 d/m/Y date
        "https://name.example-synthetic.org/,News Media,News Media,2024-01-01,v,",           # 9 name for code
        "https://misc.example-synthetic.org/,Miscelaneous content,Miscellaneous content,2024-01-01,v,",  # 10 typo
        "https://example.com/,NEWS,News Media,2024-01-01,v,",                                # 11 placeholder
        "https://future.example-synthetic.org/,NEWS,News Media,2027-01-01,v,",               # 12 future date
        "https://ſite.example-synthetic.org/,NEWS,News Media,2024-01-01,v,",                 # 13 non-ASCII host
        "https://rights.example-synthetic.org,HUMR,Human Rights Issues,2021-03-01,v,",       # 14 slash variant of kh
    ]) + "\n"
    found = lint_text(text, context)
    assert warnings_of(found) == [
        (3, "near-duplicate"), (4, "path-under-listed-host"), (5, "host-in-global"), (6, "empty-source"),
        (7, "whitespace-notes"), (8, "non-iso-date"), (9, "category-name"), (10, "category-name"),
        (11, "test-url"), (12, "future-date"),
        (13, "near-duplicate"), (13, "non-ascii-host"),  # IDNA maps the long s to "s": line 2 again
        (14, "near-duplicate"),
    ]
    hints = {f.line: f.hint for f in found if f.severity == "warning"}
    assert "2023-12-25" in hints[8] and "NEWS" in hints[9] and "MISC" in hints[10]
    # warnings never change the errors: the same file without warnings has the same errors
    assert errors(lint_text(text, context, warnings=False)) == errors(found)
    assert all(f.severity == "error" for f in lint_text(text, context, warnings=False))


def test_legend_problems_are_findings() -> None:
    legend = parse_legend(b"Category Description,New Code\nNews Media\n", "legend.csv")
    assert [(p.line, p.rule) for p in legend.problems] == [(2, "invalid-legend"), (1, "invalid-legend")]


def test_directory_is_linted_like_upstream_ci(crafted_test_lists: Path) -> None:
    (crafted_test_lists / "mm.csv").write_text(
        HEADER + "http://www.global-news.example-synthetic.net/,NEWS,News Media,2020-01-01,v,\n")
    result = lint_directory(crafted_test_lists, today=TODAY)
    assert sorted(Path(f).name for f in result.files) == ["global.csv", "kh.csv", "mm.csv"]
    assert [(Path(f.path).name, f.line, f.rule) for f in result.findings if f.severity == "error"] == [
        ("mm.csv", 2, "duplicate-url-global")]


@pytest.mark.shared
def test_real_upstream_lists_pass_with_zero_errors(citizenlab_dir: Path) -> None:
    """Upstream's CI is green on these files (commit in SOURCE): so must we be."""
    result = lint_directory(citizenlab_dir)
    assert result.errors == 0, [f.format() for f in result.findings if f.severity == "error"][:5]
    assert result.rows == 172 + 1722
    assert result.warnings > 0  # upstream misses near-duplicates and empty sources; we point them out


@pytest.mark.shared
def test_real_upstream_lists_with_one_broken_row_fail(citizenlab_dir: Path, tmp_path: Path) -> None:
    for name in ("kh.csv", "global.csv", "00-LEGEND-new_category_codes.csv"):
        (tmp_path / name).write_bytes((citizenlab_dir / name).read_bytes())
    kh = tmp_path / "kh.csv"
    lines = kh.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[10] = lines[10].replace("/,", ",", 1)  # drop one trailing slash
    kh.write_text("".join(lines), encoding="utf-8")
    result = lint_directory(tmp_path)
    assert [(Path(f.path).name, f.line, f.rule) for f in result.findings if f.severity == "error"] == [
        ("kh.csv", 11, "invalid-url")]


def test_an_unclosed_quote_names_where_it_opened_and_the_lines_it_swallowed(context: LintContext) -> None:
    row = "https://{}.example-synthetic.org/,NEWS,News Media,2024-01-01,v,"
    text = HEADER + '"' + row.format("quote") + "\n" + row.format("d") + "\n" + row.format("e") + "\n"
    found = [f for f in lint_text(text, context) if f.severity == "error"]
    assert [(f.line, f.rule) for f in found] == [(2, "unclosed-quote")]
    assert "quote opened on line 2" in found[0].message and "lines 3-4" in found[0].message
    assert "close the quote on line 2" in found[0].hint
    # the same stray quote on the last row: nothing swallowed yet, but it is never closed
    found = lint_text(HEADER + '"' + row.format("quote") + "\n", context)
    assert [(f.line, f.rule) for f in found] == [(2, "unclosed-quote")] and "never closed" in found[0].message
    # a quote in the notes that swallows a row still has six fields: the swallowed row is named too
    text = HEADER + row.format("a") + '"note\n' + row.format("b") + '"\n'
    assert errors(lint_text(text, context)) == [
        (2, "unclosed-quote", row.format("a") + '"note'), (2, "invalid-notes", "note\n" + row.format("b"))]
    # a note with a line break is not a stray quote (upstream rejects the line break, nothing more)
    text = HEADER + row.format("a") + '"two\nlines"\n'
    assert errors(lint_text(text, context)) == [(2, "invalid-notes", "two\nlines")]


@pytest.mark.parametrize(("date", "hint"), [
    ("2024-02-30", "2024-02-30 is not a real date (February 2024 has 29 days)"),
    ("2023-02-29", "2023-02-29 is not a real date (February 2023 has 28 days)"),
    ("2024-13-01", "2024-13-01 is not a real date (there is no month 13)"),
    ("2024-4-31", "2024-4-31 is not a real date (April 2024 has 30 days); dates are written YYYY-MM-DD"),
    ("2024-2-3", "dates are YYYY-MM-DD"),
    ("25/12/2023", "dates are YYYY-MM-DD"),
])
def test_invalid_date_hint_says_whether_the_day_or_the_form_is_wrong(context: LintContext, date: str,
                                                                     hint: str) -> None:
    text = HEADER + f"https://d.example-synthetic.org/,NEWS,News Media,{date},v,\n"
    found = [f for f in lint_text(text, context) if f.rule == "invalid-date"]
    assert [f.hint for f in found] == [hint]


def test_near_duplicate_hint_names_the_actual_difference(context: LintContext) -> None:
    text = HEADER + "\n".join([
        "https://xn--j2e0cg3n2c.com/,NEWS,News Media,2024-01-01,v,",      # 2
        "https://ខ្មែរ.com/,NEWS,News Media,2024-01-01,v,",                # 3 the same host in Unicode
        "https://site.example-synthetic.org/,NEWS,News Media,2024-01-01,v,",  # 4
        "http://www.site.example-synthetic.org/,NEWS,News Media,2024-01-01,v,",  # 5 scheme and www.
    ]) + "\n"
    hints = {f.line: f.hint for f in lint_text(text, context) if f.rule == "near-duplicate"}
    assert hints[3].startswith("it differs only in how the host is written: the same name in Unicode (ខ្មែរ.com) "
                               "and in punycode (xn--j2e0cg3n2c.com)")
    assert "http/https" not in hints[3] and "trailing slash" not in hints[3]
    assert hints[5].startswith("it differs only in http/https and www.:")
