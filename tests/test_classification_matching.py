"""Page matching once per distinct body (warehouse.classification.matching) finds exactly what matching
each page against each pattern one by one would: overlapping and nested patterns, prefixes, whole
bodies, regular expressions (RE2, through DuckDB), repeated and empty bodies."""

from __future__ import annotations

import duckdb
import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from warehouse.classification.matching import page_hits

_CON = duckdb.connect()


def brute_force(pages: list[tuple[str, str | None]], literals: list[str], regexps: list[str]) -> set[tuple]:
    """Every (key, pattern, regexp, starts, whole) by testing each page against each pattern."""
    found = set()
    for key, body in pages:
        if body is None:
            continue
        for pattern in literals:
            if pattern in body:
                found.add((key, pattern, False, body.startswith(pattern), body == pattern))
        for pattern in regexps:
            if _CON.execute("SELECT regexp_matches(?, ?)", [body, pattern]).fetchone()[0]:
                found.add((key, pattern, True, False, False))
    return found


def matched(pages: list[tuple[str, str | None]], literals: list[str], regexps: list[str]) -> set[tuple]:
    frame = pl.DataFrame(
        {"measurement_key": [k for k, _ in pages], "body": [b for _, b in pages]},
        schema={"measurement_key": pl.String, "body": pl.String},
    ).filter(pl.col("body").is_not_null())
    hits = page_hits(_CON, frame, literals, regexps)
    assert hits.columns == ["measurement_key", "pattern", "regexp", "starts", "whole"]
    rows = hits.rows()
    assert len(rows) == len(set(rows)), "a page reports a pattern once"
    return set(rows)


def test_overlapping_nested_prefix_and_whole_patterns() -> None:
    literals = ["Access Denied", "Access", "Denied by", "by order of", "blocked", "<html>blocked</html>", "<html>"]
    regexps = ["Denied.*order", "^<html>b", "(?i)BLOCKED"]
    pages = [
        ("k1", "Access Denied by order of the Ministry"),   # nested, overlapping, chained
        ("k2", "<html>blocked</html>"),                      # a `full` and a `prefix` hit
        ("k3", "<html>blocked</html>"),                      # the same body twice: matched once, reported twice
        ("k4", "nothing to see"),
        ("k5", ""),
        ("k6", None),                                        # no stored sample
        ("k7", "ព័ត៌មាន Access Denied ព័ត៌មាន"),             # multibyte text around a pattern
    ]
    got = matched(pages, literals, regexps)
    assert got == brute_force(pages, literals, regexps)
    assert ("k1", "Denied by", False, False, False) in got and ("k1", "by order of", False, False, False) in got
    assert ("k2", "<html>blocked</html>", False, True, True) in got and ("k3", "<html>", False, True, False) in got
    assert not any(key in ("k4", "k5", "k6") for key, *_ in got)


def test_no_patterns_or_no_pages() -> None:
    assert matched([("k1", "Access Denied")], [], []) == set()
    assert matched([], ["Access"], ["Acc.ss"]) == set()


_text = st.text(alphabet="abc<>/ ", min_size=0, max_size=40)


@settings(max_examples=150, deadline=None)
@given(
    bodies=st.lists(_text, min_size=1, max_size=12),
    literals=st.lists(st.text(alphabet="abc<>/ ", min_size=1, max_size=6), min_size=1, max_size=25, unique=True),
    regexps=st.lists(st.sampled_from(["a.*b", "^<a", "c{2}", "b$", "(ab)+c"]), max_size=3, unique=True),
)
def test_same_hits_as_one_by_one(bodies: list[str], literals: list[str], regexps: list[str]) -> None:
    # Few letters, so patterns overlap, nest and repeat; some bodies repeat too.
    pages = [(f"k{i}", body) for i, body in enumerate(bodies + bodies[:2])]
    assert matched(pages, literals, regexps) == brute_force(pages, literals, regexps)
