"""The skeleton: one command, Dagster definitions that load, and only pipelines/ importing Dagster."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

from pipelines.cli import build_parser

REPO = Path(__file__).resolve().parents[1]
LIBRARIES = ("ooni_ingest", "test_lists", "warehouse", "reports")


def test_every_subcommand_has_help() -> None:
    parser = build_parser()
    subparsers = next(a for a in parser._actions if a.dest == "command")
    assert {"demo", "run", "ui"} <= set(subparsers.choices)
    for name, sub in subparsers.choices.items():
        assert sub.format_help(), name
        assert sub.description or sub.format_usage(), name


def test_only_pipelines_imports_dagster() -> None:
    offenders = []
    for package in LIBRARIES:
        for path in (REPO / package).rglob("*.py"):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                names = []
                if isinstance(node, ast.Import):
                    names = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and node.module:
                    names = [node.module]
                if any(name.split(".")[0] in ("dagster", "dagster_duckdb", "pipelines") for name in names):
                    offenders.append(f"{path.relative_to(REPO)}:{node.lineno}")
    assert not offenders, f"libraries must not import Dagster or pipelines: {offenders}"


def test_dagster_definitions_validate(tmp_path: Path) -> None:
    env = {**os.environ, "DAGSTER_HOME": str(tmp_path)}
    (tmp_path / "dagster.yaml").write_text((REPO / "dagster.yaml").read_text())
    dagster = Path(sys.executable).with_name("dagster")
    completed = subprocess.run(
        [str(dagster), "definitions", "validate", "-m", "pipelines.definitions"],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=300,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr


def test_stage_failures_name_the_step_and_the_error_it_raised() -> None:
    import dagster as dg

    from pipelines.execution import describe_failure

    class WarehouseMissing(RuntimeError):
        pass

    @dg.asset
    def broken() -> None:
        try:
            raise OSError("disk gone")
        except OSError as exc:
            raise WarehouseMissing("warehouse/imap.duckdb: cannot open") from exc

    result = dg.materialize([broken], raise_on_error=False)
    assert describe_failure(result) == "step broken: WarehouseMissing: warehouse/imap.duckdb: cannot open"
