"""Packets' results for the workbench tests, built by the real checks and recorded in a real store."""

from __future__ import annotations

import json
from pathlib import Path

from pipeline.app.store import ResultStore
from pipeline.core.result import (
    Cover, Evidence, Finding, FindingCode, Indicator, Lists, PacketResult, PatentEntry, SectionResult, Severity,
    empty_indicators,
)
from pipeline.rounds.ruleset import load_ruleset
from tests.rounds import CANONICAL_TITLES
from validators.consistency import check_consistency
from validators.criteria import check_criteria

RULESET = load_ruleset("2022")
SCRIPT = "<script>document.title='pwned'</script>"

VALUES = dict(area_km2=20, sme_output_share_pct=65, leading_industry_share_pct=80, output_growth_pct=12,
              champion_count=1, little_giant_count=2, specialized_sme_count=10, innovative_sme_count=5,
              high_tech_count=20, rd_growth_pct=15, valid_invention_patents=300, patent_growth_pct=20,
              employees=100000, patents_per_10k=30, industrial_internet_pct=40)


def make_result(packet_id: str, cluster: str, region: str, *, sme_share: float = 65,
                patents: tuple[str, ...] = (), missing_item: int | None = 12, intro_text: str = "") -> PacketResult:
    """One packet's result: the criteria's own findings on these values, a TOC warning whose evidence
    carries `intro_text`, and item `missing_item` missing."""
    indicators = empty_indicators()
    for key, value in {**VALUES, "sme_output_share_pct": sme_share}.items():
        indicators[key] = Indicator(value=value, evidence=Evidence(file="申报书.pdf", page=3, text=f"{key}：{value}"))
    indicators["output_yi_by_year"] = Indicator(value={"2019": 100, "2020": 112, "2021": 125.4},
                                                evidence=Evidence(file="申报书.pdf", page=3, text="近三年产值"))
    lists = Lists(patents=[PatentEntry(number=n, title="一种装置", holder="某公司",
                                       evidence=Evidence(file="专利清单.pdf", page=2, text=f"ZL{n} 一种装置"))
                           for n in patents])
    sections = [SectionResult(item=i, title=t) for i, t in CANONICAL_TITLES.items()]
    for s in sections:
        s.present = s.item != missing_item
        s.file, s.first_page, s.last_page = ("申报书.pdf", s.item, s.item) if s.present else (None, None, None)
    findings = check_criteria(indicators, RULESET) + check_consistency(indicators, lists, RULESET)
    findings.append(Finding(code=FindingCode.TOC_MISSING, severity=Severity.WARNING, message="未找到目录。",
                            evidence=[Evidence(file="申报书.pdf", page=1, text=f"封面 {intro_text}")]))
    if missing_item:
        findings.append(Finding(code=FindingCode.SECTION_MISSING, severity=Severity.ERROR, item=missing_item,
                                message=f"缺少第{missing_item}项材料。"))
    result = PacketResult(packet_id=packet_id, cover=Cover(cluster_name=cluster, region=region, leading_industry="食品"),
                          sections=sections, indicators=indicators, lists=lists, findings=findings,
                          code_version="test")
    result.status = result.compute_status()
    return result


def record(store: ResultStore, result: PacketResult, out_dir: Path, packet_hash: str, origin: str = "batch") -> int:
    """The result's folder as a run leaves it (result.json, text.jsonl) and its run in the store."""
    folder = out_dir / result.packet_id
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "result.json").write_text(result.to_json(), encoding="utf-8")
    pages = [{"file": "申报书.pdf", "page": 1, "method": "text", "confidence": None,
              "text": f"{result.cover.cluster_name}申报书\n{SCRIPT}"},
             {"file": "申报书.pdf", "page": 3, "method": "text", "confidence": None, "text": "中小企业产值占比 65%"}]
    (folder / "text.jsonl").write_text("\n".join(json.dumps(p, ensure_ascii=False) for p in pages) + "\n",
                                       encoding="utf-8")
    return store.record(result, packet_hash=packet_hash, ruleset_requested="auto", output_dir=folder, origin=origin)


def finding_of(result_json: dict, code: str) -> dict:
    return next(f for f in result_json["findings"] if f["code"] == code)
