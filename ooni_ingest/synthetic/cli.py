"""Subcommands of this stage (to be filled in by the stage's issue)."""

from __future__ import annotations

import argparse


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add this stage's subcommands to `imap`."""
