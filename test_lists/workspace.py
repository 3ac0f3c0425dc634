"""Everything a list command or the Dagster asset works on: an upstream snapshot and the local file."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from test_lists import csvfile
from test_lists.csvfile import ListFile
from test_lists.effective import EffectiveList, build
from test_lists.legend import Legend, load_legend
from test_lists.lint import LintContext
from test_lists.upstream import Snapshot

# The project's own entries, in the Citizen Lab format (see README "Test lists").
LOCAL_LIST = Path("test_lists") / "data" / "kh-local.csv"


def local_list_path(project_dir: Path) -> Path:
    return project_dir / LOCAL_LIST


@dataclass
class Workspace:
    snapshot: Snapshot
    legend: Legend
    kh: ListFile
    global_list: ListFile
    local_path: Path

    @classmethod
    def open(cls, snapshot: Snapshot, local_path: Path) -> Workspace:
        return cls(snapshot, load_legend(snapshot.legend_path), csvfile.read(snapshot.kh_path),
                   csvfile.read(snapshot.global_path), local_path)

    def local(self) -> ListFile:
        """The local list as it is now; a missing file is an empty list (header only)."""
        if not self.local_path.exists():
            return csvfile.parse(csvfile.render([",".join(csvfile.HEADER)]).encode(), str(self.local_path))
        return csvfile.read(self.local_path)

    def lint_context(self, *, with_kh: bool = True) -> LintContext:
        """Lint against upstream: global.csv for rule 7, kh.csv too for near-duplicates."""
        return LintContext(self.legend, self.global_list, [self.kh] if with_kh else [])

    def effective(self) -> EffectiveList:
        return build([("local", self.local()), ("kh", self.kh), ("global", self.global_list)],
                     self.legend, self.snapshot.upstream_ref)
