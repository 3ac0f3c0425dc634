"""The effective test list (upstream kh.csv + global.csv + the project's entries) in the warehouse.

Thin wiring over `test_lists`: the asset refreshes the upstream snapshot, merges, and replaces the
`test_list` table; checks lint the project's list (errors are upstream-CI errors) and upstream's own
files; a sensor (stopped by default) re-materializes the asset when the project's list file changes.
"""

# No `from __future__ import annotations`: Dagster inspects the context and resource annotations.
import hashlib
from pathlib import Path

import dagster as dg

from pipelines.resources import ImapSettingsResource, WarehouseResource
from test_lists import effective
from test_lists.lint import lint_listfile
from test_lists.sync import Fetcher, SyncError, sync_from_directory, sync_from_network
from test_lists.upstream import Snapshot, current_snapshot, latest_snapshot_from, make_current
from test_lists.workspace import Workspace, local_list_path
from warehouse.settings import Settings


def _file_digest(path: Path) -> str:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return "absent"


def refresh_upstream(settings: Settings, log: dg.DagsterLogManager | None = None) -> Snapshot:
    """Sync upstream as configured; if that fails, the last good snapshot, with a warning."""
    upstream = settings.upstream
    try:
        if upstream.test_lists_from:
            return sync_from_directory(settings.paths.cache_dir, Path(upstream.test_lists_from))
        fetcher = Fetcher(timeout=settings.ingest.http_timeout_seconds, max_retries=settings.ingest.max_retries)
        return sync_from_network(settings.paths.cache_dir, upstream.test_lists_base_url, upstream.test_lists_ref,
                                 fetcher=fetcher)
    except SyncError as exc:
        if upstream.test_lists_from:
            raise dg.Failure(f"test lists unavailable at {upstream.test_lists_from}: {exc}") from exc
        cached = latest_snapshot_from(settings.paths.cache_dir, source=upstream.test_lists_base_url,
                                      ref=upstream.test_lists_ref)
        if cached is None:
            raise dg.Failure(
                f"upstream test lists unavailable and no earlier copy from {upstream.test_lists_base_url} "
                f"({upstream.test_lists_ref}) is cached: {exc}. Without network, read a local copy of "
                "citizenlab/test-lists instead: --test-lists-from DIR, $IMAP_TEST_LISTS_FROM or "
                "upstream.test_lists_from in imap.toml"
            ) from exc
        make_current(settings.paths.cache_dir, cached)
        if log is not None:
            log.warning(f"upstream sync failed ({exc}); using the cached {cached.describe()}")
        return cached


def _workspace(settings: Settings, snapshot: Snapshot) -> Workspace:
    workspace = Workspace.open(snapshot, local_list_path(settings.paths.project_dir))
    if workspace.legend.problems:
        raise dg.Failure(f"upstream category legend unusable: {workspace.legend.problems[0].format()}")
    return workspace


@dg.asset(
    key="test_list",
    group_name="reference",
    pool="duckdb_writer",
    description="The effective test list: upstream Citizen Lab kh.csv and global.csv plus the project's "
                "own entries (test_lists/data/kh-local.csv), one row per URL with its provenance.",
)
def test_list(context: dg.AssetExecutionContext, warehouse: WarehouseResource,
              imap_settings: ImapSettingsResource) -> dg.MaterializeResult:
    settings = imap_settings.load()
    snapshot = refresh_upstream(settings, context.log)
    workspace = _workspace(settings, snapshot)
    merged = workspace.effective()
    with warehouse.connect() as con:
        effective.store(con, merged.frame)
    counts = merged.counts()
    return dg.MaterializeResult(metadata={
        "rows": dg.MetadataValue.int(merged.frame.height),
        "dagster/row_count": dg.MetadataValue.int(merged.frame.height),
        **{f"rows_{name}": dg.MetadataValue.int(n) for name, n in counts.items()},
        "local_overrides": dg.MetadataValue.int(merged.overrides()),
        "skipped": dg.MetadataValue.json(dict(merged.skipped)),
        "upstream_commit": dg.MetadataValue.text(snapshot.commit or ""),
        "upstream_ref": dg.MetadataValue.text(snapshot.upstream_ref),
        "upstream_source": dg.MetadataValue.text(snapshot.source),
        "upstream_fetched_at": dg.MetadataValue.text(snapshot.fetched_at),
        "local_file": dg.MetadataValue.path(str(workspace.local_path)),
        "local_file_sha256": dg.MetadataValue.text(_file_digest(workspace.local_path)),
    })


def _lint_result(findings: list, what: str, severity: dg.AssetCheckSeverity) -> dg.AssetCheckResult:
    errors = [f for f in findings if f.severity == "error"]
    warnings = [f for f in findings if f.severity == "warning"]
    return dg.AssetCheckResult(
        passed=not errors,
        severity=severity,
        description=f"{what}: {len(errors)} error(s) upstream CI would reject, {len(warnings)} warning(s)",
        metadata={
            "errors": dg.MetadataValue.int(len(errors)),
            "warnings": dg.MetadataValue.int(len(warnings)),
            "first_errors": dg.MetadataValue.md("\n".join(f"- `{f.format()}`" for f in errors[:20]) or "none"),
        },
    )


NO_SNAPSHOT = dg.AssetCheckResult(passed=False, description="no upstream snapshot cached: materialize test_list")


def _cached_workspace(imap_settings: ImapSettingsResource) -> Workspace | None:
    """What the checks lint: the snapshot the asset just made current (no network here)."""
    settings = imap_settings.load()
    snapshot = current_snapshot(settings.paths.cache_dir)
    return None if snapshot is None else _workspace(settings, snapshot)


@dg.asset_check(asset="test_list", description="The project's list passes upstream CI's lint (warnings listed).")
def local_list_lint(imap_settings: ImapSettingsResource) -> dg.AssetCheckResult:
    workspace = _cached_workspace(imap_settings)
    if workspace is None:
        return NO_SNAPSHOT
    findings = lint_listfile(workspace.local(), workspace.lint_context())
    return _lint_result(findings, str(workspace.local_path), dg.AssetCheckSeverity.ERROR)


@dg.asset_check(asset="test_list", description="Upstream kh.csv and global.csv pass upstream's own lint.")
def upstream_lists_lint(imap_settings: ImapSettingsResource) -> dg.AssetCheckResult:
    workspace = _cached_workspace(imap_settings)
    if workspace is None:
        return NO_SNAPSHOT
    context = workspace.lint_context(with_kh=False)
    findings = lint_listfile(workspace.kh, context, warnings=False) + lint_listfile(workspace.global_list, context,
                                                                                     warnings=False)
    # Upstream's own errors are theirs to fix: a warning here, not a red check.
    return _lint_result(findings, f"upstream {workspace.snapshot.upstream_ref}", dg.AssetCheckSeverity.WARN)


test_list_job = dg.define_asset_job(
    "test_list_job", selection=dg.AssetSelection.assets(test_list),
    description="Rebuild the effective test list (and lint it) after the project's list changed.",
)


@dg.sensor(job=test_list_job, minimum_interval_seconds=30, default_status=dg.DefaultSensorStatus.STOPPED,
           description="Runs test_list_job when test_lists/data/kh-local.csv changes (content hash).")
def local_test_list_sensor(context: dg.SensorEvaluationContext,
                           imap_settings: ImapSettingsResource) -> dg.SensorResult | dg.SkipReason:
    path = local_list_path(imap_settings.load().paths.project_dir)
    digest = _file_digest(path)
    if digest == context.cursor:
        return dg.SkipReason(f"{path} unchanged")
    return dg.SensorResult(run_requests=[dg.RunRequest(run_key=f"kh-local-{digest[:16]}")], cursor=digest)


JOBS = [test_list_job]
SENSORS = [local_test_list_sensor]
