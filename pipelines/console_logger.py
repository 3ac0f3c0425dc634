"""The console logger of `imap run`, `imap ingest` and `imap demo`: warnings in one paragraph each,
step and run failures left to the command, which names the failing step and its error in one line
(pipelines.execution.describe_failure). The run's full log, stack traces included, stays in the
instance for `imap ui`."""

from __future__ import annotations

import logging
import sys

import dagster as dg

# Dagster events the command reports itself (StageFailed), so the console does not repeat them with
# a stack trace.
REPORTED_BY_THE_COMMAND = (" - STEP_FAILURE - ", " - RUN_FAILURE - ", "Dependencies for step ")


class _OneParagraph(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        head, _, rest = text.partition("\n\n")
        return head + (" [more in the run's log: imap ui]" if rest.strip() else "")


class _SkipReportedFailures(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        return not any(marker in message for marker in REPORTED_BY_THE_COMMAND)


@dg.logger(
    config_schema={"log_level": dg.Field(str, default_value="WARNING", is_required=False)},
    description="imap's console: warnings in one paragraph each; failures are reported by the command.",
)
def imap_console_logger(init_context: dg.InitLoggerContext) -> logging.Logger:
    logger = logging.getLogger("imap.console")
    logger.setLevel(init_context.logger_config["log_level"].upper())
    logger.propagate = False
    for handler in list(logger.handlers):
        logger.removeHandler(handler)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_OneParagraph("%(asctime)s - %(levelname)s - %(message)s", "%H:%M:%S"))
    handler.addFilter(_SkipReportedFailures())
    logger.addHandler(handler)
    return logger
