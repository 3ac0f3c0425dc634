"""Data-health checks across the stages: the red a person operating imap wants to see.

Wiring over warehouse.health (thresholds in settings.health). Each check targets another module's
asset by key and runs after it in the same run, over the partitions that run covered; run on its
own (the UI's "Execute" on the check) it looks at the latest partitions. Every result says what to
look at next. The checks that sit beside their assets elsewhere: skip_rate (ingest),
every_measurement_judged_once, verdict_counts_add_up, fingerprints_usable, summary_matches_verdicts
(classification), local_list_lint and upstream_lists_lint (test list).
"""

# No `from __future__ import annotations`: Dagster inspects the context and resource annotations.
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import dagster as dg

from pipelines.automation import AC
from pipelines.partitions import (
    calendar_year_partitions,
    daily_partitions,
    july_june_partitions,
    monthly_partitions,
)
from pipelines.resources import ImapSettingsResource, WarehouseResource
from warehouse import health
from warehouse.settings import AutomationSettings

INGEST = dg.AssetKey("ooni_measurements")
JUDGMENTS = dg.AssetKey("measurement_judgments")
MONTHS = dg.AssetKey("site_month_verdicts")
FINGERPRINTS = dg.AssetKey("fingerprints")
# Run on its own, a check looks at this many of the latest materialized days.
RECENT_DAYS = 7
LIST_LIMIT = 31

EMPTY_DAYS_CHECK = "no_empty_days"
COVERAGE_CHECK = "isp_coverage_steady"
MONTH_DAYS_CHECK = "month_upload_days_judged"
REPORT_MONTHS_CHECK = "report_months_present"
FINGERPRINT_FILES_CHECK = "fingerprint_files_readable"


def _today() -> date:
    return datetime.now(UTC).date()


def _keys_in_scope(context: dg.AssetCheckExecutionContext, asset_key: dg.AssetKey,
                   partitions_def: dg.PartitionsDefinition, recent: int | None) -> list[str]:
    """The partitions the run covered; run alone, the latest ``recent`` materialized ones (all if None)."""
    if context.has_partition_key_range:
        return list(partitions_def.get_partition_keys_in_range(context.partition_key_range))
    keys = sorted(context.instance.get_materialized_partitions(asset_key))
    return keys if recent is None else keys[-recent:]


def _days(keys: list[str]) -> list[date]:
    return [date.fromisoformat(key) for key in keys]


def _table(header: list[str], rows: list[list[object]]) -> dg.MetadataValue:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(cell).replace("|", "/") for cell in row) + " |" for row in rows[:LIST_LIMIT]]
    if len(rows) > LIST_LIMIT:
        lines.append(f"\n... and {len(rows) - LIST_LIMIT} more")
    return dg.MetadataValue.md("\n".join(lines))


# --- Ingest: a day with no measurements at all -------------------------------------------------------


@dg.asset_check(
    asset=INGEST,
    name=EMPTY_DAYS_CHECK,
    pool="duckdb_writer",
    description=(
        "Red when an upload day holds no measurement at all while the days before it held at least "
        "health.empty_day_min_median a day, or nothing either: a probe outage, an OONI pipeline delay, or a "
        "failed or misconfigured fetch. Names each day and where its files are."
    ),
)
def no_empty_days(context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource,
                  imap_settings: ImapSettingsResource) -> dg.AssetCheckResult:
    settings = imap_settings.load()
    days = _days(_keys_in_scope(context, INGEST, daily_partitions, RECENT_DAYS))
    with warehouse.connect() as con:
        found = health.find_empty_days(con, days, settings.health)
    ingest = settings.ingest
    rows = [[e.day, e.files, e.lines, "-" if e.usual is None else round(e.usual), "red" if e.flagged else "usual",
             health.source_listing(ingest.source, ingest.country, e.day, s3_endpoint=ingest.s3_endpoint,
                                   api_endpoint=ingest.api_endpoint)]
            for e in found.empty]
    flagged = [e.day for e in found.flagged]
    if not days:
        description = "no ingested days to look at yet"
    elif flagged:
        cause = ("no day of the range holds a measurement: check ingest.source and ingest.country, and the run's log"
                 if found.all_empty else "the days before held measurements as a rule")
        description = (f"{len(flagged)} of {len(days)} upload days hold no measurement ({', '.join(health.day_ranges(flagged))}): "
                       f"{cause}. Look at each day's source listing below and OONI Explorer for those days; "
                       "files listed but nothing stored: see the skip_rate check. Re-run the days (daily_job) once fixed.")
    else:
        description = (f"every one of {len(days)} upload days ({days[0]}..{days[-1]}) holds measurements"
                       + (f" or is as thin as usual ({len(found.empty)} empty)" if found.empty else ""))
    return dg.AssetCheckResult(
        passed=found.passed,
        severity=dg.AssetCheckSeverity.ERROR,
        description=description,
        metadata={
            "days_checked": len(days),
            "empty_days": len(found.empty),
            "red_days": dg.MetadataValue.json([d.isoformat() for d in flagged]),
            "empty_days_detail": _table(["day", "files", "lines", "usual a day", "status", "where the files are"], rows),
            "explorer_first_red_day": dg.MetadataValue.url(health.explorer_search(ingest.country, flagged[0]))
            if flagged else dg.MetadataValue.text("-"),
            "min_usual_a_day": settings.health.empty_day_min_median,
        },
    )


# --- Ingest: an ISP's coverage dropping -------------------------------------------------------------


@dg.asset_check(
    asset=INGEST,
    name=COVERAGE_CHECK,
    pool="duckdb_writer",
    description=(
        "Warns when an ISP (ASN) measured at least health.coverage_min_median times a day holds less than "
        "health.coverage_drop_share of its usual day: its volunteers' probes stopped, or something on that "
        "network blocks OONI's uploads. Names the day, the ASN and ISP, and its OONI Explorer search."
    ),
)
def isp_coverage_steady(context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource,
                        imap_settings: ImapSettingsResource) -> dg.AssetCheckResult:
    settings = imap_settings.load()
    days = _days(_keys_in_scope(context, INGEST, daily_partitions, RECENT_DAYS))
    with warehouse.connect() as con:
        coverage = health.find_coverage_drops(con, days, settings.health)
    country = settings.ingest.country
    rows = [[d.day, f"AS{d.asn}", d.network, d.measurements, round(d.usual), health.explorer_search(country, d.day, d.asn)]
            for d in coverage.drops]
    if coverage.drops:
        networks = sorted({f"AS{d.asn} {d.network}".strip() for d in coverage.drops})
        description = (f"{len(coverage.drops)} drop(s) on {', '.join(networks)}: under "
                       f"{settings.health.coverage_drop_share:.0%} of the usual day. Look at OONI Explorer for that "
                       "ASN and day (links below): a network whose probes stopped, or that blocks uploads, while "
                       "others carry on. The month's verdicts for it may turn `insufficient`.")
    elif coverage.watched_asns:
        description = (f"{len(coverage.watched_asns)} ISPs watched over {len(coverage.checked)} days, none dropped"
                       + (f"; {len(coverage.without_history)} days too early to compare" if coverage.without_history else ""))
    else:
        # Not a pass: nothing was judged, and a green check would read as "coverage is fine".
        description = (f"NOT EVALUATED: no ISP is measured {settings.health.coverage_min_median} times a day or "
                       f"more over {len(coverage.checked)} days, too few to tell a drop from chance "
                       "(health.coverage_min_median sets the bar)")
    return dg.AssetCheckResult(
        passed=coverage.passed and bool(coverage.watched_asns),
        severity=dg.AssetCheckSeverity.WARN,
        description=description,
        metadata={
            "drops": _table(["day", "ASN", "ISP", "measurements", "usual a day", "OONI Explorer"], rows),
            "watched_asns": dg.MetadataValue.json([f"AS{asn}" for asn in coverage.watched_asns]),
            "thin_asns_not_judged": len(coverage.thin_asns),
            "days_without_history": len(coverage.without_history),
        },
    )


# --- Verdicts: every upload day a month needs was judged --------------------------------------------


@dg.asset_check(
    asset=MONTHS,
    name=MONTH_DAYS_CHECK,
    pool="duckdb_writer",   # it opens the warehouse (days a reload left unjudged)
    description=(
        "Red when upload days of a month were never judged, or hold measurements a reload left unjudged "
        "(its verdicts miss their measurements); a "
        "warning when only days of the late-upload margin after it (ingest.late_upload_days) are missing. "
        "Names the days to backfill with daily_job before re-running the month."
    ),
)
def month_upload_days_judged(context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource,
                             imap_settings: ImapSettingsResource) -> dg.AssetCheckResult:
    settings = imap_settings.load()
    months = _days(_keys_in_scope(context, MONTHS, monthly_partitions, None))
    # Judged in Dagster's record, and still judged in the warehouse (a reload can undo it).
    with warehouse.connect() as con:
        undone = health.unjudged_days(con)
    judged = set(_days(list(context.instance.get_materialized_partitions(JUDGMENTS)))) - undone
    yesterday = _today() - timedelta(days=1)
    gaps = [g for g in (health.month_gaps(m, settings.ingest.late_upload_days, judged, yesterday) for m in months)
            if not g.complete]
    own = [g for g in gaps if g.missing_own]
    rows = [[f"{g.month:%Y-%m}", ", ".join(health.day_ranges(g.missing_own)) or "-",
             ", ".join(health.day_ranges(g.missing_late)) or "-"] for g in gaps]
    if gaps:
        description = (f"{len(gaps)} of {len(months)} months lack judged upload days "
                       f"({', '.join(f'{g.month:%Y-%m}' for g in gaps[:6])}): backfill daily_job for the days listed, "
                       "then monthly_job for the month (with automation on, the month follows by itself).")
    else:
        description = f"every upload day of {len(months)} month(s) and their late-upload margin is judged"
    return dg.AssetCheckResult(
        passed=not gaps,
        severity=dg.AssetCheckSeverity.ERROR if own else dg.AssetCheckSeverity.WARN,
        description=description,
        metadata={
            "months_checked": len(months),
            "missing_days": _table(["month", "days of the month", "late-upload days after it"], rows),
            "late_upload_days": settings.ingest.late_upload_days,
        },
    )


# --- Reports: every month of the period has verdicts, and the rendered site is there ----------------


def _report_check(asset_key: dg.AssetKey, partitions_def: dg.PartitionsDefinition, start_month: int):
    @dg.asset_check(
        asset=asset_key,
        name=REPORT_MONTHS_CHECK,
        description=(
            "Warns when months of the reporting period (up to the month in progress) have no monthly verdicts, "
            "so the report leaves them out, or when the rendered index.html is gone. Names the months to "
            "build (monthly_job, after their upload days) and the report's path."
        ),
    )
    def report_months_present(context: dg.AssetCheckExecutionContext) -> dg.AssetCheckResult:
        from warehouse.periods import period_for_year

        present = set(_days(list(context.instance.get_materialized_partitions(MONTHS))))
        today = _today()
        rows, missing_files, index_paths = [], [], {}
        for key in _keys_in_scope(context, asset_key, partitions_def, 1):
            start = partitions_def.time_window_for_partition_key(key).start.date()
            period = period_for_year(start.year + (1 if start_month != 1 else 0), start_month)
            missing = health.months_missing(period.first_month, period.last_month, present, today.replace(day=1))
            index = _rendered_index(context.instance, asset_key, key)
            index_paths[period.label] = str(index) if index else "-"
            if index is not None and not index.is_file():
                missing_files.append(str(index))
            if missing:
                rows.append([period.label, len(missing), ", ".join(f"{m:%Y-%m}" for m in missing)])
        problems = []
        if rows:
            problems.append(f"{sum(r[1] for r in rows)} month(s) without verdicts ({'; '.join(f'{r[0]}: {r[2]}' for r in rows)}): "
                            "materialize site_month_verdicts for them (monthly_job) after their upload days "
                            "(daily_job), and the report follows")
        if missing_files:
            problems.append(f"rendered report missing on disk: {', '.join(missing_files)}; materialize the report again")
        return dg.AssetCheckResult(
            passed=not problems,
            severity=dg.AssetCheckSeverity.WARN,
            description="; ".join(problems) or f"every month so far has verdicts; report at {', '.join(index_paths.values())}",
            metadata={
                "months_without_verdicts": _table(["period", "months", "which"], rows),
                "index_html": dg.MetadataValue.json(index_paths),
            },
        )

    return report_months_present


def _rendered_index(instance: dg.DagsterInstance, asset_key: dg.AssetKey, partition: str) -> Path | None:
    records = instance.fetch_materializations(
        dg.AssetRecordsFilter(asset_key=asset_key, asset_partitions=[partition]), limit=1
    ).records
    if not records or records[0].asset_materialization is None:
        return None
    value = records[0].asset_materialization.metadata.get("index_html")
    return None if value is None else Path(str(getattr(value, "value", value)))


calendar_year_report_months = _report_check(dg.AssetKey("report_calendar_year"), calendar_year_partitions, 1)
july_june_report_months = _report_check(dg.AssetKey("report_july_june"), july_june_partitions, 7)


# --- Fingerprints: the files volunteers edit can be read ---------------------------------------------


@dg.asset_check(
    asset=FINGERPRINTS,
    name=FINGERPRINT_FILES_CHECK,
    # Also daily on its own (with automation on), so a bad edit of the reviewed file shows red before
    # the weekly refresh fails on it: when the asset's own run fails, no check after it runs.
    automation_condition=AC.cron_tick_passed(AutomationSettings().ingest_cron).since_last_handled(),
    description=(
        "Red when the reviewed local fingerprint file (warehouse/reference/fingerprints_local.csv), or the "
        "local copy of OONI's files named by upstream.fingerprints_from, cannot be read; names file, line and field."
    ),
)
def fingerprint_files_readable(imap_settings: ImapSettingsResource) -> dg.AssetCheckResult:
    from warehouse.classification.fingerprints import LOCAL_FINGERPRINTS

    settings = imap_settings.load()
    ooni_directory = Path(settings.upstream.fingerprints_from) if settings.upstream.fingerprints_from else None
    problems = health.fingerprint_file_problems(LOCAL_FINGERPRINTS, ooni_directory)
    checked = [str(LOCAL_FINGERPRINTS)] + ([str(ooni_directory)] if ooni_directory else [])
    return dg.AssetCheckResult(
        passed=not problems,
        severity=dg.AssetCheckSeverity.ERROR,
        description=("; ".join(problems) + ". Fix the file (the message names the line), then materialize fingerprints")
        if problems else f"readable: {', '.join(checked)}"
        + ("" if ooni_directory else " (OONI's files are checked when fetched: a bad download fails the asset's run)"),
        metadata={"files_checked": dg.MetadataValue.json(checked), "problems": dg.MetadataValue.json(problems)},
    )


# --- All of them on demand ---------------------------------------------------------------------------

data_health_job = dg.define_asset_job(
    "data_health_job",
    selection=dg.AssetSelection.checks(
        no_empty_days, isp_coverage_steady, month_upload_days_judged, calendar_year_report_months,
        july_june_report_months, fingerprint_files_readable,
    ),
    description=(
        "Run the data-health checks again without rebuilding anything: over the latest 7 upload days, every "
        "month and the latest report of each kind (after fixing a file, or to see today's state)."
    ),
)

JOBS = [data_health_job]
