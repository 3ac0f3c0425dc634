"""Interface translations of the report, one JSON file per language (see reports/i18n.py)."""
