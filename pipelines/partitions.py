"""Partition definitions shared by the assets, and how the periods in progress are mapped.

- Daily partitions are OONI *upload* days for the bucket and mirror sources (the date in the key),
  and measurement days for sources that only tell the date inside each measurement. The last one is
  yesterday: today's uploads are still arriving.
- Monthly partitions are *measurement* months; a month reads the upload days of the month and of the
  month after it (late uploads; see the mapping in pipelines.assets.classification).
- Report partitions are reporting years: calendar years, and July-June years as the iMAP reports use.

The month and the reporting years in progress are partitions too (``end_offset=1``): the working
group runs imap continuously, so the current month's verdicts and this year's report are rebuilt as
days arrive (`imap run --year` of the current year renders the year so far). Their upstream
partitions lie partly in the future, which `allow_open_periods` declares on every time-window
dependency.
"""

from __future__ import annotations

import dagster as dg

# OONI's current bucket layout starts on 2020-10-21; older data uses another layout that the
# ingest understands too, so partitions start at the beginning of 2020.
FIRST_DAY = "2020-01-01"

daily_partitions = dg.DailyPartitionsDefinition(start_date=FIRST_DAY, end_offset=0)
monthly_partitions = dg.MonthlyPartitionsDefinition(start_date=FIRST_DAY, end_offset=1)

# A calendar year: key "2024" covers 2024-01-01 .. 2024-12-31.
calendar_year_partitions = dg.TimeWindowPartitionsDefinition(
    cron_schedule="0 0 1 1 *", start="2020", fmt="%Y", end_offset=1
)
# A July-June year, named by its first month as Dagster names every window: "2023-07" covers
# 2023-07-01 .. 2024-06-30 (the iMAP "2024" report).
july_june_partitions = dg.TimeWindowPartitionsDefinition(
    cron_schedule="0 0 1 7 *", start="2020-07", fmt="%Y-%m", end_offset=1
)


def allow_open_periods(spec: dg.AssetSpec) -> dg.AssetSpec:
    """Let every time-window dependency reach upstream partitions that do not exist yet.

    This month maps onto next month's upload days (late uploads) and this year onto its remaining
    months: without this, Dagster refuses a backfill or an automation request of the period in
    progress ("depends on non-existent partitions"). Applied to every asset in
    pipelines.definitions, so the asset modules declare their mappings plainly.
    """
    deps = []
    changed = False
    for dep in spec.deps:
        mapping = dep.partition_mapping
        if isinstance(mapping, dg.TimeWindowPartitionMapping) and not mapping.allow_nonexistent_upstream_partitions:
            mapping = dg.TimeWindowPartitionMapping(
                start_offset=mapping.start_offset,
                end_offset=mapping.end_offset,
                allow_nonexistent_upstream_partitions=True,
            )
            changed = True
        deps.append(dg.AssetDep(dep.asset_key, partition_mapping=mapping))
    return spec.replace_attributes(deps=deps) if changed else spec


# What a partition key means, in words for the asset pages (Dagster itself shows the cron schedule).
PARTITION_WORDS = (
    (daily_partitions, "Partitions: one per day (key 2024-03-15), the upload day for the bucket and "
                       "mirrors; yesterday is the last."),
    (monthly_partitions, "Partitions: one per measurement month (key 2024-03-01 = March 2024); the month "
                         "in progress is one too."),
    (calendar_year_partitions, "Partitions: one per calendar year (key 2024 = January to December 2024); "
                               "the year in progress is one too."),
    (july_june_partitions, "Partitions: one per July-June year (key 2023-07 = July 2023 to June 2024, the "
                           "iMAP report called 2024); the year in progress is one too."),
)


def describe_partitions(spec: dg.AssetSpec) -> dg.AssetSpec:
    """Append what the asset's partition keys mean to its description."""
    for definition, words in PARTITION_WORDS:
        if spec.partitions_def == definition and words not in (spec.description or ""):
            return spec.replace_attributes(description=f"{spec.description or ''}\n\n{words}".strip())
    return spec
