"""The answer checks stored at ingest (dns_answers_in_control, dns_answers_explained,
dns_first_answer_bogon) equal their SQL definition, on OONI's QA samples and the synthetic corpus, and
the classification macros compute the same for rows stored before the columns existed (NULL). The
Python bogon test equals the SQL one (imap_is_bogon) on the edges of every range and on random
addresses."""

from __future__ import annotations

from collections import Counter
from datetime import date

import duckdb

from ooni_ingest.parse import parse_measurement, rows_to_frame
from warehouse.classification import sql_support
from warehouse.db import connect

# The definition the columns document (warehouse/sql/schema.sql), written out in SQL.
SQL_DEFINITION = """
SELECT measurement_key,
       dns_answers_in_control,
       dns_answers_explained,
       dns_first_answer_bogon,
       len(coalesce(dns_answers, [])) > 0 AND list_has_all(coalesce(control_dns_addrs, []), dns_answers),
       len(coalesce(dns_answers, [])) > 0
           AND list_has_all(coalesce(control_dns_addrs, []) || coalesce(doh_answers, []) || coalesce(tls_ok_ips, []),
                            dns_answers),
       imap_is_bogon(dns_answers[1])
FROM measurements
ORDER BY measurement_key
"""
MACROS = """
SELECT measurement_key, imap_answers_in_control(m), imap_answers_explained(m), imap_first_answer_bogon(m)
FROM measurements m
ORDER BY measurement_key
"""


def warehouse_of(raws: list[dict]) -> duckdb.DuckDBPyConnection:
    rows = []
    for number, raw in enumerate(raws):
        row = parse_measurement(raw, ingest_day=date(2024, 3, 1), ingest_source="local", source_file="f",
                                source_line=number + 1)
        row["measurement_key"] = f"k{number:06d}"
        rows.append(row)
    con = connect(":memory:")
    frame = rows_to_frame(rows)  # noqa: F841 - read by DuckDB below
    con.execute("INSERT INTO measurements BY NAME SELECT * FROM frame")
    sql_support.prepare(con)
    return con


def assert_stored_equal_definition(con: duckdb.DuckDBPyConnection) -> Counter:
    """Checks every row and returns how often each (in_control, explained, first_bogon) triple occurs."""
    rows = con.execute(SQL_DEFINITION).fetchall()
    assert rows
    for key, *stored_and_defined in rows:
        assert stored_and_defined[:3] == stored_and_defined[3:], key
    # The fallback for older rows: the macros give the stored values, and the same once they are NULL.
    stored = con.execute(MACROS).fetchall()
    assert stored == [(key, a, b, c) for key, a, b, c, *_ in rows]
    con.execute("UPDATE measurements SET dns_answers_in_control = NULL, dns_answers_explained = NULL, "
                "dns_first_answer_bogon = NULL")
    assert con.execute(MACROS).fetchall() == stored
    return Counter((a, b, c) for _, a, b, c, *_ in rows)


def test_answer_checks_on_the_qa_samples(qa_measurements: dict[str, dict]) -> None:
    seen = assert_stored_equal_definition(warehouse_of(list(qa_measurements.values())))
    assert seen[(True, True, False)] and seen[(False, False, False)] and seen[(False, False, None)]
    assert seen[(False, False, True)]  # the QA suite's bogon answers


def test_answer_checks_on_the_synthetic_corpus() -> None:
    from ooni_ingest.synthetic import iter_synthetic_measurements

    raws = list(iter_synthetic_measurements(seed=11, count=3000, start=date(2024, 1, 1), end=date(2024, 12, 31)))
    seen = assert_stored_equal_definition(warehouse_of(raws))
    # Every combination the fast path tells apart occurs: in the control's answers; explained only
    # by DoH or a verified handshake; not explained (or no answers).
    pairs = Counter()
    for (in_control, explained, _), count in seen.items():
        pairs[(in_control, explained)] += count
    assert pairs[(True, True)] and pairs[(False, True)] and pairs[(False, False)]
    assert (True, False) not in pairs
    assert any(bogon for (_, _, bogon) in seen)


# Each range's first and last address and its neighbours outside, and addresses the expressions must
# not mistake (leading zeros, IPv6 forms, case, a trailing newline).
BOGON_EDGES = [
    "0.0.0.0", "0.255.255.255", "1.0.0.0", "9.255.255.255", "10.0.0.0", "10.255.255.255", "11.0.0.0",
    "100.63.255.255", "100.64.0.0", "100.127.255.255", "100.128.0.0", "126.255.255.255", "127.0.0.1",
    "128.0.0.0", "169.253.255.255", "169.254.0.0", "169.254.255.255", "169.255.0.0", "172.15.255.255",
    "172.16.0.0", "172.31.255.255", "172.32.0.0", "192.0.0.1", "192.0.1.1", "192.0.2.1", "192.0.3.1",
    "192.167.255.255", "192.168.0.0", "192.168.255.255", "192.169.0.0", "198.17.255.255", "198.18.0.0",
    "198.19.255.255", "198.20.0.0", "198.51.100.7", "198.51.101.7", "203.0.113.9", "203.0.114.9",
    "223.255.255.255", "224.0.0.1", "239.255.255.255", "240.0.0.1", "255.255.255.255", "010.0.0.1",
    "1.2.3.4", "8.8.8.8", "::", "::1", "::2", "fc00::1", "FD12:3456::1", "fe80::1", "FEBF::1", "fec0::1",
    "2001:db8::1", "2001:db9::1", "2001:4860:4860::8888", "::ffff:10.0.0.1", "::ffff:8.8.8.8",
    "::ffff:192.168.1.1", "64:ff9b::808:808", "10.0.0.1\n", "8.8.8.8\n", "::1\n", "",
]


def sql_bogon(addresses: list[str]) -> list[bool]:
    con = connect(":memory:")
    sql_support.prepare(con)
    return [row[0] for row in con.execute(
        "SELECT imap_is_bogon(a) FROM unnest($1::VARCHAR[]) WITH ORDINALITY AS t(a, n) ORDER BY n", [addresses]
    ).fetchall()]


def test_python_bogon_test_equals_the_sql_one() -> None:
    import random

    from ooni_ingest.extract import is_bogon

    rng = random.Random(5)
    addresses = list(BOGON_EDGES)
    addresses += [".".join(str(rng.choice([0, 10, 100, 127, 169, 172, 192, 198, 203, 224, 255, rng.randrange(256)]))
                           if i == 0 else str(rng.randrange(256)) for i in range(4)) for _ in range(3000)]
    addresses += [":".join(f"{rng.randrange(65536):x}" for _ in range(rng.choice([2, 4, 8]))) for _ in range(1000)]
    addresses += [rng.choice(["fc", "fd", "fe8", "fe9", "fea", "feb", "fec", "2001:db8", "2001:db9"]) + f"{rng.randrange(16):x}::1"
                  for _ in range(1000)]
    python = [is_bogon(address) for address in addresses]
    assert python == sql_bogon(addresses)
    assert 100 < sum(python) < len(addresses) - 100  # both kinds, plenty of each
