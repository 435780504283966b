"""Packets laid out by someone else (tests/foreign/build.py) through the real pipeline.

Acceptance is judged on packets we did not write: a two-column 申报表 in 万元, prose,
a multi-row header, years as rows, XLSX with a title row, numbered paragraphs, other
column orders and number spellings. Every indicator, list entry and cover field must
come out as the clerk meant it.
"""

from __future__ import annotations

import math

import pytest

from foreign.build import BUILDERS, Expected
from pipeline.app.driver import process_packet
from pipeline.core.result import PacketResult
from pipeline.core.settings import Settings


@pytest.fixture(scope="module")
def processed(tmp_path_factory) -> dict[str, tuple[PacketResult, Expected]]:
    root = tmp_path_factory.mktemp("foreign")
    settings = Settings(data_dir=root / "data", use_cache=False)
    out: dict[str, tuple[PacketResult, Expected]] = {}
    for name, build in BUILDERS.items():
        packet_dir = root / name
        packet_dir.mkdir()
        path, expected = build(packet_dir)
        out[name] = (process_packet(path, root / "results", settings), expected)
    return out


def _same(a: object, b: object) -> bool:
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return math.isclose(float(a), float(b), rel_tol=1e-6, abs_tol=1e-6)
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    return a == b


@pytest.mark.parametrize("name", list(BUILDERS))
def test_indicators(processed, name: str) -> None:
    result, expected = processed[name]
    wrong = {
        key: (result.indicators[key].value, want)
        for key, want in expected.indicators.items()
        if not _same(result.indicators[key].value, want)
    }
    assert wrong == {}


def _entries(result: PacketResult, list_name: str, fields: list[str]) -> list[dict]:
    return [{f: getattr(entry, f) for f in fields} for entry in getattr(result.lists, list_name)]


@pytest.mark.parametrize("name", list(BUILDERS))
@pytest.mark.parametrize("list_name", ["key_enterprises", "standards", "patents", "overseas_branches", "service_platforms"])
def test_lists(processed, name: str, list_name: str) -> None:
    result, expected = processed[name]
    want = getattr(expected, list_name)
    fields = list(want[0]) if want else ["name"]
    assert _entries(result, list_name, fields) == want


@pytest.mark.parametrize("name", list(BUILDERS))
def test_cover(processed, name: str) -> None:
    result, expected = processed[name]
    got = {key: getattr(result.cover, key) if result.cover else None for key in expected.cover}
    assert got == expected.cover
