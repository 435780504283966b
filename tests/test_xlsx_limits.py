"""Hostile and Strict workbooks, through the real command (reader workers included).

A ~110 KB XLSX whose one 1 MB shared string is used by 12,000 cells expands to 12 G
characters: it must be FILE_UNREADABLE with the reason, the run's peak memory (the
largest of the command and its workers, ru_maxrss of the waited-for children) small.
A Strict Open XML workbook is reported, not read as zero pages in silence.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

from openpyxl import Workbook

from tests.test_watcher import PROJECT_ROOT, tiny_docx

TRANSITIONAL = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
STRICT = "http://purl.oclc.org/ooxml/spreadsheetml/main"


def shared_string_bomb(path: Path) -> Path:
    """Written part by part (openpyxl would not share the string): one <si>, 12,000 cells using it."""
    text = "".join(f"集群{i % 97}产值{i % 89}亿元；" for i in range(90_000))[: 1024 * 1024 // 3]  # ~1 MB of UTF-8
    rows = "".join(
        f'<row r="{r}">' + "".join(f'<c r="{col}{r}" t="s"><v>0</v></c>' for col in "ABCDEFGHIJKLMNOPQRST") + "</row>"
        for r in range(1, 601)
    )
    parts = {
        "[Content_Types].xml": '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
        "</Types>",
        "_rels/.rels": '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
        "</Relationships>",
        "xl/workbook.xml": f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{TRANSITIONAL}" '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
        '<sheets><sheet name="统计" sheetId="1" r:id="rId1"/></sheets></workbook>',
        "xl/_rels/workbook.xml.rels": '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
        '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>'
        "</Relationships>",
        "xl/sharedStrings.xml": f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{TRANSITIONAL}" count="12000" uniqueCount="1">'
        f"<si><t>{text}</t></si></sst>",
        "xl/worksheets/sheet1.xml": f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{TRANSITIONAL}"><sheetData>{rows}</sheetData></worksheet>',
    }
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, body in parts.items():
            archive.writestr(name, body.encode("utf-8"))
    return path


def strict_workbook(path: Path) -> Path:
    plain = path.with_name("plain.xlsx")
    workbook = Workbook()
    workbook.active.append(["集群名称", "测试县特色食品产业集群"])
    workbook.save(plain)
    with zipfile.ZipFile(plain) as source, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename.endswith(".xml"):
                data = data.replace(TRANSITIONAL.encode(), STRICT.encode())
            target.writestr(info, data)
    plain.unlink()
    return path


# A fresh parent for each run: RUSAGE_CHILDREN of pytest itself holds the largest child of the
# whole session, so the run is started by a small wrapper that reports its own children's peak.
_MEASURED = (
    "import json, resource, subprocess, sys\n"
    "run = subprocess.run(sys.argv[1:], capture_output=True, text=True)\n"
    "print(json.dumps([run.returncode, run.stderr, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss]))\n"
)


def run_process(packet: Path, tmp_path: Path) -> tuple[dict, int]:
    env = {**os.environ, "CLUSTER_INTAKE_DATA_DIR": str(tmp_path / "data")}
    command = [sys.executable, "-m", "pipeline.cli.main", "process", str(packet), "--out", str(tmp_path / "out")]
    wrapper = subprocess.run([sys.executable, "-c", _MEASURED, *command], cwd=PROJECT_ROOT, env=env,
                             capture_output=True, text=True, timeout=600)
    returncode, stderr, peak_kb = json.loads(wrapper.stdout)
    assert returncode == 0, stderr
    result = json.loads((tmp_path / "out" / packet.name / "result.json").read_text(encoding="utf-8"))
    return result, peak_kb


def unreadable(result: dict, name: str) -> list[str]:
    return [f["message"] for f in result["findings"]
            if f["code"] == "FILE_UNREADABLE" and any(e["file"].endswith(name) for e in f["evidence"])]


def test_a_shared_string_bomb_is_unreadable_with_the_reason_and_memory_stays_small(tmp_path: Path):
    packet = tmp_path / "集群71"
    tiny_docx(packet / "01 申报表.docx", 71)
    bomb = shared_string_bomb(packet / "02 统计表.xlsx")
    assert bomb.stat().st_size < 400 * 1024
    result, peak_kb = run_process(packet, tmp_path)
    messages = unreadable(result, "02 统计表.xlsx")
    assert messages and "共享字符串" in messages[0], result["findings"]
    assert peak_kb < 1024 * 1024, f"peak RSS {peak_kb / 1024:.0f} MB"  # measured: see the closing note
    print(f"peak RSS of the run: {peak_kb / 1024:.0f} MB")


def test_a_strict_open_xml_workbook_is_reported(tmp_path: Path):
    packet = tmp_path / "集群72"
    tiny_docx(packet / "01 申报表.docx", 72)
    strict_workbook(packet / "02 统计表.xlsx")
    result, _ = run_process(packet, tmp_path)
    messages = unreadable(result, "02 统计表.xlsx")
    assert messages and "Strict" in messages[0], result["findings"]
