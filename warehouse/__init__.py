"""The warehouse: DuckDB schema, SQL transforms, classification and reference data.

Plain Python, no Dagster: usable from the command line, tests and notebooks.
"""
