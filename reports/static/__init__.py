"""Stylesheet and script copied into every report's assets/ folder."""
