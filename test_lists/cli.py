"""`imap testlist ...`: the volunteers' commands. Heavy imports happen inside the handlers.

Exit status: 0 fine, 1 the list has errors (or changes, for `fix --check`), 2 the command could not
run (no upstream lists, unreadable file, network failure). Messages go to stderr.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from warehouse.cli_common import add_db_option, settings_from_args

EXAMPLES = """\
examples:
  imap testlist add https://news.example.org --category NEWS --source "iMAP volunteers"
  imap testlist lint                      # the project's list, upstream's rules + warnings
  imap testlist lint ../test-lists/lists  # a directory, exactly as upstream CI lints it
  imap testlist fix                       # safe fixes in place (--check to only show them)
  imap testlist diff                      # what the project adds or changes against upstream kh.csv
  imap testlist export --out kh.csv       # upstream kh.csv with the project's entries, ready for a PR
  imap testlist sync --ref 7f01e430040e571f1315734ee36151a6897f71b5
"""


def _fail(message: str, status: int = 2) -> int:
    print(f"imap testlist: {message}", file=sys.stderr)
    return status


def _add_file_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--file", metavar="PATH", type=Path,
                        help="the project's list (default: test_lists/data/kh-local.csv in the project)")


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add `imap testlist` and its subcommands."""
    parser = subparsers.add_parser(
        "testlist", help="maintain the Cambodia test list: sync, lint, fix, add, diff, export",
        description="The Cambodia URL test list: upstream Citizen Lab kh.csv and global.csv plus this "
                    "project's own entries (test_lists/data/kh-local.csv).",
        epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="testlist_command", metavar="SUBCOMMAND", required=True)

    sync = commands.add_parser("sync", help="fetch upstream kh.csv, global.csv and the category legend",
                               description="Fetch upstream lists into the cache (.cache/test-lists/), "
                                           "pinned to a commit when --ref names one; the commit is recorded.")
    sync.add_argument("--ref", help="branch or commit of citizenlab/test-lists (default: settings, 'master')")
    sync.add_argument("--from", dest="from_path", metavar="PATH", type=Path,
                      help="use a local copy (a directory with the three files, or a test-lists clone)")
    sync.add_argument("--api-url", metavar="URL",
                      help="GitHub API URL of the repository, to resolve a branch to a commit "
                           "(default: derived from the base URL)")
    sync.set_defaults(handler=handle_sync)

    lint = commands.add_parser("lint", help="check list files with upstream CI's rules, plus warnings",
                               description="Errors are upstream CI's rules, exactly; warnings are what upstream "
                                           "misses. Exit 1 on errors (and on warnings with --strict).")
    lint.add_argument("paths", nargs="*", type=Path, metavar="FILE",
                      help="files or directories (default: the project's list)")
    lint.add_argument("--upstream", action="store_true", help="lint the synced upstream kh.csv and global.csv")
    lint.add_argument("--legend", type=Path, metavar="PATH", help="category legend (default: synced upstream)")
    lint.add_argument("--global", dest="global_path", type=Path, metavar="PATH",
                      help="global.csv for the country-list rule (default: synced upstream)")
    lint.add_argument("--strict", action="store_true", help="warnings fail the run too")
    lint.add_argument("--no-warnings", action="store_true", help="report upstream's rules only")
    lint.add_argument("--format", choices=("text", "json"), default="text")
    lint.add_argument("--dead-sites", action="store_true",
                      help="also warn about sites OONI's control could not reach (reads the warehouse)")
    lint.add_argument("--since", metavar="YYYY-MM-DD", help="for --dead-sites: measurements since (default: a year ago)")
    add_db_option(lint)
    lint.set_defaults(handler=handle_lint)

    fix = commands.add_parser("fix", help="apply the safe fixes; never drops or damages a row",
                              description="Trailing slashes, exact duplicates, dates, descriptions from codes, "
                                          "spaces; rows that cannot be fixed are kept and reported.")
    fix.add_argument("paths", nargs="*", type=Path, metavar="FILE", help="files (default: the project's list)")
    fix.add_argument("--sort", action="store_true", help="also sort rows by URL (off: keeps diffs small)")
    fix.add_argument("--day-first", action="store_true", help="read ambiguous dates like 05/03/2024 as d/m/Y")
    fix.add_argument("--check", action="store_true", help="only show what would change; exit 1 if anything would")
    fix.set_defaults(handler=handle_fix)

    add = commands.add_parser("add", help="add a validated entry to the project's list",
                              description="Normalizes the URL, fills the description and today's date, "
                                          "and refuses URLs already listed (or near-duplicates of them).")
    add.add_argument("url")
    add.add_argument("--category", required=True, metavar="CODE", help="category code, e.g. NEWS, HUMR, POLR")
    add.add_argument("--notes", help="free text (default: empty, or upstream's notes with --override)")
    add.add_argument("--source", help="who proposed it: person, organisation or project")
    add.add_argument("--date", help="date added (default: today)")
    add.add_argument("--override", action="store_true",
                     help="the URL is on upstream kh.csv: record the project's own category/notes for it")
    add.add_argument("--force", action="store_true", help="add even if it is a near-duplicate of a listed URL")
    add.add_argument("--dry-run", action="store_true", help="validate and show the row without writing")
    _add_file_option(add)
    add.set_defaults(handler=handle_add)

    diff = commands.add_parser("diff", help="what the project's list adds or changes against upstream kh.csv")
    diff.add_argument("--format", choices=("text", "json"), default="text")
    diff.add_argument("--exit-code", action="store_true", help="exit 1 when there are additions or changes")
    _add_file_option(diff)
    diff.set_defaults(handler=handle_diff)

    export = commands.add_parser("export", help="write kh.csv with the project's entries, ready for upstream",
                                 description="Upstream kh.csv with the project's additions and changes "
                                             "applied, checked with upstream's rules before it is written.")
    export.add_argument("--out", metavar="PATH", default="-", help="output file ('-' = stdout, the default)")
    export.add_argument("--sort", action="store_true", help="sort rows by URL instead of appending new ones")
    _add_file_option(export)
    export.set_defaults(handler=handle_export)


# --- helpers shared by the handlers ---------------------------------------------------------------

def _settings(args: argparse.Namespace) -> Any:
    return settings_from_args(args)


def _fetcher(settings: Any) -> Any:
    from test_lists.sync import Fetcher

    return Fetcher(timeout=settings.ingest.http_timeout_seconds, max_retries=settings.ingest.max_retries)


def _workspace(args: argparse.Namespace) -> Any:
    """The synced upstream plus the local list; syncs once if nothing is cached. Raises SyncError."""
    from test_lists.sync import SyncError, ensure_snapshot
    from test_lists.workspace import Workspace, local_list_path

    settings = _settings(args)
    upstream = settings.upstream
    try:
        snapshot, fetched = ensure_snapshot(settings.paths.cache_dir, upstream.test_lists_base_url,
                                            upstream.test_lists_ref, upstream.test_lists_from,
                                            fetcher=_fetcher(settings))
    except SyncError as exc:
        raise SyncError(_nothing_cached(exc, upstream.test_lists_from)) from exc
    if fetched:
        print(f"imap testlist: no upstream lists cached yet; synced {snapshot.describe()}", file=sys.stderr)
    local_path = getattr(args, "file", None) or local_list_path(settings.paths.project_dir)
    workspace = Workspace.open(snapshot, local_path)
    if workspace.legend.problems:
        raise ValueError(f"upstream legend unusable: {workspace.legend.problems[0].format()}")
    return workspace


def _nothing_cached(exc: Exception, from_dir: str) -> str:
    """Why there are no upstream lists to work with, and the offline way to get them."""
    from test_lists.legend import LEGEND_FILE

    files = f"kh.csv, global.csv and the category legend {LEGEND_FILE}"
    if from_dir:
        return (f"upstream's lists ({files}) are not cached, and copying them from {from_dir} "
                f"(IMAP_TEST_LISTS_FROM or upstream.test_lists_from) failed: {exc}\n"
                f"    hint: point it at a copy of citizenlab/test-lists: a clone, or a directory holding {files}")
    return (f"upstream's lists ({files}) are not cached, and downloading them failed: {exc}\n"
            "    hint: without network, sync from a copy of citizenlab/test-lists (a clone, or a directory "
            "holding those three files): imap testlist sync --from DIR, or set IMAP_TEST_LISTS_FROM=DIR")


def _open_workspace(args: argparse.Namespace, needs: str) -> Any:
    """The workspace, or None after saying on stderr why the command cannot run without it."""
    from test_lists.sync import SyncError

    try:
        return _workspace(args)
    except (SyncError, ValueError) as exc:
        _fail(f"{needs}: {exc}")
        return None


# --- handlers -------------------------------------------------------------------------------------

def handle_sync(args: argparse.Namespace) -> int:
    from test_lists.sync import SyncError, sync_from_directory, sync_from_network

    settings = _settings(args)
    upstream = settings.upstream
    from_path = args.from_path or (Path(upstream.test_lists_from) if upstream.test_lists_from else None)
    try:
        if from_path is not None:
            snapshot = sync_from_directory(settings.paths.cache_dir, from_path, args.ref)
        else:
            snapshot = sync_from_network(settings.paths.cache_dir, upstream.test_lists_base_url,
                                         args.ref or upstream.test_lists_ref, api_url=args.api_url,
                                         fetcher=_fetcher(settings))
    except SyncError as exc:
        return _fail(f"sync failed, the cache is unchanged: {exc}")
    print(f"Synced {snapshot.describe()}")
    print(f"  into {snapshot.directory}")
    if snapshot.note:
        print(f"  note: {snapshot.note}")
    return 0


def handle_lint(args: argparse.Namespace) -> int:
    import json

    from test_lists import csvfile
    from test_lists.legend import load_legend
    from test_lists.lint import LintContext, lint_paths
    from test_lists.sync import SyncError

    paths: list[Path] = list(args.paths)
    missing = [p for p in paths if not p.exists()]
    if missing:
        return _fail(f"no such file or directory: {missing[0]}")
    legend = load_legend(args.legend) if args.legend else None
    if legend is not None and legend.problems:
        return _fail(legend.problems[0].format())
    global_list = csvfile.read(args.global_path) if args.global_path else None
    # Directories carry their own legend and global.csv; files need upstream's unless given.
    needs_upstream = args.upstream or not paths or (legend is None and any(p.is_file() for p in paths))
    context = LintContext(legend, global_list) if legend is not None else None
    if needs_upstream:
        try:
            workspace = _workspace(args)
        except (SyncError, ValueError) as exc:
            return _fail(f"cannot lint without upstream's category legend: {exc}"
                         + ("; or name the files: imap testlist lint --legend PATH --global PATH FILE"
                            if isinstance(exc, SyncError) else ""))
        context = LintContext(legend or workspace.legend, global_list or workspace.global_list,
                              [] if args.upstream else [workspace.kh])
        if args.upstream:
            paths += [workspace.snapshot.kh_path, workspace.snapshot.global_path]
        if not paths:
            if not workspace.local_path.exists():
                return _fail(f"{workspace.local_path} does not exist; create it with imap testlist add")
            paths = [workspace.local_path]
    result = lint_paths(paths, context, warnings=not args.no_warnings)
    if args.dead_sites:
        status = _add_dead_site_warnings(args, result)
        if status:
            return status
    if args.format == "json":
        print(json.dumps({"files": result.files, "rows": result.rows, "errors": result.errors,
                          "warnings": result.warnings, "findings": [f.as_dict() for f in result.findings]},
                         indent=2, ensure_ascii=False))
    else:
        for finding in result.findings:
            print(finding.format())
        if context is not None and context.global_list is None and any(p.is_file() for p in paths):
            print("note: no global.csv given, so the country-list rule (URL also on global.csv) was not checked")
        verdict = "" if result.errors else " - upstream CI would accept them"
        print(f"{len(result.files)} file(s), {result.rows} rows: {result.errors} error(s), "
              f"{result.warnings} warning(s){verdict}")
    return 1 if result.errors or (args.strict and result.warnings) else 0


def _add_dead_site_warnings(args: argparse.Namespace, result: Any) -> int:
    import datetime

    from test_lists import csvfile
    from test_lists.advice import dead_warnings
    from test_lists.coverage import unreachable_domains
    from warehouse.db import connect

    try:
        since = (datetime.date.fromisoformat(args.since) if args.since
                 else datetime.date.today() - datetime.timedelta(days=365))
    except ValueError:
        return _fail(f"--since {args.since!r} is not a YYYY-MM-DD date")
    db_path = _settings(args).paths.db_path
    try:
        with connect(db_path, read_only=True) as con:
            unreachable = unreachable_domains(con, since)
    except Exception as exc:  # a missing or locked warehouse: say which, do not lint half
        return _fail(f"--dead-sites: cannot read the warehouse {db_path}: {exc}")
    for path in result.files:
        result.findings += dead_warnings(csvfile.read(path), unreachable)
    result.findings.sort(key=lambda f: (result.files.index(f.path) if f.path in result.files else 0, f.line))
    return 0


def handle_fix(args: argparse.Namespace) -> int:
    from test_lists import csvfile
    from test_lists.fix import fix_file, remaining_errors
    from test_lists.lint import lint_listfile

    workspace = _open_workspace(args, "fix needs upstream's legend")
    if workspace is None:
        return 2
    paths = list(args.paths) or [workspace.local_path]
    context = workspace.lint_context(with_kh=False)
    status = 0
    for path in paths:
        if not path.is_file():
            status = max(status, _fail(f"no such file: {path}"))
            continue
        result = fix_file(str(path), workspace.legend, sort=args.sort, day_first=args.day_first)
        if result.refused:
            status = max(status, _fail(result.summary(), 1))
            continue
        for change in result.changes:
            print(f"{path}:{change.line}: {'would fix' if args.check else 'fixed'}: {change.what}")
        if result.changed and not args.check and result.text is not None:
            csvfile.write_atomic(path, result.text)
        left = remaining_errors(result, lambda listfile: lint_listfile(listfile, context, warnings=False))
        for finding in left:
            print(f"kept, needs a person: {finding.format()}")
        print(result.summary() + (f"; {len(left)} error(s) left for a person" if left else ""))
        if left or (args.check and result.changed):
            status = max(status, 1)
    return status


def handle_add(args: argparse.Namespace) -> int:
    from test_lists import csvfile
    from test_lists.editing import AddRefused, add_entry

    workspace = _open_workspace(args, "add needs upstream's lists")
    if workspace is None:
        return 2
    try:
        addition = add_entry(workspace.local(), workspace.legend, args.url, args.category, notes=args.notes,
                             source=args.source, date=args.date, kh=workspace.kh, global_list=workspace.global_list,
                             override=args.override, force=args.force)
    except AddRefused as exc:
        return _fail(f"not added: {exc}", 1)
    for note in addition.notes:
        print(f"note: {note}")
    for warning in addition.warnings:
        print(warning.format())
    row = csvfile.format_row(addition.fields)
    if args.dry_run:
        print(f"would add to {workspace.local_path}:\n  {row}")
        return 0
    csvfile.write_atomic(workspace.local_path, addition.text)
    overriding = f" (overrides {addition.overrides})" if addition.overrides else ""
    print(f"added to {workspace.local_path} line {addition.line}{overriding}:\n  {row}")
    print("next: imap testlist export --out kh.csv   (an upstream-ready kh.csv for a pull request)")
    return 0


def handle_diff(args: argparse.Namespace) -> int:
    import json
    from dataclasses import asdict

    from test_lists.compare import diff

    workspace = _open_workspace(args, "diff needs upstream's lists")
    if workspace is None:
        return 2
    entries = diff(workspace.local(), workspace.kh, workspace.global_list)
    if args.format == "json":
        print(json.dumps({"upstream": workspace.snapshot.manifest(), "entries": [asdict(e) for e in entries]},
                         indent=2, ensure_ascii=False))
    else:
        print(f"{workspace.local_path} against upstream kh.csv ({workspace.snapshot.describe()})")
        for entry in entries:
            print(entry.describe())
        kinds = {kind: sum(e.kind == kind for e in entries)
                 for kind in ("added", "changed", "unchanged", "on-global", "unusable")}
        print(", ".join(f"{n} {kind}" for kind, n in kinds.items()))
    differs = any(e.kind in ("added", "changed") for e in entries)
    return 1 if args.exit_code and differs else 0


def handle_export(args: argparse.Namespace) -> int:
    from test_lists import csvfile
    from test_lists.compare import export

    workspace = _open_workspace(args, "export needs upstream's lists")
    if workspace is None:
        return 2
    result = export(workspace.local(), workspace.kh, workspace.global_list, workspace.legend, sort=args.sort)
    for finding in result.errors:
        print(finding.format(), file=sys.stderr)
    if result.text is None:
        return _fail(f"not exported: {len(result.errors)} error(s) in {workspace.local_path} would fail upstream CI "
                     "or leave entries out; fix them (imap testlist fix, or by hand) and export again", 1)
    for finding in result.upstream_errors:
        print(f"upstream's own row: {finding.format()}", file=sys.stderr)
    for entry in result.entries:
        if entry.kind in ("on-global", "unusable"):
            print(f"left out: {entry.describe()}", file=sys.stderr)
    added = sum(e.kind == "added" for e in result.entries)
    changed = sum(e.kind == "changed" for e in result.entries)
    if args.out == "-":
        sys.stdout.write(result.text)
    else:
        csvfile.write_atomic(Path(args.out), result.text)
        print(f"wrote {args.out}: upstream kh.csv ({workspace.snapshot.upstream_ref}) with {added} added and "
              f"{changed} changed entries; it passes upstream's lint.")
        print("Copy it to lists/kh.csv in your fork of github.com/citizenlab/test-lists and open a pull request.")
    return 0
