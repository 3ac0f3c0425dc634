"""Classification: per-measurement judgments, fingerprints, candidates, monthly verdicts, period summaries.

Every step is SQL over the warehouse (warehouse/sql/classify_*.sql, verdicts_*.sql, summary_*.sql,
candidates_*.sql), so a year of measurements is judged in seconds and every tier is recomputable
from the tier below plus the reference data (fingerprints, networks). README "Classification"
explains the method and the vocabulary.
"""

from __future__ import annotations

OUTCOMES = ("ok", "blocked", "down", "inconclusive")
LAYERS = ("dns", "tcp", "tls", "http")
VERDICTS = ("confirmed", "likely", "inconclusive", "accessible", "down", "insufficient")
BLOCKING_VERDICTS = ("confirmed", "likely")
CHANGES = ("new", "continued", "stopped", "unclear", "first_measured", "not_blocked")
