"""The report's read-only queries, one per file; reports.data runs them with the period's bounds."""
