"""When imap runs by itself: one automation policy for the whole asset graph, in one place.

The policy, in words (README "Operating imap" says the same for operators):

- `ooni_measurements`: every day at `automation.ingest_cron` (06:00 UTC, once OONI's hourly uploads
  of the previous day have settled), ingest each upload day of the last `automation.catch_up_days`
  that is not in the warehouse yet: normally just yesterday; after a pause, the days missed.
- `measurement_judgments`: as soon as a day is ingested (the same run when both are due). When the
  fingerprints change, the last `automation.rejudge_days` days are judged again.
- `site_month_verdicts`: when any of its upload days was judged again. A day re-derives its own
  month and the month before (late uploads of that month land in this one's days), nothing else.
- `site_year_summary`, `site_july_june_summary` and the two reports: when a month of their period
  changed, so a new day re-renders this year's reports and no other.
- `test_list`, `fingerprints`: weekly at `automation.reference_cron` (and at the next daily ingest
  tick if they were never built). `fingerprint_candidates`: weekly, if its year's judgments changed.

Nothing runs for history on its own: turning automation on requests nothing until new data
arrives, and past years change only when someone backfills them. Everything is evaluated by one
sensor, `imap_automation`, stopped unless `automation.enabled` is set (`imap ui --automation`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import timedelta

import dagster as dg

from warehouse.settings import AutomationSettings

AC = dg.AutomationCondition

SENSOR_NAME = "imap_automation"
# How often the sensor evaluates the graph. A new day flows through three ticks (ingest and
# judgments, months, years), so a minute apart keeps the chain quick without busying 2 cores.
SENSOR_INTERVAL_SECONDS = 60
# Runs launched by automation carry this tag, so the UI's run list can filter them.
AUTOMATION_RUN_TAG = "imap/launched_by"

INGEST = "ooni_measurements"
JUDGMENTS = "measurement_judgments"
MONTHS = "site_month_verdicts"
CANDIDATES = "fingerprint_candidates"
REFERENCE = ("test_list", "fingerprints")
SUMMARIES = {"report_calendar_year": "site_year_summary", "report_july_june": "site_july_june_summary"}
PERIOD_ASSETS = ("site_year_summary", "site_july_june_summary")


def _settled() -> AC:
    """Nothing upstream is running, and this asset partition is not running either."""
    return ~AC.any_deps_in_progress() & ~AC.in_progress()


def daily_ingest(policy: AutomationSettings) -> AC:
    return (
        AC.in_latest_time_window(timedelta(days=policy.catch_up_days))
        & AC.missing()
        & AC.cron_tick_passed(policy.ingest_cron).since_last_handled()
        & ~AC.in_progress()
    ).with_label(f"daily at {policy.ingest_cron} UTC: upload days of the last {policy.catch_up_days} not yet ingested")


def judge_new_days(policy: AutomationSettings) -> AC:
    measurements_changed = AC.any_deps_updated().allow(dg.AssetSelection.assets(INGEST))
    fingerprints_changed = AC.any_deps_updated().allow(dg.AssetSelection.assets("fingerprints")) & (
        AC.in_latest_time_window(timedelta(days=policy.rejudge_days))
    )
    return (
        (measurements_changed | fingerprints_changed.with_label(f"fingerprints changed (last {policy.rejudge_days} days)"))
        .since_last_handled()
        & ~AC.any_deps_missing()
        & _settled()
    ).with_label("judge an upload day once it is ingested")


def derive_when_inputs_change() -> AC:
    """Like `eager()`, without its two limits that do not fit periods: only the latest partition
    (a day also changes the month before) and waiting for every dependency (a month in progress
    depends on days that have not happened yet)."""
    return (AC.any_deps_updated().since_last_handled() & _settled()).with_label("rebuild when an input changed")


def report_when_inputs_change(summary_key: str) -> AC:
    summary_missing = AC.any_deps_missing().allow(dg.AssetSelection.assets(summary_key))
    return (derive_when_inputs_change() & ~summary_missing).with_label("re-render when its months changed")


def weekly_reference(policy: AutomationSettings) -> AC:
    first_time = AC.missing() & AC.cron_tick_passed(policy.ingest_cron).since_last_handled()
    return (
        (AC.cron_tick_passed(policy.reference_cron).since_last_handled() | first_time) & ~AC.in_progress()
    ).with_label(f"weekly at {policy.reference_cron} UTC (or at the next ingest if never built)")


def weekly_if_changed(cron: str) -> AC:
    return (
        AC.cron_tick_passed(cron).since_last_handled() & AC.any_deps_updated().since_last_handled() & _settled()
    ).with_label(f"weekly at {cron} UTC if its inputs changed")


def conditions(policy: AutomationSettings) -> Mapping[str, AC]:
    """The automation condition of every asset key (see the module docstring)."""
    return {
        INGEST: daily_ingest(policy),
        JUDGMENTS: judge_new_days(policy),
        MONTHS: derive_when_inputs_change(),
        **{name: derive_when_inputs_change() for name in PERIOD_ASSETS},
        **{report: report_when_inputs_change(summary) for report, summary in SUMMARIES.items()},
        **{name: weekly_reference(policy) for name in REFERENCE},
        CANDIDATES: weekly_if_changed(policy.candidates_cron),
    }


def with_conditions(policy: AutomationSettings) -> Callable[[dg.AssetSpec], dg.AssetSpec]:
    """An `AssetSpec` mapper (for `dg.map_asset_specs`) that sets each asset's condition."""
    by_key = {dg.AssetKey(name): condition for name, condition in conditions(policy).items()}

    def apply(spec: dg.AssetSpec) -> dg.AssetSpec:
        condition = by_key.get(spec.key)
        return spec if condition is None else spec.replace_attributes(automation_condition=condition)

    return apply


def automation_sensor(policy: AutomationSettings) -> dg.AutomationConditionSensorDefinition:
    status = dg.DefaultSensorStatus.RUNNING if policy.enabled else dg.DefaultSensorStatus.STOPPED
    return dg.AutomationConditionSensorDefinition(
        SENSOR_NAME,
        target=dg.AssetSelection.all() | dg.AssetSelection.all_asset_checks(),
        default_status=status,
        minimum_interval_seconds=SENSOR_INTERVAL_SECONDS,
        run_tags={AUTOMATION_RUN_TAG: SENSOR_NAME},
        description=(
            "Keeps the warehouse and this year's reports current: daily ingest after OONI's uploads settle, "
            "judgments, the months and reports a new day affects, weekly reference refresh "
            "(pipelines/automation.py; README 'Operating imap'). Stopped unless started here or with "
            "`imap ui --automation`."
        ),
    )


def apply_automation(
    assets: Sequence[dg.AssetsDefinition], policy: AutomationSettings
) -> tuple[list[dg.AssetsDefinition], list[dg.SensorDefinition]]:
    """The assets with their automation conditions, and the sensor that evaluates them."""
    return list(dg.map_asset_specs(with_conditions(policy), assets)), [automation_sensor(policy)]
