"""Subcommands that run the Dagster asset graph (the orchestrated path users run)."""
