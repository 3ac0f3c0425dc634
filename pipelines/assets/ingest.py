"""Ingest: OONI web_connectivity measurements into `measurements`, one daily partition at a time.

Wiring only: ooni_ingest fetches and parses, warehouse.ingest_run loads each day in one
transaction. A year is one run (`BackfillPolicy.single_run`): the asset receives the whole range
and commits day by day, so a failure part-way keeps the days already done, and a re-run replaces them.
"""


import json
from datetime import timedelta

import dagster as dg
from dagster import AssetExecutionContext

from pipelines.partitions import daily_partitions
from pipelines.resources import ImapSettingsResource, WarehouseResource

SKIP_RATE_CHECK = "skip_rate"


@dg.asset(
    name="ooni_measurements",
    group_name="ingest",
    partitions_def=daily_partitions,
    backfill_policy=dg.BackfillPolicy.single_run(),
    pool="duckdb_writer",
    kinds={"duckdb", "python"},
    check_specs=[
        dg.AssetCheckSpec(
            SKIP_RATE_CHECK,
            asset="ooni_measurements",
            description=(
                "Share of lines skipped as bad input (truncated gzip, invalid JSON, unknown test versions, "
                "missing test_keys, ...) stays at or under settings.ingest.max_skip_rate, for the run and "
                "for each of its days."
            ),
        )
    ],
    description=(
        "One row per web_connectivity measurement (tier 0). Daily partitions are upload days for the "
        "bucket and local mirrors, measurement days for the API and plain files; counts of what was "
        "skipped, by reason and file, are in ingest_files and ingest_skips."
    ),
)
def ooni_measurements(
    context: AssetExecutionContext, warehouse: WarehouseResource, imap_settings: ImapSettingsResource
):
    from ooni_ingest.http import HttpClient
    from ooni_ingest.progress import callback_if_requested
    from ooni_ingest.sources import open_source
    from warehouse.ingest_run import BAD_INPUT_REASONS, days_over_skip_limit, run_ingest

    settings = imap_settings.load()
    window = context.partition_time_window
    first, last = window.start.date(), window.end.date() - timedelta(days=1)
    ingest = settings.ingest
    http = HttpClient(timeout=ingest.http_timeout_seconds, max_retries=ingest.max_retries)
    source = open_source(
        ingest.source, country=ingest.country, cache_dir=settings.paths.cache_dir,
        s3_endpoint=ingest.s3_endpoint, api_endpoint=ingest.api_endpoint, http=http,
    )
    context.log.info(f"ingesting {first}..{last} from {ingest.source} for {ingest.country}")
    progress, bar = callback_if_requested((last - first).days + 1)
    try:
        with warehouse.connect() as con:
            summary = run_ingest(con, source, first, last, country=ingest.country, progress=progress,
                                 spool_root=settings.paths.cache_dir / "spool")
    finally:
        http.close()
        if bar:
            bar.close()

    skipped = dict(sorted(summary.skipped.items()))
    # Each partition (day) gets its own counts; the run's totals are on every partition as run_*.
    for day, totals in summary.by_day.items():
        context.add_asset_metadata(
            {
                "files": totals.files,
                "incomplete_files": totals.incomplete_files,
                "lines": totals.lines,
                "stored": totals.stored,
                # Dagster's standard key: the UI charts it across partitions.
                "dagster/row_count": totals.stored,
                "skipped_by_reason": dg.MetadataValue.json(dict(sorted(totals.skipped.items()))),
                "skip_examples": dg.MetadataValue.json(totals.examples),
                "bad_input": totals.bad_input,
                "taken_from_other_days": totals.taken_from_other_days,
            },
            partition_key=day.isoformat(),
        )
    metadata = {
        "run_range": f"{first}..{last}",
        "source": ingest.source,
        "country": ingest.country,
        "run_days": summary.days,
        "run_files": summary.files,
        "run_lines": summary.lines,
        "run_stored": summary.stored,
        "run_skipped_by_reason": dg.MetadataValue.json(skipped),
        "run_bad_input": summary.bad_input,
        "run_seconds": round(summary.seconds, 2),
        "run_load_seconds": round(summary.load_seconds, 2),
        "measurements_per_second": round(summary.rows_per_second, 1),
        "megabytes_read": round(summary.bytes / 1e6, 1),
        "retries": http.retries_done,
    }
    context.log.info(f"ingest summary: {json.dumps({k: v for k, v in summary.as_dict().items() if k != 'examples'})}")
    yield dg.MaterializeResult(metadata=metadata)
    limit = ingest.max_skip_rate
    # Day by day as well as for the run: in a year's backfill one broken day is lost in the total.
    days_over = days_over_skip_limit(
        ((day, t.bad_input, t.lines) for day, t in summary.by_day.items()), limit)
    description = f"{summary.bad_input} of {summary.lines} lines were bad input ({summary.skip_rate:.2%}; limit {limit:.2%})"
    if days_over:
        description += f"; {len(days_over)} day(s) over the limit, worst: " + ", ".join(
            f"{day} ({bad} of {lines}, {bad / lines:.0%})" for day, bad, lines in days_over[:5]
        ) + " (see ingest_skips for the files and lines)"
    yield dg.AssetCheckResult(
        check_name=SKIP_RATE_CHECK,
        passed=summary.skip_rate <= limit and not days_over,
        severity=dg.AssetCheckSeverity.ERROR,
        description=description,
        metadata={
            "skip_rate": summary.skip_rate,
            "max_skip_rate": limit,
            "days_over_limit": dg.MetadataValue.json(
                {day.isoformat(): bad / lines for day, bad, lines in sorted(days_over)}),
            "bad_input_by_reason": dg.MetadataValue.json(
                {reason: count for reason, count in skipped.items() if reason in BAD_INPUT_REASONS}
            ),
        },
    )


ingest_job = dg.define_asset_job(
    "ingest_job",
    selection="key:ooni_measurements",
    description="Ingest a range of days only (what `imap ingest` runs); a range is one run.",
)

JOBS = [ingest_job]
