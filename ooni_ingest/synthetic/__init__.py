"""Synthetic web_connectivity measurements, test lists and fingerprints with known ground truth."""
