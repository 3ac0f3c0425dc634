"""The one place where imap's configuration lives.

Precedence, lowest first: the defaults below, an optional ``imap.toml`` (in the project directory,
or the file named by ``IMAP_CONFIG``), ``IMAP_*`` environment variables, then command-line flags
(passed in as ``overrides``). Every threshold the classification uses is a field of
``ClassificationThresholds`` so that the report's methodology section can print exactly what was used.

This module imports nothing heavy: the command line loads it before deciding what to run.
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


def find_project_dir() -> Path:
    """The directory holding pyproject.toml (the clone), else the current directory.

    With the editable install the README uses, the packages live in the clone, so walking up from
    this file finds it; ``IMAP_PROJECT_DIR`` overrides for other installs.
    """
    env = os.environ.get("IMAP_PROJECT_DIR")
    if env:
        return Path(env).resolve()
    here = Path(__file__).resolve()
    for parent in here.parents:
        if (parent / "pyproject.toml").is_file() and (parent / "warehouse").is_dir():
            return parent
    return Path.cwd().resolve()


@dataclass(frozen=True)
class Paths:
    project_dir: Path
    # The embedded DuckDB file. Ignored by git.
    db_path: Path
    # Downloads (bucket objects, API pages, upstream test lists and fingerprints). Ignored by git.
    cache_dir: Path
    # The Dagster instance (run history, event logs). Ignored by git; dagster.yaml is copied in.
    dagster_home: Path
    # Where rendered reports land: <report_dir>/<period>/index.html
    report_dir: Path
    # Where `imap demo` writes its synthetic bucket mirror.
    demo_dir: Path

    @classmethod
    def under(cls, project_dir: Path) -> Paths:
        return cls(
            project_dir=project_dir,
            db_path=project_dir / "warehouse" / "imap.duckdb",
            cache_dir=project_dir / ".cache",
            dagster_home=project_dir / ".dagster_home",
            report_dir=project_dir / "build" / "report",
            demo_dir=project_dir / "build" / "demo-data",
        )


@dataclass(frozen=True)
class IngestSettings:
    country: str = "KH"
    # "s3" (OONI's public bucket), "api" (api.ooni.io), or a local directory path.
    source: str = "s3"
    s3_endpoint: str = "https://ooni-data-eu-fra.s3.eu-central-1.amazonaws.com"
    api_endpoint: str = "https://api.ooni.io"
    # Probes upload late: a month's measurements keep arriving in the bucket for days after it ends.
    # A month is counted from the upload days of the month plus this many days after it.
    late_upload_days: int = 7
    http_timeout_seconds: float = 60.0
    max_retries: int = 5
    # Ingest checks turn red above this share of skipped lines in a day.
    max_skip_rate: float = 0.02


@dataclass(frozen=True)
class ClassificationThresholds:
    """Evidence rules for verdicts. Owned by the classification stage; printed in the report.

    README "Classification" explains each rule; warehouse/sql/verdicts_month.sql applies them.
    """

    # A (site, ASN, month) cell with fewer measurements or distinct days is `insufficient`: the
    # published reports called sites blocked on 1 to 5 measurements, which one bad day can produce.
    min_measurements: int = 5
    min_days: int = 2
    # One-sided confidence level of the Wilson score bounds on the ISP-blocked share
    # blocked / (blocked + ok); down and inconclusive measurements say nothing either way. 90 %
    # rather than 95 %: ISPs apply blocks to 88-95 % of requests, so 95 % left most 5-7 measurement
    # cells of real blocking `inconclusive` (recall 0.93 against 0.98 on the synthetic corpus, with
    # no false positive at either level).
    confidence: float = 0.90
    # `likely` needs the lower bound of the blocked share at or above this: we are `confidence`
    # sure that most measurements were blocked (4 of 5 passes, 3 of 5 does not) ...
    likely_min_lower_bound: float = 0.5
    # ... one method behind at least this share of the blocked measurements (ISP blocking is a
    # configuration: it repeats; a mix of timeouts and resets is more often a bad network) ...
    likely_min_method_share: float = 0.6
    # ... and blocked measurements on at least this many distinct days (one bad day is not blocking).
    likely_min_blocked_days: int = 2
    # `accessible` needs the upper bound of the blocked share at or below this: 5 of 5 ok passes,
    # 4 of 5 with one blocked does not. Between `likely` and `accessible` a cell is `inconclusive`.
    accessible_max_upper_bound: float = 0.4
    # `down` when at least this share of a cell's measurements found the site down (the control failed too).
    down_min_share: float = 0.5
    # `confirmed` needs at least this many measurements matching an ISP/national fingerprint.
    confirmed_min_fingerprint_matches: int = 2
    # Tier 4: a site is "still blocked" at the end of a period when, on some ISP, its latest
    # conclusive month is blocked and falls within this many months of the period's end.
    still_blocked_window_months: int = 2
    # Networks of these kinds (warehouse/reference/networks.csv) get no ISP verdicts: VPN exits and
    # foreign hosting geolocated to Cambodia are not Cambodian ISPs.
    excluded_network_kinds: tuple[str, ...] = ("vpn", "hosting")
    # Candidate discovery (tier 2): an answer or page shared by at least this many domains among
    # anomalous measurements (the hand-made method used "more than 10" and "more than 8").
    candidate_min_domains_dns: int = 10
    candidate_min_domains_http: int = 8


@dataclass(frozen=True)
class ReportSettings:
    # First month of the reporting year: 1 for calendar years, 7 for the iMAP July-June years.
    period_start_month: int = 1
    languages: tuple[str, ...] = ("en", "km")
    explorer_url: str = "https://explorer.ooni.org/m/"


@dataclass(frozen=True)
class UpstreamSettings:
    test_lists_base_url: str = "https://raw.githubusercontent.com/citizenlab/test-lists"
    test_lists_ref: str = "master"
    fingerprints_base_url: str = "https://raw.githubusercontent.com/ooni/blocking-fingerprints"
    # Pinned: the same fingerprints on every run, so a report is reproducible. README "Fingerprints"
    # says how to move it to a newer commit of ooni/blocking-fingerprints.
    fingerprints_ref: str = "171641e60b54231cad18753a72145da87b0d3e07"
    # Local copies used instead of the network when set (offline runs, the demo, tests): a directory
    # holding kh.csv, global.csv and 00-LEGEND-new_category_codes.csv, and one holding
    # fingerprints_dns.csv and fingerprints_http.csv.
    test_lists_from: str = ""
    fingerprints_from: str = ""


@dataclass(frozen=True)
class AutomationSettings:
    """What keeps the warehouse current once it runs continuously (pipelines/automation.py applies it;
    README "Operating imap" explains it). Cron strings are UTC."""

    # Start the automation sensor with the code location: `imap ui --automation` or $IMAP_AUTOMATION=1.
    # Off by default, so tests and one-off commands never launch runs by themselves.
    enabled: bool = False
    # OONI's collectors upload to the bucket hour by hour: by 06:00 UTC yesterday's upload day is complete.
    ingest_cron: str = "0 6 * * *"
    # At that tick, upload days this far back that were never ingested are caught up too (the daemon
    # was off, or a day's run failed): one run for all of them.
    catch_up_days: int = 7
    # Test list and fingerprints are refreshed weekly (Monday, before the ingest).
    reference_cron: str = "0 5 * * 1"
    # When the fingerprints change, measurements uploaded this many days back are judged again, so the
    # months in progress use them; older months keep their verdicts until someone backfills them
    # (that changes published reports, so it is a person's decision).
    rejudge_days: int = 62
    # Fingerprint candidates (a review file, a year's anomalies) are rediscovered weekly, if anything changed.
    candidates_cron: str = "0 7 * * 1"


@dataclass(frozen=True)
class HealthSettings:
    """Thresholds of the data-health checks (pipelines/assets/health.py over warehouse/health.py)."""

    # A day is compared with the upload days before it, up to this many (those holding any measurement).
    baseline_days: int = 28
    # An upload day with no measurement at all is red when the days before it held at least this many
    # a day (median): Cambodia's usual ~5,000 a day make an empty day an outage or a fetch failure,
    # while on thin data (the 20,000-a-year demo) days without uploads happen. An empty day after
    # `baseline_days` of nothing is red however thin the data (a wrong source or country, no fetch).
    empty_day_min_median: int = 100
    # An ISP (ASN) whose day holds less than this share of its median day is a coverage drop ...
    coverage_drop_share: float = 0.2
    # ... if its median day holds at least this many measurements (networks measured by one volunteer
    # now and then come and go) ...
    coverage_min_median: int = 50
    # ... and at least this many earlier days hold measurements to compare with.
    coverage_min_baseline_days: int = 7


@dataclass(frozen=True)
class Settings:
    paths: Paths
    ingest: IngestSettings = field(default_factory=IngestSettings)
    thresholds: ClassificationThresholds = field(default_factory=ClassificationThresholds)
    report: ReportSettings = field(default_factory=ReportSettings)
    upstream: UpstreamSettings = field(default_factory=UpstreamSettings)
    automation: AutomationSettings = field(default_factory=AutomationSettings)
    health: HealthSettings = field(default_factory=HealthSettings)

    def as_dict(self) -> dict[str, Any]:
        """Plain values, for run metadata and the report's methodology section."""

        def plain(value: Any) -> Any:
            if isinstance(value, Path):
                return str(value)
            if isinstance(value, tuple):
                return list(value)
            return value

        return {
            section.name: {k: plain(v) for k, v in dataclasses.asdict(getattr(self, section.name)).items()}
            for section in dataclasses.fields(self)
        }


# Environment variables, each mapped to (section, field). Paths are resolved against the cwd.
ENVIRONMENT_VARIABLES: dict[str, tuple[str, str]] = {
    "IMAP_DB": ("paths", "db_path"),
    "IMAP_CACHE_DIR": ("paths", "cache_dir"),
    "IMAP_DAGSTER_HOME": ("paths", "dagster_home"),
    "IMAP_REPORT_DIR": ("paths", "report_dir"),
    "IMAP_COUNTRY": ("ingest", "country"),
    "IMAP_SOURCE": ("ingest", "source"),
    "IMAP_S3_ENDPOINT": ("ingest", "s3_endpoint"),
    "IMAP_API_ENDPOINT": ("ingest", "api_endpoint"),
    "IMAP_TEST_LISTS_BASE_URL": ("upstream", "test_lists_base_url"),
    "IMAP_FINGERPRINTS_BASE_URL": ("upstream", "fingerprints_base_url"),
    "IMAP_TEST_LISTS_FROM": ("upstream", "test_lists_from"),
    "IMAP_FINGERPRINTS_FROM": ("upstream", "fingerprints_from"),
    "IMAP_AUTOMATION": ("automation", "enabled"),
}


class SettingsError(ValueError):
    """A configuration value is missing, unknown or of the wrong type; the message names it."""


def _coerce(section: str, name: str, current: Any, value: Any, origin: str) -> Any:
    if isinstance(current, Path):
        return Path(value).expanduser().resolve()
    if isinstance(current, bool):
        if isinstance(value, str):
            return value.strip().lower() in ("1", "true", "yes", "on")
        return bool(value)
    try:
        if isinstance(current, tuple):
            return tuple(value.split(",")) if isinstance(value, str) else tuple(value)
        if isinstance(current, int):
            return int(value)
        if isinstance(current, float):
            return float(value)
    except (TypeError, ValueError) as exc:
        kind = {"int": "an integer", "float": "a number", "bool": "true or false", "str": "a string"}.get(
            type(current).__name__, f"a {type(current).__name__}")
        raise SettingsError(f"{origin}: {section}.{name} must be {kind}, got {value!r}") from exc
    return str(value)


def _apply(settings: Settings, section: str, name: str, value: Any, origin: str) -> Settings:
    if section not in {f.name for f in dataclasses.fields(settings)}:
        raise SettingsError(f"{origin}: unknown section [{section}]")
    part = getattr(settings, section)
    names = {f.name for f in dataclasses.fields(part)}
    if name not in names:
        raise SettingsError(f"{origin}: unknown setting {section}.{name} (known: {', '.join(sorted(names))})")
    value = _coerce(section, name, getattr(part, name), value, origin)
    return dataclasses.replace(settings, **{section: dataclasses.replace(part, **{name: value})})


def load_settings(overrides: dict[str, Any] | None = None, project_dir: Path | None = None) -> Settings:
    """Defaults, then imap.toml, then IMAP_* variables, then ``overrides`` ("section.name" keys).

    Overrides whose value is None are ignored, so argparse results can be passed straight in.
    """
    project_dir = project_dir or find_project_dir()
    settings = Settings(paths=Paths.under(project_dir))

    config_file = Path(os.environ.get("IMAP_CONFIG", project_dir / "imap.toml"))
    if os.environ.get("IMAP_CONFIG") and not config_file.is_file():
        raise SettingsError(f"$IMAP_CONFIG names {config_file}, which is not a file")
    if config_file.is_file():
        try:
            data = tomllib.loads(config_file.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise SettingsError(f"{config_file}: {exc}") from exc
        for section, values in data.items():
            if not isinstance(values, dict):
                raise SettingsError(f"{config_file}: {section} must be a [section]")
            for name, value in values.items():
                settings = _apply(settings, section, name, value, str(config_file))

    for variable, (section, name) in ENVIRONMENT_VARIABLES.items():
        if os.environ.get(variable):
            settings = _apply(settings, section, name, os.environ[variable], f"${variable}")

    for key, value in (overrides or {}).items():
        if value is None:
            continue
        section, _, name = key.partition(".")
        settings = _apply(settings, section, name, value, f"option {key}")
    return settings
