"""Score `result.json` files against the sample generator's ground truth.

Used by the tests and by the closing notes: one summary line, and per-variant
scores on request, so "indicators exact on text packets" is a measured claim.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Iterable

LIST_KEYS = ("key_enterprises", "standards", "patents", "overseas_branches", "service_platforms")
LIST_SHORT = {"key_enterprises": "ent", "standards": "std", "patents": "pat", "overseas_branches": "ovs", "service_platforms": "plat"}


def _norm_name(text: str | None) -> str:
    return re.sub(r"[\s()（）【】\[\]\"“”'‘’·]", "", text or "")


def _norm_id(text: str | None) -> str:
    return re.sub(r"\s", "", (text or "")).upper()


LIST_ENTRY_KEY = {
    "key_enterprises": lambda e: _norm_name(e.get("name")),
    "standards": lambda e: _norm_id(e.get("number")),
    "patents": lambda e: _norm_id(e.get("number")),
    "overseas_branches": lambda e: _norm_name(e.get("name")),
    "service_platforms": lambda e: _norm_name(e.get("name")),
}


def _values_equal(expected: Any, actual: Any) -> bool:
    if expected is None or actual is None:
        return expected is None and actual is None
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            return False
        return set(expected) == set(actual) and all(_values_equal(expected[k], actual[k]) for k in expected)
    try:
        return math.isclose(float(expected), float(actual), rel_tol=1e-6, abs_tol=1e-6)
    except (TypeError, ValueError):
        return False


@dataclass
class Tally:
    correct: int = 0
    total: int = 0

    def add(self, ok: bool) -> None:
        self.correct += int(ok)
        self.total += 1

    @property
    def rate(self) -> float:
        return self.correct / self.total if self.total else 1.0


@dataclass
class PrecisionRecall:
    true_pos: int = 0
    false_pos: int = 0
    false_neg: int = 0

    def add_sets(self, expected: Iterable[str], actual: Iterable[str]) -> None:
        exp, act = Counter(expected), Counter(actual)
        self.true_pos += sum((exp & act).values())
        self.false_pos += sum((act - exp).values())
        self.false_neg += sum((exp - act).values())

    @property
    def precision(self) -> float:
        found = self.true_pos + self.false_pos
        return self.true_pos / found if found else 1.0

    @property
    def recall(self) -> float:
        wanted = self.true_pos + self.false_neg
        return self.true_pos / wanted if wanted else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


@dataclass
class Scores:
    packets: int = 0
    missing_results: list[str] = field(default_factory=list)
    sections: Tally = field(default_factory=Tally)  # present/empty per item
    section_pages: Tally = field(default_factory=Tally)  # first/last page of present items
    cover: Tally = field(default_factory=Tally)
    indicators: Tally = field(default_factory=Tally)
    lists: dict[str, PrecisionRecall] = field(default_factory=lambda: {k: PrecisionRecall() for k in LIST_KEYS})
    findings: PrecisionRecall = field(default_factory=PrecisionRecall)
    mistakes: list[str] = field(default_factory=list)

    def summary_line(self) -> str:
        lists = " ".join(f"{LIST_SHORT[k]}={pr.f1:.3f}" for k, pr in self.lists.items())
        return (
            f"packets={self.packets} missing={len(self.missing_results)} "
            f"sections={self.sections.rate:.3f} pages={self.section_pages.rate:.3f} cover={self.cover.rate:.3f} "
            f"indicators={self.indicators.rate:.3f} lists_f1[{lists}] "
            f"findings_recall={self.findings.recall:.3f} false_alarms={self.findings.false_pos}"
        )

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["lists"] = {k: {"precision": v.precision, "recall": v.recall, "f1": v.f1} for k, v in self.lists.items()}
        out["findings"] = {"recall": self.findings.recall, "precision": self.findings.precision, "false_alarms": self.findings.false_pos}
        out["summary"] = self.summary_line()
        return out


@dataclass
class Evaluation:
    overall: Scores
    by_variant: dict[str, Scores]

    def summary_line(self) -> str:
        return self.overall.summary_line()

    def variant_lines(self) -> list[str]:
        return [f"{name}: {scores.summary_line()}" for name, scores in sorted(self.by_variant.items())]

    def to_json(self) -> str:
        return json.dumps(
            {"overall": self.overall.to_dict(), "by_variant": {k: v.to_dict() for k, v in self.by_variant.items()}},
            ensure_ascii=False,
            indent=2,
        )


def _finding_keys(findings: Iterable[dict]) -> list[str]:
    return [f"{f['code']}|{f.get('item')}|{f.get('field')}" for f in findings]


def score_packet(truth: dict, result: dict, scores: Scores) -> None:
    pid = truth["packet_id"]
    scores.packets += 1
    actual_sections = {s["item"]: s for s in result.get("sections", [])}
    for exp in truth["sections"]:
        act = actual_sections.get(exp["item"], {})
        ok = bool(act.get("present")) == bool(exp["present"]) and bool(act.get("empty")) == bool(exp["empty"])
        scores.sections.add(ok)
        if not ok:
            scores.mistakes.append(f"{pid}: item {exp['item']} present/empty {act.get('present')}/{act.get('empty')} != {exp['present']}/{exp['empty']}")
        if exp["present"] and exp.get("first_page") is not None:
            pages_ok = act.get("first_page") == exp["first_page"] and act.get("last_page") == exp.get("last_page")
            scores.section_pages.add(pages_ok)
            if not pages_ok:
                scores.mistakes.append(
                    f"{pid}: item {exp['item']} pages {act.get('first_page')}-{act.get('last_page')} != {exp['first_page']}-{exp.get('last_page')}"
                )
    for key, expected in (truth.get("cover") or {}).items():
        actual = (result.get("cover") or {}).get(key)
        ok = (expected or None) == (actual or None)
        scores.cover.add(ok)
        if not ok:
            scores.mistakes.append(f"{pid}: cover {key} {actual!r} != {expected!r}")
    for key, expected in (truth.get("indicators") or {}).items():
        actual = ((result.get("indicators") or {}).get(key) or {}).get("value")
        ok = _values_equal(expected, actual)
        scores.indicators.add(ok)
        if not ok:
            scores.mistakes.append(f"{pid}: indicator {key} {actual!r} != {expected!r}")
    for key in LIST_KEYS:
        make_key = LIST_ENTRY_KEY[key]
        expected = [make_key(e) for e in (truth.get("lists") or {}).get(key, [])]
        actual = [make_key(e) for e in (result.get("lists") or {}).get(key, [])]
        scores.lists[key].add_sets(expected, actual)
        missing, extra = Counter(expected) - Counter(actual), Counter(actual) - Counter(expected)
        if missing or extra:
            scores.mistakes.append(f"{pid}: list {key} missing {sorted(missing)[:5]} extra {sorted(extra)[:5]}")
    expected_f = _finding_keys(truth.get("expected_findings", []))
    actual_f = _finding_keys(result.get("findings", []))
    # Several findings of one code for one item are one defect: compare distinct keys.
    scores.findings.add_sets(set(expected_f), set(actual_f))
    missing_f, extra_f = set(expected_f) - set(actual_f), set(actual_f) - set(expected_f)
    if missing_f or extra_f:
        scores.mistakes.append(f"{pid}: findings missing {sorted(missing_f)} extra {sorted(extra_f)}")


def evaluate_dirs(truth_dir: Path, results_dir: Path) -> Evaluation:
    overall = Scores()
    by_variant: dict[str, Scores] = defaultdict(Scores)
    for truth_path in sorted(truth_dir.glob("*.json")):
        truth = json.loads(truth_path.read_text(encoding="utf-8"))
        result_path = results_dir / truth["packet_id"] / "result.json"
        if not result_path.exists():
            overall.missing_results.append(truth["packet_id"])
            by_variant[truth.get("variant", "?")].missing_results.append(truth["packet_id"])
            continue
        result = json.loads(result_path.read_text(encoding="utf-8"))
        score_packet(truth, result, overall)
        score_packet(truth, result, by_variant[truth.get("variant", "?")])
    return Evaluation(overall=overall, by_variant=dict(by_variant))
