"""read_measurement_file: every file shape, and damage reported per line instead of raised."""

from __future__ import annotations

import gzip
import io
import json
import random
import zlib
from pathlib import Path

from ooni_ingest.read import _gzip_lines, read_measurement_file


def lines_of(*objects) -> bytes:
    return b"\n".join(json.dumps(o).encode() if not isinstance(o, bytes) else o for o in objects) + b"\n"


def test_jsonl_gz_with_bad_lines_and_blank_lines(tmp_path: Path) -> None:
    path = tmp_path / "a.jsonl.gz"
    path.write_bytes(gzip.compress(lines_of({"n": 1}, b"", b"{broken", [1, 2], {"n": 2})))
    items = list(read_measurement_file(path))
    assert [(i.line, i.measurement, i.error.reason if i.error else None) for i in items] == [
        (1, {"n": 1}, None), (3, None, "invalid_json"), (4, [1, 2], None), (5, {"n": 2}, None),
    ]
    assert "line 3" in items[1].error.message


def test_truncated_gzip_keeps_the_lines_before_the_damage(tmp_path: Path) -> None:
    # Distinct random-ish lines so that the first half of the stream really holds the first lines.
    objects = [{"n": n, "pad": hex(n * 7919)[2:] * 200} for n in range(400)]
    data = gzip.compress(lines_of(*objects))
    path = tmp_path / "cut.jsonl.gz"
    path.write_bytes(data[: len(data) // 2])
    items = list(read_measurement_file(path))
    good = [i for i in items if i.error is None]
    assert items[-1].error is not None and items[-1].error.reason == "truncated_gzip"
    assert str(path) in items[-1].error.message
    assert 50 < len(good) < 400
    assert [i.measurement["n"] for i in good] == list(range(len(good)))


def test_not_gzip_at_all(tmp_path: Path) -> None:
    path = tmp_path / "plain-text.jsonl.gz"
    path.write_bytes(b"this is not gzip\n")
    (item,) = list(read_measurement_file(path))
    assert item.error.reason == "truncated_gzip"


def test_plain_jsonl_json_object_and_json_list(tmp_path: Path) -> None:
    (tmp_path / "a.jsonl").write_bytes(lines_of({"a": 1}, {"a": 2}))
    (tmp_path / "one.json").write_text(json.dumps({"only": True}))
    (tmp_path / "many.json").write_text(json.dumps([{"i": 1}, {"i": 2}]))
    (tmp_path / "broken.json").write_text("{")
    (tmp_path / "z.json.gz").write_bytes(gzip.compress(json.dumps({"gz": 1}).encode()))
    assert [(i.line, i.measurement) for i in read_measurement_file(tmp_path / "a.jsonl")] == [(1, {"a": 1}), (2, {"a": 2})]
    assert [(i.line, i.measurement) for i in read_measurement_file(tmp_path / "one.json")] == [(None, {"only": True})]
    assert [(i.line, i.measurement) for i in read_measurement_file(tmp_path / "many.json")] == [(1, {"i": 1}), (2, {"i": 2})]
    assert [i.error.reason for i in read_measurement_file(tmp_path / "broken.json")] == ["invalid_json"]
    assert [i.measurement for i in read_measurement_file(tmp_path / "z.json.gz")] == [{"gz": 1}]


def test_missing_file_is_an_error_item(tmp_path: Path) -> None:
    (item,) = list(read_measurement_file(tmp_path / "nope.jsonl.gz"))
    assert item.error.reason == "unreadable_file"


def test_qa_samples_read_as_single_measurements(qa_samples_dir: Path) -> None:
    for path in sorted(qa_samples_dir.glob("*.json"))[:5]:
        (item,) = list(read_measurement_file(path))
        assert item.error is None and item.measurement["test_name"] == "web_connectivity"


def _gzip_module_lines(path: Path) -> tuple[list[bytes], str | None]:
    lines: list[bytes] = []
    try:
        with gzip.open(path, "rb") as stream:
            lines.extend(line.removesuffix(b"\n") for line in stream)
    except (EOFError, OSError, zlib.error) as exc:
        return lines, type(exc).__name__
    return lines, None


def _our_lines(path: Path) -> tuple[list[bytes], str | None]:
    lines: list[bytes] = []
    try:
        lines.extend(_gzip_lines(path))
    except (EOFError, OSError, zlib.error) as exc:
        return lines, type(exc).__name__
    return lines, None


def test_gzip_lines_match_the_gzip_module_on_damaged_files(tmp_path: Path) -> None:
    """ISA-L reads healthy files; on any damage the lines kept and the error are the gzip module's."""
    rng = random.Random(7)
    text = lines_of(*({"n": n, "pad": f"{rng.getrandbits(4000):x}"} for n in range(300)))
    member = gzip.compress(text)
    named = io.BytesIO()
    with gzip.GzipFile(filename="x.jsonl", mode="wb", fileobj=named, mtime=0) as writer:
        writer.write(text[:-1])   # no newline at the end
    variants = [member, member + member, named.getvalue(), member + b"\0\0\0", member + b"\0\0" + member,
                member + b"junk", member + member[:100], b"", b"\x1f", member[:10]]
    variants += [member[: rng.randrange(len(member))] for _ in range(15)]
    for _ in range(30):
        damaged = bytearray(member)
        damaged[rng.randrange(len(damaged))] ^= 1 << rng.randrange(8)
        variants.append(bytes(damaged))
    path = tmp_path / "v.jsonl.gz"
    for number, data in enumerate(variants):
        path.write_bytes(data)
        assert _our_lines(path) == _gzip_module_lines(path), number
