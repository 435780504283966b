"""VALUE_UNCERTAIN: a misread or implausible value is set aside with a warning, never judged.

Generated text packets (real files through the real driver) with one value of the
application form changed the way OCR and typing slips change them: the checks that
value feeds are not applied, the reviewer is pointed at it, and the verdict stays.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.core.result import Evidence, Indicator
from pipeline.rounds.ruleset import load_ruleset
from sample_docs.generate import generate_packet
from validators.uncertain import set_aside_uncertain

RULES = load_ruleset("2022")


def _indicator(value, confidence=None, figure_confidence=None) -> Indicator:
    return Indicator(value=value, evidence=Evidence(file="申报书.pdf", page=3, text=str(value), confidence=confidence,
                                                    figure_confidence=figure_confidence))


def test_low_confidence_share_over_100_and_a_misread_year_are_set_aside_with_their_reason():
    indicators = {
        "sme_output_share_pct": _indicator(831.0),  # "83.1" with its point lost
        "rd_growth_pct": _indicator(250.0),  # a growth may pass 100
        "area_km2": _indicator(88.9, confidence=41.0),
        "employees": _indicator(5900, confidence=97.0, figure_confidence=99.0),
        "output_yi_by_year": _indicator({"2019": 0.803, "2020": 93.6, "2021": 108.0}),
        # a line read well on the whole whose one blotted digit the engine was unsure of
        "enterprise_count": _indicator(126, confidence=96.0, figure_confidence=75.0),
    }
    trusted, findings = set_aside_uncertain(indicators, RULES)
    assert set(trusted) == {"rd_growth_pct", "employees"}
    by_field = {f.field: f for f in findings}
    assert set(by_field) == {"sme_output_share_pct", "area_km2", "output_yi_by_year", "enterprise_count"}
    assert "数字识别置信度仅为75" in by_field["enterprise_count"].message
    assert all(f.code.value == "VALUE_UNCERTAIN" and f.severity.value == "warning" for f in findings)
    assert "超过100%" in by_field["sme_output_share_pct"].message
    assert "置信度仅为41" in by_field["area_km2"].message
    assert "小数点" in by_field["output_yi_by_year"].message
    assert by_field["area_km2"].evidence[0].page == 3


def _process(packet: Path, out: Path) -> dict:
    run = subprocess.run([sys.executable, "-m", "pipeline.cli.main", "process", str(packet), "--out", str(out)],
                         capture_output=True, text=True, timeout=600,
                         env={**os.environ, "CLUSTER_INTAKE_DATA_DIR": str(out / "data")})
    assert run.returncode in (0, 1), run.stderr
    (path,) = out.glob("*/result.json")
    return json.loads(path.read_text(encoding="utf-8"))


@pytest.mark.parametrize("seed", [7])
def test_an_implausible_share_in_a_real_packet_is_uncertain_and_raises_no_verdict_on_it(tmp_path, seed):
    """The same packet twice: as generated, and with its SME share typed as 10× (a lost point)."""
    truth = generate_packet("docx", tmp_path / "gen", seed=seed)
    packet = next((tmp_path / "gen" / "packets").iterdir())
    share = truth["indicators"]["sme_output_share_pct"]
    from docx import Document

    document = Document(str(packet))
    typed = f"{share:g}%"
    changed = 0
    for paragraph in [p for t in document.tables for row in t.rows for c in row.cells for p in c.paragraphs] + list(document.paragraphs):
        for run in paragraph.runs:
            if typed in run.text:
                run.text = run.text.replace(typed, f"{share * 10:g}%")
                changed += 1
    assert changed, f"{typed} not found in the generated DOCX"
    slipped = tmp_path / "slip" / packet.name
    slipped.parent.mkdir()
    document.save(str(slipped))

    before = _process(packet, tmp_path / "out1")
    after = _process(slipped, tmp_path / "out2")
    assert "VALUE_UNCERTAIN" not in {f["code"] for f in before["findings"]}
    uncertain = [f for f in after["findings"] if f["code"] == "VALUE_UNCERTAIN"]
    assert [f["field"] for f in uncertain] == ["sme_output_share_pct"], after["findings"]
    assert uncertain[0]["evidence"] and "超过100%" in uncertain[0]["message"]
    assert "SME_SHARE_LOW" not in {f["code"] for f in after["findings"]}
    assert after["indicators"]["sme_output_share_pct"]["value"] == pytest.approx(share * 10)
    others = lambda r: sorted((f["code"], f.get("field")) for f in r["findings"] if f["code"] != "VALUE_UNCERTAIN")
    assert others(after) == others(before)


# --- an inconsistency one look-alike digit explains, on a scan ------------------------------------

from validators.checks import check_consistency  # noqa: E402  (used only by the tests below)


def _form(by_year_figure, by_year_confidence=98.0, stated=17.0, output_2021=88.8) -> dict[str, Indicator]:
    """Stated growth 17 %; 61.2 → 83.8 is 17.0 % a year, so "88.8" (a blotted 3) does not agree."""
    return {
        "output_growth_pct": _indicator(stated, confidence=99.0, figure_confidence=99.5),
        "output_yi_by_year": _indicator({"2019": 61.2, "2020": 71.7, "2021": output_2021},
                                        confidence=by_year_confidence, figure_confidence=by_year_figure),
    }


def _codes(indicators) -> tuple[list[str], list[str]]:
    trusted, uncertain = set_aside_uncertain(indicators, RULES)
    return [f.field for f in uncertain], [f.code.value for f in check_consistency(trusted, _no_lists(), RULES)]


def _no_lists():
    from pipeline.core.result import Lists

    return Lists()


def test_a_scan_value_one_look_alike_digit_from_agreeing_is_uncertain_not_inconsistent():
    trusted, uncertain = set_aside_uncertain(_form(by_year_figure=94.6), RULES)
    assert [f.field for f in uncertain] == ["output_yi_by_year"]
    assert "“88.8”实为“83.8”" in uncertain[0].message
    assert check_consistency(trusted, _no_lists(), RULES) == []


@pytest.mark.parametrize("case, indicators", [
    ("read surely", _form(by_year_figure=99.8)),
    ("a text layer", {k: Indicator(value=v.value, evidence=Evidence(file="申报书.pdf", page=3, text="x"))
                      for k, v in _form(by_year_figure=None).items()}),
    ("no look-alike explains it", _form(by_year_figure=94.6, stated=30.0)),
])
def test_an_inconsistency_stays_one_when_no_misreading_explains_it(case, indicators):
    assert _codes(indicators) == ([], ["GROWTH_INCONSISTENT"]), case


def test_a_consistent_scan_is_left_alone():
    assert _codes(_form(by_year_figure=90.0, output_2021=83.8)) == ([], [])


def test_density_a_misread_employee_count():
    indicators = {
        "patents_per_10k": _indicator(25.0, confidence=99.0, figure_confidence=99.9),
        "valid_invention_patents": _indicator(150, confidence=99.0, figure_confidence=99.9),
        "employees": _indicator(80000, confidence=97.0, figure_confidence=92.0),  # 60000 with its 6 read as 8
    }
    fields, codes = _codes(indicators)
    assert fields == ["employees"] and codes == []
