"""What a bucket key or a mirror path tells about its measurements: upload day, country, test.

Layouts understood:
- OONI bucket since 2020-10-21: `raw/YYYYMMDD/HH/CC/<testname without underscores>/<name>.jsonl.gz`
  (the date is the upload day, when the collector received the measurement);
- OONI bucket before that: `jsonl/<test_name>/<CC>/<YYYYMMDD>/00/<name>.jsonl.gz`;
- `oonidata sync --output-dir DIR`: `DIR/<test_name>/<YYYY-MM-DD>/<name>.jsonl.gz` (upload days too);
- bucket file names `YYYYMMDDHH_CC_<testname>.n<collector>.<counter>.jsonl.gz` wherever they lie.
Anything else is a plain file: only its content tells dates and countries.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

WEB_CONNECTIVITY = "web_connectivity"
MEASUREMENT_SUFFIXES = (".jsonl.gz", ".jsonl", ".json", ".json.gz")
# The first day of the current bucket layout; earlier days live under jsonl/.
NEW_LAYOUT_FIRST_DAY = date(2020, 10, 21)

_RAW_KEY = re.compile(r"(?:^|/)raw/(\d{8})/(\d{2})/([A-Z]{2}|ZZ)/([a-z0-9_]+)/[^/]+$")
_OLD_KEY = re.compile(r"(?:^|/)jsonl/([a-z0-9_]+)/([A-Z]{2}|ZZ)/(\d{8})/\d{2}/[^/]+$")
_SYNC_PATH = re.compile(r"(?:^|/)([a-z0-9_]+)/(\d{4}-\d{2}-\d{2})/[^/]+$")
_FILE_NAME = re.compile(r"^(\d{8})\d{2}_([A-Z]{2}|ZZ)_([a-z0-9_]+)\.")
# `oonidata sync` directories are named after OONI tests; a date folder under any other name (say
# ~/data/2024-01-01/) says nothing reliable, so only these names make a path an `oonidata sync` one.
OONI_TEST_NAMES = frozenset(
    {
        "web_connectivity", "telegram", "whatsapp", "signal", "facebook_messenger", "tor", "torsf", "vanilla_tor",
        "psiphon", "riseupvpn", "dnscheck", "urlgetter", "ndt", "dash", "http_header_field_manipulation",
        "http_invalid_request_line", "stunreachability", "stun_reachability", "openvpn", "echcheck",
        "browser_web", "tlsmiddlebox", "dns_consistency", "http_requests",
    }
)


@dataclass(frozen=True)
class PathHints:
    """What the path says; None where it says nothing (then the content decides)."""

    upload_day: date | None = None
    country: str | None = None
    test_name: str | None = None  # normalised: "webconnectivity" and "web_connectivity" both mean web_connectivity

    @property
    def is_web_connectivity(self) -> bool | None:
        return None if self.test_name is None else self.test_name.replace("_", "") == "webconnectivity"


def _day(text: str) -> date | None:
    try:
        if "-" in text:
            return date.fromisoformat(text)
        return date(int(text[:4]), int(text[4:6]), int(text[6:8]))
    except ValueError:
        return None


def hints_for(path: str) -> PathHints:
    """Hints from a bucket key or a local path (forward slashes or the OS's separators)."""
    path = path.replace("\\", "/")
    match = _RAW_KEY.search(path)
    if match:
        return PathHints(_day(match.group(1)), match.group(3), match.group(4))
    match = _OLD_KEY.search(path)
    if match:
        return PathHints(_day(match.group(3)), match.group(2), match.group(1))
    name = path.rsplit("/", 1)[-1]
    by_name = _FILE_NAME.match(name)
    sync = _SYNC_PATH.search(path)
    if sync and sync.group(1) in OONI_TEST_NAMES and _day(sync.group(2)) is not None:
        return PathHints(
            _day(sync.group(2)),
            by_name.group(2) if by_name else None,
            sync.group(1),
        )
    if by_name:
        return PathHints(_day(by_name.group(1)), by_name.group(2), by_name.group(3))
    return PathHints()


def is_measurement_file(name: str) -> bool:
    return name.endswith(MEASUREMENT_SUFFIXES)


def bucket_prefixes(day: date, country: str) -> tuple[str, ...]:
    """Listing prefixes holding one upload day's web_connectivity files for ``country``.

    The current layout needs one listing per hour (found by listing the day with a delimiter), so
    this returns the day prefix to list with delimiter "/" first; the old layout is one prefix.
    """
    if day >= NEW_LAYOUT_FIRST_DAY:
        return (f"raw/{day:%Y%m%d}/",)
    return (f"jsonl/{WEB_CONNECTIVITY}/{country}/{day:%Y%m%d}/",)


def hour_prefix(hour_prefix: str, country: str) -> str:
    """`raw/YYYYMMDD/HH/` -> `raw/YYYYMMDD/HH/CC/webconnectivity/`."""
    return f"{hour_prefix}{country}/webconnectivity/"


def days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=offset) for offset in range((last - first).days + 1)]
