"""A round is data: a made-up round copied from 2022 with a threshold, an item title and a
message changed takes effect end to end (the CLI on a generated packet), with no code change."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from pipeline.rounds.ruleset import RULES_DIR, RulesetInvalid, load_ruleset_file
from sample_docs.generate import generate_packet

NEW_TITLE = "集群碳排放监测与核算机制"
MARK = "【2099轮次】"


def _made_up_round(folder: Path) -> Path:
    data = yaml.safe_load((RULES_DIR / "2022.yaml").read_text(encoding="utf-8"))
    data["name"], data["round_year"] = "2099", 2099
    data["thresholds"]["OUTPUT_BELOW_THRESHOLD"]["value"] = 100000
    data["thresholds"]["OUTPUT_BELOW_THRESHOLD"]["rule"] = "近三年产值均在 100000 亿元以上"
    data["items"][11]["title"] = NEW_TITLE
    data["codes"]["OUTPUT_BELOW_THRESHOLD"]["message"] = MARK + data["codes"]["OUTPUT_BELOW_THRESHOLD"]["message"]
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "2099.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def _process(packet: Path, out: Path, rules: Path, *extra: str) -> dict:
    env = dict(os.environ, CLUSTER_INTAKE_RULES_DIR=str(rules), CLUSTER_INTAKE_DATA_DIR=str(out / "data"))
    run = subprocess.run([sys.executable, "-m", "pipeline.cli.main", "process", str(packet), "--out", str(out), *extra],
                         capture_output=True, text=True, env=env, timeout=600)
    assert run.returncode in (0, 1), run.stderr
    (result,) = out.glob("*/result.json")
    return json.loads(result.read_text(encoding="utf-8"))


def test_a_made_up_round_changes_threshold_title_and_message_with_no_code_change(tmp_path):
    rules = tmp_path / "rules"
    _made_up_round(rules)
    truth = generate_packet("text_table", tmp_path / "gen", seed=7)
    packet = next((tmp_path / "gen" / "packets").iterdir())

    before = _process(packet, tmp_path / "out2022", rules, "--ruleset", "2022")
    after = _process(packet, tmp_path / "out2099", rules, "--ruleset", "2099")

    assert before["ruleset"] == "2022" and after["ruleset"] == "2099"
    assert "OUTPUT_BELOW_THRESHOLD" not in {f["code"] for f in before["findings"]}, truth["packet_id"]
    low = [f for f in after["findings"] if f["code"] == "OUTPUT_BELOW_THRESHOLD"]
    assert low and low[0]["message"].startswith(MARK) and low[0]["severity"] == "error"
    assert after["status"] == "fail"
    assert before["sections"][11]["title"] == "集群碳排放监测机制"
    assert after["sections"][11]["title"] == NEW_TITLE and after["sections"][11]["present"]
    report = (tmp_path / "out2099" / after["packet_id"] / "report.html").read_text(encoding="utf-8")
    shown = re.sub(r"<[^>]+>", "", report)  # the text a reviewer reads: numbers sit in no-wrap spans
    assert NEW_TITLE in shown and MARK in shown


@pytest.mark.parametrize(
    "edit, named",
    [
        (lambda d: d["items"].pop(3), "items"),
        (lambda d: d["items"][2].update(signature=[[]]), "items.2.signature"),
        (lambda d: d["completeness"]["cover_fields"].update(nickname="别名"), "completeness.cover_fields"),
        (lambda d: d["completeness"].update(where="第{pagee}页"), "completeness.where"),
        (lambda d: d["criteria"][0].update(evidence_items=[21]), "evidence_items"),
    ],
)
def test_a_bad_round_file_names_the_wrong_key(tmp_path, edit, named):
    data = yaml.safe_load((RULES_DIR / "2022.yaml").read_text(encoding="utf-8"))
    edit(data)
    path = tmp_path / "2022.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(RulesetInvalid) as error:
        load_ruleset_file(path)
    assert named in str(error.value)
