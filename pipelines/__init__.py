"""Orchestration: the only package that imports Dagster.

Assets here are thin wiring over the plain libraries (ooni_ingest, test_lists, warehouse, reports).
Importing this package itself is cheap; Dagster is imported by the submodules that need it, so that
`imap testlist lint` and friends start fast.
"""
