"""Bad input planted in a synthetic bucket mirror, with a manifest of what and where, for ingest tests.

Each fault goes into its own existing file (so good and bad lines mix, as they do in real damaged
files); the manifest (``faults.json`` beside the mirror) lists ``file`` (relative to the mirror root), ``line`` (1-based,
in the file as written), ``reason`` (the ``ingest_skips`` vocabulary of warehouse/sql/schema.sql)
and ``detail``. The truncated file keeps its first complete lines readable; the measurements cut
off are listed in ``lost_measurement_uids`` (they stay in the truth files, which describe what was
measured, not what survived).
"""

from __future__ import annotations

import gzip
import json
import random
import zlib
from collections.abc import Sequence
from pathlib import Path

import orjson

from ooni_ingest.synthetic.mirror import FileSpec, gzip_bytes

MANIFEST_NAME = "faults.json"


def _fault_lines(template: dict) -> list[tuple[bytes, str, str]]:
    """(line bytes, reason, detail) of every line-level fault, built from a real measurement."""
    uid = template["measurement_uid"]

    def variant(suffix: str, **changes) -> dict:
        m = dict(template)
        m["measurement_uid"] = uid[:-4] + suffix
        m.update(changes)
        return m

    no_keys = variant("f0a1")
    del no_keys["test_keys"]
    full = orjson.dumps(variant("f0a2"))
    return [
        (full[: len(full) // 3], "invalid_json", "line cut in the middle of a JSON object"),
        (b'{"measurement_uid": "' + uid[:-4].encode() + b'f0a3", "input": ', "invalid_json", "unterminated object"),
        (orjson.dumps([template["input"], template["probe_asn"]]), "not_an_object", "a JSON array, not an object"),
        (orjson.dumps(no_keys), "no_test_keys", "measurement without test_keys"),
        (orjson.dumps(variant("f0a4", test_version="0.3.0")), "unknown_test_version", "test_version 0.3.0"),
        (orjson.dumps(variant("f0a5", test_version="1.0.0")), "unknown_test_version", "test_version 1.0.0"),
        (orjson.dumps(variant("f0a6", probe_cc="TH")), "wrong_country", "probe_cc TH in a KH file"),
        (orjson.dumps(variant("f0a7", test_name="http_header_field_manipulation")), "wrong_test_name",
         "test_name http_header_field_manipulation"),
    ]


def inject_faults(root: Path, specs: Sequence[FileSpec], seed: int, manifest_path: Path) -> dict:
    """Plant the faults in files under ``root`` (bucket layout, gzip) and write the manifest."""
    rng = random.Random(f"imap-synthetic-faults/{seed}")
    candidates = [s for s in specs if len(s.indices) >= 3 and s.relpath.endswith(".gz")]
    if len(candidates) < 9:
        raise ValueError("too few files with 3 or more measurements to plant faults; generate more measurements")
    chosen = rng.sample(candidates, 9)
    faults: list[dict] = []
    template_path = root / chosen[0].relpath
    template = orjson.loads(gzip.decompress(template_path.read_bytes()).split(b"\n", 1)[0])
    for spec, (line, reason, detail) in zip(chosen[:8], _fault_lines(template), strict=True):
        path = root / spec.relpath
        lines = gzip.decompress(path.read_bytes()).rstrip(b"\n").split(b"\n")
        position = rng.randrange(1, len(lines))        # never first: readers must skip mid-file
        lines.insert(position, line)
        path.write_bytes(gzip_bytes(b"\n".join(lines) + b"\n"))
        faults.append({"file": spec.relpath, "line": position + 1, "reason": reason, "detail": detail})

    truncated = chosen[8]
    path = root / truncated.relpath
    data = path.read_bytes()
    cut = data[: len(data) // 2]
    path.write_bytes(cut)
    readable = zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(cut)
    complete = readable.count(b"\n")
    all_lines = gzip.decompress(data).rstrip(b"\n").split(b"\n")
    lost = [orjson.loads(x)["measurement_uid"] for x in all_lines[complete:]]
    faults.append({"file": truncated.relpath, "line": complete + 1, "reason": "truncated_gzip",
                   "detail": f"gzip cut at byte {len(cut)} of {len(data)}; {complete} complete lines before it"})
    manifest = {
        "synthetic": True,
        "note": "faults planted by the imap synthetic generator; paths are relative to the mirror root",
        "faults": sorted(faults, key=lambda f: (f["file"], f["line"])),
        "lost_measurement_uids": lost,
    }
    manifest_path.write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return manifest
