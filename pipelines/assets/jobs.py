"""One job per partition type: what `imap run` executes, in this order, and what backfills target.

Selections are written as selection strings so that a stage can be absent while it is being built
(an empty job is harmless) and so the UI shows them verbatim.
"""

from __future__ import annotations

import dagster as dg

reference_job = dg.define_asset_job(
    "reference_job",
    selection="key:test_list or key:fingerprints",
    description="Refresh the effective test list and the blocking fingerprints (unpartitioned).",
)
daily_job = dg.define_asset_job(
    "daily_job",
    selection="key:ooni_measurements or key:measurement_judgments",
    description="Ingest upload days and judge their measurements (daily partitions, one run per range). "
    "To load a month, backfill its upload days plus the 7 after it (late uploads), then monthly_job.",
)
monthly_job = dg.define_asset_job(
    "monthly_job",
    selection="key:site_month_verdicts",
    description="Per website x ASN x month verdicts (monthly partitions, by measurement month), from the "
    "month's upload days and the next month's; then calendar_year_job / july_june_job.",
)
calendar_year_job = dg.define_asset_job(
    "calendar_year_job",
    selection="key:site_year_summary or key:fingerprint_candidates or key:report_calendar_year",
    description="Per website summary, fingerprint candidates and the report for a calendar year.",
)
july_june_job = dg.define_asset_job(
    "july_june_job",
    selection="key:site_july_june_summary or key:report_july_june",
    description="Per website summary and the report for a July-June year (as the iMAP reports).",
)

JOBS = [reference_job, daily_job, monthly_job, calendar_year_job, july_june_job]
