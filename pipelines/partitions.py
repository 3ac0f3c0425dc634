"""Partition definitions shared by the assets.

- Daily partitions are OONI *upload* days for the bucket and mirror sources (the date in the key),
  and measurement days for sources that only tell the date inside each measurement.
- Monthly partitions are *measurement* months; a month reads the upload days of the month plus
  `late_upload_days` after it (see the mapping in pipelines.assets.classification).
- Report partitions are reporting years: calendar years, and July-June years as the iMAP reports use.
"""

from __future__ import annotations

import dagster as dg

# OONI's current bucket layout starts on 2020-10-21; older data uses another layout that the
# ingest understands too, so partitions start at the beginning of 2020.
FIRST_DAY = "2020-01-01"

daily_partitions = dg.DailyPartitionsDefinition(start_date=FIRST_DAY, end_offset=0)
monthly_partitions = dg.MonthlyPartitionsDefinition(start_date=FIRST_DAY, end_offset=0)

# A calendar year: key "2024" covers 2024-01-01 .. 2024-12-31.
calendar_year_partitions = dg.TimeWindowPartitionsDefinition(
    cron_schedule="0 0 1 1 *", start="2020", fmt="%Y", end_offset=0
)
# A July-June year, named by its first month as Dagster names every window: "2023-07" covers
# 2023-07-01 .. 2024-06-30 (the iMAP "2024" report).
july_june_partitions = dg.TimeWindowPartitionsDefinition(
    cron_schedule="0 0 1 7 *", start="2020-07", fmt="%Y-%m", end_offset=0
)
