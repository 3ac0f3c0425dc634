"""Synthetic test lists (Citizen Lab format) and blocking fingerprints (OONI format) for a corpus.

The files have exactly the upstream shapes, so the test-list and fingerprint loaders read them
like the real ones, and say "synthetic" in their source/notes columns. Category names are
Citizen Lab's codes and names; the long descriptions are written here, short, and marked synthetic.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from pathlib import Path

from ooni_ingest.synthetic import landscape as ls

TEST_LIST_HEADER = ("url", "category_code", "category_description", "date_added", "source", "notes")
LEGEND_HEADER = ("Category Description", "New Code", "Replaces old code(s)", "Description")
FINGERPRINT_HEADER = ("name", "scope", "other_names", "location_found", "pattern_type", "pattern",
                      "confidence_no_fp", "expected_countries", "source", "exp_url", "notes")
SOURCE = "imap-synthetic"

# (name, code, old codes): the 31 categories of the Citizen Lab legend.
CATEGORIES = (
    ("Alcohol & Drugs", "ALDR", "ALDR"), ("Religion", "REL", "REL"), ("Pornography", "PORN", "PORN"),
    ("Provocative Attire", "PROV", "PROV"), ("Political Criticism", "POLR", "POLR POLT"),
    ("Human Rights Issues", "HUMR", "HUMR MINR WOMR MINF"), ("Environment", "ENV", "ENV"),
    ("Terrorism and Militants", "MILX", "MILX"), ("Hate Speech", "HATE", "HATE"), ("News Media", "NEWS", "FEXP"),
    ("Sex Education", "XED", "XED"), ("Public Health", "PUBH", "PUBH SELFHARM"), ("Gambling", "GMB", "GMB"),
    ("Anonymization and circumvention tools", "ANON", "ANON"), ("Online Dating", "DATE", "DATE"),
    ("Social Networking", "GRP", "GRP"), ("LGBT", "LGBT", "GAYL"), ("File-sharing", "FILE", "P2P SFTWR WRZ"),
    ("Hacking Tools", "HACK", "HACK"), ("Communication Tools", "COMT", "VOIP EMAIL TRNS MSG"),
    ("Media sharing", "MMED", "MMED"), ("Hosting and Blogging Platforms", "HOST", "HOST BLGSERV CLOUD"),
    ("Search Engines", "SRCH", "SRCH"), ("Gaming", "GAME", "GAME"), ("Culture", "CULTR", "HAL"),
    ("Economics", "ECON", "DEV"), ("Government", "GOVT", "FREL USMIL"), ("E-commerce", "COMM", "COMM"),
    ("Control content", "CTRL", "CACH"), ("Intergovernmental Organizations", "IGO", "N/A"),
    ("Miscellaneous content", "MISC", "MISC KWRD"),
)
CATEGORY_NAME = {code: name for name, code, _ in CATEGORIES}

DNS_FINGERPRINTS = (
    ("synthetic.kh_dns_1", "isp", "dns", "full", "36.37.242.94", 5, "KH", "Viettel (AS38623) block answer"),
    ("synthetic.kh_dns_2", "isp", "dns", "full", "203.190.164.182", 5, "KH", "Viettel (AS38623) block answer"),
    ("synthetic.kh_dns_3", "prod", "dns", "full", ls.ORG_FIREWALL_IP, 5, "KH",
     "pfBlockerNG DNSBL of one organisation: local filtering, not the ISP"),
    *(
        (f"synthetic.opendns_{i}", "prod", "dns", "full", ip, 10, "", "OpenDNS FamilyShield block answer")
        for i, ip in enumerate(ls.OPENDNS_BLOCK_IPS, start=1)
    ),
)
HTTP_FINGERPRINTS = (
    ("synthetic.fp_cloudflare_challenge", "fp", "body", "contains", "<title>Just a moment...</title>", 5, "",
     "Cloudflare managed challenge: the site's own bot protection"),
    ("synthetic.fp_one_moment", "fp", "body", "contains", "<title>One moment, please...</title>", 5, "",
     "hosting provider bot check"),
    ("synthetic.fp_gpon_router", "fp", "body", "contains", "<title>GPON Home Gateway</title>", 5, "",
     "home router login page after a local DNS failure"),
    ("synthetic.prod_opendns_page", "prod", "header.server", "full", "OpenDNS Block Page", 10, "",
     "OpenDNS FamilyShield block page"),
    ("synthetic.prod_pfblocker_page", "prod", "body", "contains", "pfBlockerNG DNSBL", 5, "KH",
     "pfBlockerNG DNSBL page of one organisation"),
)


def _csv(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buf.getvalue()


def _date_added(site: ls.Site) -> str:
    n = sum(site.domain.encode())
    return f"{2016 + n % 8}-{n % 12 + 1:02d}-{n % 27 + 1:02d}"


def test_list_csv(list_name: str) -> str:
    rows = [
        (s.url, s.category, CATEGORY_NAME[s.category], _date_added(s), SOURCE, "synthetic entry: fictional website")
        for s in sorted(ls.SITES, key=lambda s: s.url) if s.list_name == list_name
    ]
    return _csv(TEST_LIST_HEADER, rows)


def legend_csv() -> str:
    return _csv(LEGEND_HEADER, ((name, code, old, f"{name} (synthetic legend for the imap demo).")
                                for name, code, old in CATEGORIES))


def fingerprints_csv(rows: Sequence[tuple]) -> str:
    return _csv(FINGERPRINT_HEADER, (
        (name, scope, "", where, ptype, pattern, conf, countries, SOURCE, "", f"synthetic: {note}")
        for name, scope, where, ptype, pattern, conf, countries, note in rows
    ))


def write_test_lists(directory: Path) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "kh.csv").write_text(test_list_csv("kh"), encoding="utf-8")
    (directory / "global.csv").write_text(test_list_csv("global"), encoding="utf-8")
    (directory / "00-LEGEND-new_category_codes.csv").write_text(legend_csv(), encoding="utf-8")


def write_fingerprints(directory: Path) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "fingerprints_dns.csv").write_text(fingerprints_csv(DNS_FINGERPRINTS), encoding="utf-8")
    (directory / "fingerprints_http.csv").write_text(fingerprints_csv(HTTP_FINGERPRINTS), encoding="utf-8")
