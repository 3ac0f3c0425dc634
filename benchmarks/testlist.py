"""Test-list tooling speed: lint, fix and merge over upstream's global.csv (target: well under 1 s).

Uses ../shared/data/citizenlab when present, otherwise a generated list of the same size (synthetic).
"""

from __future__ import annotations

import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from test_lists import csvfile, effective
from test_lists.fix import fix_listfile
from test_lists.legend import Legend, load_legend
from test_lists.lint import LintContext, lint_listfile

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "citizenlab"


def _synthetic(directory: Path, rows: int = 1722) -> str:
    (directory / "00-LEGEND-new_category_codes.csv").write_text(
        "Category Description,New Code,Replaces old code(s),Description\nNews Media,NEWS,FEXP,News\n")
    lines = [",".join(csvfile.HEADER)] + [
        f"https://site{i}.example-synthetic.org/{'page' if i % 3 else ''},NEWS,News Media,2020-01-01,synthetic,"
        for i in range(rows)]
    for name in ("global.csv", "kh.csv"):
        (directory / name).write_text("\n".join(lines[: 173 if name == "kh.csv" else None]) + "\n")
    return "synthetic"


def _time(function: Callable[[], object], repeat: int = 7) -> float:
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        timings.append(time.perf_counter() - started)
    return statistics.median(timings)


def main(argv: list[str]) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        directory, label = (SHARED, "upstream copy in ../shared") if SHARED.is_dir() else (Path(tmp), _synthetic(Path(tmp)))
        legend: Legend = load_legend(directory / "00-LEGEND-new_category_codes.csv")
        data = (directory / "global.csv").read_bytes()
        kh = csvfile.read(directory / "kh.csv")
        parsed = csvfile.parse(data, "global.csv")
        rows = len(parsed.data_rows())
        context = LintContext(legend, parsed, [kh])
        results = {
            "parse global.csv": _time(lambda: csvfile.parse(data, "global.csv")),
            "lint global.csv (upstream rules)": _time(lambda: lint_listfile(csvfile.parse(data, "global.csv"),
                                                                            context, warnings=False)),
            "lint global.csv (rules + warnings)": _time(lambda: lint_listfile(csvfile.parse(data, "global.csv"),
                                                                              context)),
            "fix global.csv (in memory)": _time(lambda: fix_listfile(csvfile.parse(data, "global.csv"), legend,
                                                                     original=data)),
            "merge effective list": _time(lambda: effective.build([("kh", kh), ("global", parsed)], legend, "bench")),
        }
    print(f"test lists: {rows} rows of global.csv ({label}), median of 7 runs")
    for what, seconds in results.items():
        print(f"  {what:38} {seconds * 1000:8.1f} ms  {rows / seconds:12,.0f} rows/s")
    return 0


if __name__ == "__main__":
    import sys

    sys.exit(main(sys.argv[1:]))
