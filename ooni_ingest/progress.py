"""A terminal progress bar for ingest runs (tqdm on stderr), driven by the runner's callback."""

from __future__ import annotations

import os
import sys
import time

from tqdm import tqdm

from ooni_ingest.runner import ProgressCallback, RunProgress

# `imap ingest` sets this so the asset, running inside Dagster in the same process, draws the bar.
PROGRESS_ENVIRONMENT_VARIABLE = "IMAP_INGEST_PROGRESS"


def progress_requested() -> bool:
    return os.environ.get(PROGRESS_ENVIRONMENT_VARIABLE, "").lower() in ("1", "true", "yes")


class ProgressBar:
    """Days done out of the range, with files, measurements and throughput as the postfix."""

    def __init__(self, total_days: int, description: str = "ingest") -> None:
        self.started = time.monotonic()
        self.bar = tqdm(total=total_days, unit="day", desc=description, file=sys.stderr, dynamic_ncols=True,
                        mininterval=0.5)

    def __call__(self, state: RunProgress) -> None:
        self.bar.n = state.days_done
        elapsed = max(time.monotonic() - self.started, 1e-9)
        self.bar.set_postfix_str(
            f"{state.files} files, {state.parsed_rows:,} measurements, {state.skipped:,} skipped, "
            f"{state.parsed_rows / elapsed:,.0f}/s",
            refresh=True,
        )

    def close(self) -> None:
        self.bar.close()


def callback_if_requested(total_days: int) -> tuple[ProgressCallback | None, ProgressBar | None]:
    if not progress_requested():
        return None, None
    bar = ProgressBar(total_days)
    return bar, bar
