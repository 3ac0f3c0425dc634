"""Fetching and parsing OONI data (S3 bucket, OONI API, local mirrors). Plain Python, no Dagster."""
