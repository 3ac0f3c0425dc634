"""Run every benchmark module in this package (each exposes ``main(argv) -> int``)."""

from __future__ import annotations

import importlib
import pkgutil
import sys

import benchmarks


def main(argv: list[str]) -> int:
    wanted = set(argv)
    status = 0
    for info in pkgutil.iter_modules(benchmarks.__path__):
        if info.name.startswith("_") or (wanted and info.name not in wanted):
            continue
        print(f"== {info.name}", flush=True)
        status |= importlib.import_module(f"benchmarks.{info.name}").main([])
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
