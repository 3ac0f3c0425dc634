"""The Cambodia test list: the project's own entries, upstream sync, lint, fix, add, diff, export."""
