"""The yearly report: one asset per kind of reporting year, wiring over reports.render.

The report only reads the warehouse, so it opens the file read-only and stays out of the
`duckdb_writer` pool; a writer holding the file at that moment makes the open fail, and the retry
policy tries again once it is done.
"""


import dagster as dg

from pipelines.partitions import calendar_year_partitions, july_june_partitions
from pipelines.resources import ImapSettingsResource, WarehouseResource

# `imap run` and `imap demo` print the path recorded under this key (pipelines.commands.run).
INDEX_METADATA_KEY = "index_html"
RETRY = dg.RetryPolicy(max_retries=3, delay=20, backoff=dg.Backoff.EXPONENTIAL)
MONTHS = dg.AssetDep("site_month_verdicts", partition_mapping=dg.TimeWindowPartitionMapping())


def render_period(context: dg.AssetExecutionContext, warehouse: WarehouseResource,
                  imap_settings: ImapSettingsResource, start_month: int) -> dg.MaterializeResult:
    from reports.render import render_report
    from warehouse.db import connect
    from warehouse.periods import period_for_year

    settings = imap_settings.load()
    first_day = context.partition_time_window.start.date()
    # Partition keys name the first month; reporting years are named by the year they end in.
    year = first_day.year if start_month == 1 else first_day.year + 1
    period = period_for_year(year, start_month)
    context.log.info(f"rendering the {period.label} report into {settings.paths.report_dir}")
    con = connect(warehouse.database, read_only=True)
    try:
        rendered = render_report(con, period, settings.paths.report_dir, settings)
    finally:
        con.close()
    return dg.MaterializeResult(
        metadata={
            INDEX_METADATA_KEY: dg.MetadataValue.path(str(rendered.index_pages["en"])),
            **{f"index_html_{code}": dg.MetadataValue.path(str(path))
               for code, path in rendered.index_pages.items() if code != "en"},
            "folder": dg.MetadataValue.path(str(rendered.folder)),
            "period": period.label,
            "blocked_websites": rendered.blocked_websites,
            "site_pages_per_language": rendered.site_pages,
            "tables": len(rendered.tables),
            "synthetic_demo_data": rendered.synthetic,
        }
    )


@dg.asset(
    name="report_calendar_year",
    group_name="report",
    partitions_def=calendar_year_partitions,
    deps=[dg.AssetDep("site_year_summary"), MONTHS],
    kinds={"html", "plotly"},
    retry_policy=RETRY,
    description=(
        "The Cambodia Internet Censorship Report for a calendar year: a static site in English and "
        "Khmer (index per language, a page per blocked website, CSV/JSON downloads, local assets)."
    ),
)
def report_calendar_year(context: dg.AssetExecutionContext, warehouse: WarehouseResource,
                         imap_settings: ImapSettingsResource) -> dg.MaterializeResult:
    return render_period(context, warehouse, imap_settings, start_month=1)


@dg.asset(
    name="report_july_june",
    group_name="report",
    partitions_def=july_june_partitions,
    deps=[dg.AssetDep("site_july_june_summary"), MONTHS],
    kinds={"html", "plotly"},
    retry_policy=RETRY,
    description=(
        "The report for a July-June year, as the iMAP Cambodia reports count them (partition 2023-07 is "
        "the 2024 report: July 2023 to June 2024)."
    ),
)
def report_july_june(context: dg.AssetExecutionContext, warehouse: WarehouseResource,
                     imap_settings: ImapSettingsResource) -> dg.MaterializeResult:
    return render_period(context, warehouse, imap_settings, start_month=7)
